"""The app's REST + /v1 served on loopback (uvicorn in a thread, the test's database), the
fake OpenAI and Anthropic servers behind it, and personal keys made for a test."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

import httpx
import openai
import pytest
from starlette.applications import Starlette

from metogpt.api import build_api
from metogpt.services import keys, roles
from metogpt.services.db import read_session, write_session
from metogpt.services.gateway import limits
from tests.conftest import Account, make_account
from tests.fixtures.fake_providers import FakeProviderServer
from tests.fixtures.loopback import LoopbackServer


class AppServer(LoopbackServer):
    def _app(self) -> Starlette:
        return build_api()  # type: ignore[return-value]


@pytest.fixture(scope="session")
def app_server() -> Iterator[AppServer]:
    with AppServer() as server:
        yield server


@pytest.fixture
def fake(fake: FakeProviderServer) -> FakeProviderServer:
    """The shared fake providers (tests/conftest.py), with the rate limits counted in the
    database (no Redis) unless a test configures them."""
    limits.configure(None)
    return fake


@dataclass
class Keyed:
    account: Account
    key_id: str
    secret: str


def make_key(account: Account, models: list[str] | None = None, name: str = "test") -> Keyed:
    with write_session() as session:
        view, secret = keys.create(session, account.actor(), name, None, models)
    return Keyed(account, view.id, secret)


def keyed(role: str = "PRO", balance: int = 100_000, models: list[str] | None = None) -> Keyed:
    return make_key(make_account(role, balance=balance), models)


def sdk(server: AppServer, secret: str, **kw: object) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.base_url}/v1", api_key=secret, max_retries=0, **kw)  # type: ignore[arg-type]


def v1(server: AppServer, secret: str, path: str, body: dict | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {secret}"}
    if body is None:
        return httpx.get(f"{server.base_url}/v1{path}", headers=headers, timeout=30)
    return httpx.post(f"{server.base_url}/v1{path}", json=body, headers=headers, timeout=30)


def v1_stream(server: AppServer, secret: str, body: dict) -> AbstractContextManager[httpx.Response]:
    """A streamed POST /v1/chat/completions, its lines read by the test."""
    return httpx.stream(
        "POST",
        f"{server.base_url}/v1/chat/completions",
        json=body,
        headers={"Authorization": f"Bearer {secret}"},
        timeout=30,
    )


def minute_to_spare(seconds: float = 15.0) -> None:
    """The limits count in whole-minute windows: requests a test counts together must not
    straddle two. Called right before them, it waits for the next minute when fewer than
    `seconds` of this one are left."""
    if time.time() % 60 > 60 - seconds:
        time.sleep(61 - time.time() % 60)


def set_limits(role: str, api_limits: dict[str, int] | None) -> None:
    from metogpt.services import permissions
    from metogpt.services.permissions import Actor

    system = Actor("test-setup", "ADMIN", permissions.full_matrix())
    with write_session() as session:
        roles.update(session, system, role, api_limits=api_limits)


def role_models(role: str) -> list[str]:
    with read_session() as session:
        return list(roles.enabled_models(roles.get(session, role)))
