"""The model catalog: which models exist, which provider serves each, and with which key.

Built-in models cover OpenAI and Anthropic; a TOML file (METOGPT_CONFIG) adds OpenAI-compatible
endpoints (Ollama, vLLM, LM Studio, ...) and extra models. A model whose provider has no API key
stays in the catalog - roles refer to models by name and must keep working - but is answered by
the offline demo provider instead.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from metogpt.settings import catalog_environment

ProviderKind = Literal["openai", "anthropic", "openai_compatible", "demo"]

DEMO_PROVIDER = "demo"
# Sent to OpenAI-compatible endpoints configured without a key: local servers ignore it, but
# the SDK refuses to build a client without one.
NO_KEY_PLACEHOLDER = "none"

_MODEL_NAME = re.compile(r"[A-Za-z0-9._:/-]{1,64}")
_DEFAULT_CONTEXT_WINDOW = 8192
_DEFAULT_MAX_OUTPUT = 2048
_MODEL_FIELDS = {
    "name",
    "provider",
    "upstream_id",
    "context_window",
    "max_output",
    "label",
    "vision",
}
_ENDPOINT_FIELDS = {"name", "base_url", "api_key_env", "models"}


class CatalogError(ValueError):
    """The catalog configuration is invalid; the message says where and why."""


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    name: str
    kind: ProviderKind
    base_url: str | None
    api_key_env: str | None


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    provider: str
    upstream_id: str
    context_window: int
    max_output: int
    label: str
    vision: bool = False  # takes images (TOML: `vision = true`); services/files/


@dataclass(frozen=True, slots=True)
class Catalog:
    """Models by name (in display order) and providers by name.

    `provider_for` answers with the provider that will actually serve a model, which is the
    demo provider when the configured one has no key.
    """

    models: dict[str, ModelSpec]
    providers: dict[str, ProviderSpec]
    # Keys resolved at load time; kept out of repr so a logged catalog never leaks them.
    api_keys: dict[str, str] = field(default_factory=dict, repr=False)

    def get(self, name: str) -> ModelSpec | None:
        return self.models.get(name)

    def names(self) -> list[str]:
        return list(self.models)

    def provider_for(self, model_name: str) -> ProviderSpec:
        model = self.models.get(model_name)
        if model is None:
            raise KeyError(f"unknown model {model_name!r}")
        if model.provider != DEMO_PROVIDER and model.provider not in self.api_keys:
            return self.providers[DEMO_PROVIDER]
        return self.providers[model.provider]

    def api_key(self, provider_name: str) -> str | None:
        return self.api_keys.get(provider_name)

    def is_demo(self, model_name: str) -> bool:
        """True when the model's answers come from the demo provider."""
        return self.provider_for(model_name).kind == "demo"

    def stands_in(self, model_name: str) -> bool:
        """True when `model_name` is a real model answered by the demo provider for lack of
        a key (the demo banner's case). Unknown models and the explicit `demo` model (offered
        on purpose) do not stand in."""
        model = self.models.get(model_name)
        return model is not None and model.provider != DEMO_PROVIDER and self.is_demo(model_name)


def _builtin_providers(env: Mapping[str, str]) -> list[ProviderSpec]:
    return [
        ProviderSpec(
            "openai",
            "openai",
            env.get("OPENAI_BASE_URL") or "https://api.openai.com/v1",
            "OPENAI_API_KEY",
        ),
        ProviderSpec(
            "anthropic",
            "anthropic",
            env.get("ANTHROPIC_BASE_URL") or "https://api.anthropic.com",
            "ANTHROPIC_API_KEY",
        ),
        ProviderSpec(DEMO_PROVIDER, "demo", None, None),
    ]


_BUILTIN_MODELS = (
    ModelSpec("gpt-3.5-turbo", "openai", "gpt-3.5-turbo", 16385, 4096, "GPT-3.5 Turbo"),
    ModelSpec("gpt-4", "openai", "gpt-4", 8192, 4096, "GPT-4", vision=True),
    ModelSpec("gpt-4o", "openai", "gpt-4o", 128000, 16384, "GPT-4o", vision=True),
    ModelSpec("gpt-4o-mini", "openai", "gpt-4o-mini", 128000, 16384, "GPT-4o mini", vision=True),
    ModelSpec(
        "claude-3",
        "anthropic",
        "claude-3-haiku-20240307",
        200000,
        4096,
        "Claude 3",
        vision=True,
    ),
    ModelSpec(
        "claude-3-5-sonnet",
        "anthropic",
        "claude-3-5-sonnet-20241022",
        200000,
        8192,
        "Claude 3.5 Sonnet",
        vision=True,
    ),
    ModelSpec(DEMO_PROVIDER, DEMO_PROVIDER, DEMO_PROVIDER, 16384, 2048, "Demo (offline)"),
)


def load_catalog(config_path: str | None = None, env: Mapping[str, str] | None = None) -> Catalog:
    """Build the catalog from the built-ins, the TOML file (if any) and the keys in `env`."""
    env = catalog_environment() if env is None else env
    config_path = config_path or env.get("METOGPT_CONFIG") or None
    providers = {provider.name: provider for provider in _builtin_providers(env)}
    models = {model.name: model for model in _BUILTIN_MODELS}
    if config_path:
        _apply_config(_read_toml(config_path), providers, models)
    return Catalog(models=models, providers=providers, api_keys=_resolve_keys(providers, env))


def _resolve_keys(providers: Mapping[str, ProviderSpec], env: Mapping[str, str]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for provider in providers.values():
        key = env.get(provider.api_key_env, "").strip() if provider.api_key_env else ""
        if key:
            keys[provider.name] = key
        elif provider.kind == "openai_compatible":
            keys[provider.name] = NO_KEY_PLACEHOLDER
    return keys


def _read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as file:
            return tomllib.load(file)
    except OSError as exc:
        raise CatalogError(f"cannot read catalog config {path!r}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"catalog config {path!r} is not valid TOML: {exc}") from exc


def _apply_config(
    config: dict[str, Any], providers: dict[str, ProviderSpec], models: dict[str, ModelSpec]
) -> None:
    _reject_unknown_keys(config, {"endpoints", "models"}, "the catalog config")
    # Built-in model names may be overridden by [[models]]; anything else must be unique.
    taken: set[str] = set()
    for index, table in enumerate(_list_of_tables(config, "endpoints", "the catalog config")):
        endpoint, endpoint_models = _parse_endpoint(table, f"endpoints[{index}]", providers)
        providers[endpoint.name] = endpoint
        for model in endpoint_models:
            _add_unique(model, models, taken)
    for index, table in enumerate(_list_of_tables(config, "models", "the catalog config")):
        where = f"models[{index}]"
        model = _parse_model(table, where, provider=None)
        if model.provider not in providers:
            raise CatalogError(f"{where}: unknown provider {model.provider!r}")
        if model.name in taken:
            raise CatalogError(f"{where}: duplicate model name {model.name!r}")
        taken.add(model.name)
        models[model.name] = model


def _add_unique(model: ModelSpec, models: dict[str, ModelSpec], taken: set[str]) -> None:
    if model.name in models:
        raise CatalogError(f"duplicate model name {model.name!r}")
    taken.add(model.name)
    models[model.name] = model


def _parse_endpoint(
    table: dict[str, Any], where: str, providers: Mapping[str, ProviderSpec]
) -> tuple[ProviderSpec, list[ModelSpec]]:
    _reject_unknown_keys(table, _ENDPOINT_FIELDS, where)
    name = _required_str(table, "name", where)
    if name in providers:
        raise CatalogError(f"{where}: provider name {name!r} is already in use")
    base_url = _required_str(table, "base_url", where)
    if not base_url.startswith(("http://", "https://")):
        raise CatalogError(f"{where}: base_url must start with http:// or https://")
    api_key_env = _optional_str(table, "api_key_env", where)
    endpoint = ProviderSpec(name, "openai_compatible", base_url, api_key_env)
    entries = table.get("models", [])
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{where}: models must be a non-empty list")
    models = [
        _parse_model({"name": entry} if isinstance(entry, str) else entry, f"{where}.models", name)
        for entry in entries
    ]
    return endpoint, models


def _parse_model(table: Any, where: str, provider: str | None) -> ModelSpec:
    """One model table; `provider` is fixed for endpoint models and read for [[models]]."""
    if not isinstance(table, dict):
        raise CatalogError(f"{where}: each model must be a name or a table")
    _reject_unknown_keys(table, _MODEL_FIELDS - ({"provider"} if provider else set()), where)
    name = _required_str(table, "name", where)
    if not _MODEL_NAME.fullmatch(name):
        raise CatalogError(
            f"{where}: model name {name!r} must be 1-64 letters, digits or . _ : - /"
        )
    context_window = _positive_int(table, "context_window", where, _DEFAULT_CONTEXT_WINDOW)
    max_output = _positive_int(table, "max_output", where, _DEFAULT_MAX_OUTPUT)
    if max_output > context_window:
        raise CatalogError(f"{where}: max_output of {name!r} exceeds its context_window")
    return ModelSpec(
        name=name,
        provider=provider or _required_str(table, "provider", where),
        upstream_id=_optional_str(table, "upstream_id", where) or name,
        context_window=context_window,
        max_output=max_output,
        label=_optional_str(table, "label", where) or name,
        vision=_bool(table, "vision", where),
    )


def _list_of_tables(config: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = config.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise CatalogError(f"{where}: {key} must be an array of tables ([[{key}]])")
    return value


def _reject_unknown_keys(table: dict[str, Any], allowed: set[str], where: str) -> None:
    # Typos ("context" for "context_window") would otherwise be silently ignored.
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise CatalogError(f"{where}: unknown key(s) {', '.join(unknown)}")


def _required_str(table: dict[str, Any], key: str, where: str) -> str:
    value = _optional_str(table, key, where)
    if not value:
        raise CatalogError(f"{where}: {key} is required")
    return value


def _optional_str(table: dict[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise CatalogError(f"{where}: {key} must be a string")
    return value.strip() if value else None


def _bool(table: dict[str, Any], key: str, where: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise CatalogError(f"{where}: {key} must be true or false")
    return value


def _positive_int(table: dict[str, Any], key: str, where: str, default: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise CatalogError(f"{where}: {key} must be a positive integer")
    return value


@functools.cache
def get_catalog() -> Catalog:
    """The process-wide catalog, loaded once from the environment."""
    return load_catalog()


def reset_catalog_cache() -> None:
    """Forget the loaded catalog (tests, or after changing the environment)."""
    get_catalog.cache_clear()
