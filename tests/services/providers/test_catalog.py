"""The catalog: built-in models, demo stand-ins for missing keys, base URLs from the
environment, a TOML config of endpoints and models (and its refusals), caching."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from metogpt.services import catalog as catalog_module
from metogpt.services.catalog import CatalogError, ProviderKind, get_catalog, load_catalog
from metogpt.services.llm import PROVIDERS
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.services.providers.streams import OPENAI_KEY, collect


def test_builtin_catalog() -> None:
    catalog = load_catalog(env={"OPENAI_API_KEY": OPENAI_KEY, "ANTHROPIC_API_KEY": "sk-a"})

    for name in ["gpt-3.5-turbo", "gpt-4", "gpt-4o", "gpt-4o-mini", "claude-3", "demo"]:
        assert name in catalog.names()
    assert catalog.names()[0] == "gpt-3.5-turbo"
    gpt35 = catalog.get("gpt-3.5-turbo")
    assert gpt35 is not None and (gpt35.context_window, gpt35.max_output) == (16385, 4096)
    claude = catalog.get("claude-3")
    assert claude is not None and claude.upstream_id.startswith("claude-3")
    assert catalog.provider_for("gpt-4").name == "openai"
    assert catalog.provider_for("claude-3").kind == "anthropic"
    assert catalog.provider_for("gpt-4").base_url == "https://api.openai.com/v1"
    assert not any(catalog.stands_in(name) for name in catalog.names())
    assert catalog.is_demo("demo") and not catalog.is_demo("gpt-4")
    assert catalog.get("nope") is None
    assert catalog.api_key("openai") == OPENAI_KEY
    assert OPENAI_KEY not in repr(catalog)  # a logged catalog must not leak keys


def test_missing_key_serves_models_from_the_demo_provider() -> None:
    catalog = load_catalog(env={"OPENAI_API_KEY": "sk-x", "ANTHROPIC_API_KEY": "  "})

    assert catalog.get("claude-3") is not None  # roles keep referring to it
    assert catalog.is_demo("claude-3")
    assert catalog.provider_for("claude-3").kind == "demo"
    assert not catalog.is_demo("gpt-4")
    # the banner's case: a real model answered by the demo; not the demo model itself
    assert catalog.stands_in("claude-3") and not catalog.stands_in("gpt-4")
    assert not catalog.stands_in("demo") and not catalog.stands_in("nope")


def test_every_provider_kind_is_served_by_a_provider_module() -> None:
    # A new provider is one module in services/llm/ and one line in the registry.
    assert set(PROVIDERS) == set(get_args(ProviderKind))
    assert {connect.__module__ for connect in PROVIDERS.values()} == {
        "metogpt.services.llm.openai",
        "metogpt.services.llm.anthropic",
        "metogpt.services.llm.demo",
    }


def test_base_url_comes_from_the_environment() -> None:
    catalog = load_catalog(env={"OPENAI_BASE_URL": "http://proxy:8080/v1"})

    assert catalog.providers["openai"].base_url == "http://proxy:8080/v1"


@pytest.mark.asyncio
async def test_toml_endpoint_appears_in_the_catalog_and_works(
    fake: FakeProviderServer, tmp_path: Path
) -> None:
    config = tmp_path / "catalog.toml"
    config.write_text(
        f"""
[[endpoints]]
name = "ollama"
base_url = "{fake.openai_base_url}"
api_key_env = "OLLAMA_API_KEY"
models = ["llama3", {{ name = "mistral:7b", upstream_id = "mistral", context_window = 32000 }}]

[[models]]
name = "gpt-4.1"
provider = "openai"
upstream_id = "gpt-4.1"
context_window = 128000
max_output = 8192
"""
    )
    catalog = load_catalog(env={"METOGPT_CONFIG": str(config)})

    assert catalog.names()[-3:] == ["llama3", "mistral:7b", "gpt-4.1"]
    mistral = catalog.get("mistral:7b")
    assert mistral is not None and (mistral.upstream_id, mistral.context_window) == (
        "mistral",
        32000,
    )
    assert catalog.provider_for("llama3").kind == "openai_compatible"
    assert not catalog.is_demo("llama3")  # a keyless local endpoint is allowed
    assert catalog.is_demo("gpt-4.1")  # no OPENAI_API_KEY

    text, usage, _ = await collect(catalog, "mistral:7b")

    assert text == FakeBehavior().reply_text
    assert usage is not None and usage.reported
    assert fake.requests[0]["body"]["model"] == "mistral"
    assert fake.requests[0]["headers"]["authorization"] == "Bearer none"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[[endpoints]\nname = ", "not valid TOML"),
        ('[[models]]\nname = "x"\nprovider = "nowhere"', "unknown provider"),
        ('[[models]]\nname = "bad name!"\nprovider = "openai"', "model name"),
        ('[[models]]\nname = "x"\nprovider = "openai"\ncontext = 5', "unknown key"),
        ('[[models]]\nname = "x"\nprovider = "openai"\nmax_output = -1', "positive integer"),
        (
            '[[models]]\nname = "x"\nprovider = "openai"\n' * 2,
            "duplicate model name",
        ),
        (
            '[[endpoints]]\nname = "local"\nbase_url = "http://h/v1"\nmodels = ["gpt-4"]',
            "duplicate model name",
        ),
        (
            '[[endpoints]]\nname = "openai"\nbase_url = "http://h/v1"\nmodels = ["m"]',
            "already in use",
        ),
        ('[[endpoints]]\nname = "local"\nbase_url = "ftp://h"\nmodels = ["m"]', "base_url"),
        ('[[endpoints]]\nname = "local"\nbase_url = "http://h/v1"\nmodels = []', "non-empty"),
    ],
)
def test_invalid_config_is_rejected(tmp_path: Path, toml: str, message: str) -> None:
    config = tmp_path / "catalog.toml"
    config.write_text(toml)

    with pytest.raises(CatalogError, match=message):
        load_catalog(str(config), env={})


def test_missing_config_file_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(str(tmp_path / "absent.toml"), env={})


def test_builtin_models_can_be_overridden(tmp_path: Path) -> None:
    config = tmp_path / "catalog.toml"
    config.write_text('[[models]]\nname = "gpt-4"\nprovider = "openai"\nupstream_id = "gpt-4-0613"')

    catalog = load_catalog(str(config), env={})

    gpt4 = catalog.get("gpt-4")
    assert gpt4 is not None and gpt4.upstream_id == "gpt-4-0613"
    assert catalog.names().index("gpt-4") == 1  # keeps its place in the picker


def test_get_catalog_is_cached_until_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METOGPT_CONFIG", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    catalog_module.reset_catalog_cache()
    first = get_catalog()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-now")

    assert get_catalog() is first and first.is_demo("gpt-4")
    catalog_module.reset_catalog_cache()
    assert not get_catalog().is_demo("gpt-4")
    catalog_module.reset_catalog_cache()
