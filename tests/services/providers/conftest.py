"""The fake OpenAI and Anthropic servers (one for the package, reset for each test) and a
catalog whose providers are them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from metogpt.services.catalog import Catalog, load_catalog
from tests.fixtures.fake_providers import FakeProviderServer
from tests.services.providers.streams import ANTHROPIC_KEY, OPENAI_KEY


@pytest.fixture(scope="package")
def server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeProviderServer) -> FakeProviderServer:
    server.reset()
    return server


@pytest.fixture
def catalog(fake: FakeProviderServer) -> Catalog:
    return load_catalog(
        env={
            "OPENAI_API_KEY": OPENAI_KEY,
            "OPENAI_BASE_URL": fake.openai_base_url,
            "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
            "ANTHROPIC_BASE_URL": fake.anthropic_base_url,
        }
    )


@pytest.fixture
def no_demo_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METOGPT_DEMO_DELAY", "0")
