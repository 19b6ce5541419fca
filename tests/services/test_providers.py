"""Providers, catalog and token counting.

The real openai/anthropic SDKs (through open_stream) talk to fake servers on loopback that speak
the real wire protocols; nothing is mocked at the function level.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import get_args

import anthropic
import httpx
import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tiktoken_ext import openai_public

from metogpt.services import catalog as catalog_module
from metogpt.services import setup
from metogpt.services.catalog import Catalog, CatalogError, ProviderKind, get_catalog, load_catalog
from metogpt.services.llm import PROVIDERS, ChatMessage, ProviderError, Usage, open_stream, tokens
from metogpt.services.llm.tokens import count_prompt_tokens, count_text_tokens
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer

OPENAI_KEY = "sk-test-openai-secret"
ANTHROPIC_KEY = "sk-ant-test-secret"
MESSAGES = [
    ChatMessage("system", "You are terse."),
    ChatMessage("user", "What is the capital of France?"),
]
REAL_MODELS = ["gpt-4", "claude-3"]


@pytest.fixture(scope="module")
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


async def collect(
    catalog: Catalog, model: str, max_tokens: int = 100, messages: list[ChatMessage] = MESSAGES
) -> tuple[str, Usage | None, str | None]:
    spec = catalog.get(model)
    assert spec is not None
    stream = await open_stream(spec, messages, max_tokens, catalog=catalog, timeout=5)
    text = "".join([delta async for delta in stream])
    return text, stream.usage, stream.finish_reason


async def wait_for(condition: Callable[[], bool], timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.02)
    return False


# --- streaming and usage ------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("model", REAL_MODELS)
async def test_streams_text_with_reported_usage(
    fake: FakeProviderServer, catalog: Catalog, model: str
) -> None:
    fake.behavior = FakeBehavior(reply_text="Paris is the capital.", prompt_tokens=42)

    text, usage, finish = await collect(catalog, model)

    assert text == "Paris is the capital."
    assert usage == Usage(prompt_tokens=42, completion_tokens=4, reported=True)
    assert finish == "stop"
    assert fake.request_count == 1


@pytest.mark.asyncio
async def test_openai_request_carries_key_model_and_stream_options(
    fake: FakeProviderServer, catalog: Catalog
) -> None:
    await collect(catalog, "gpt-4o", max_tokens=7)

    request = fake.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == f"Bearer {OPENAI_KEY}"
    assert request["body"]["model"] == "gpt-4o"
    assert request["body"]["max_tokens"] == 7
    assert request["body"]["stream_options"] == {"include_usage": True}
    assert request["body"]["messages"][0] == {"role": "system", "content": "You are terse."}


@pytest.mark.asyncio
async def test_anthropic_request_moves_system_prompt_to_parameter(
    fake: FakeProviderServer, catalog: Catalog
) -> None:
    await collect(catalog, "claude-3")

    request = fake.requests[0]
    assert request["path"] == "/v1/messages"
    assert request["body"]["model"] == "claude-3-haiku-20240307"
    assert request["body"]["system"] == "You are terse."
    assert [m["role"] for m in request["body"]["messages"]] == ["user"]
    assert ANTHROPIC_KEY in (
        request["headers"].get("x-api-key", "") + request["headers"].get("authorization", "")
    )


@pytest.mark.asyncio
@pytest.mark.parametrize("model", REAL_MODELS)
async def test_max_tokens_is_respected(
    fake: FakeProviderServer, catalog: Catalog, model: str
) -> None:
    fake.behavior = FakeBehavior(reply_tokens=20)

    text, usage, finish = await collect(catalog, model, max_tokens=4)

    assert text == "tok0 tok1 tok2 tok3"
    assert usage is not None and usage.completion_tokens == 4
    assert finish == "length"
    assert fake.requests[0]["body"]["max_tokens"] == 4


@pytest.mark.asyncio
async def test_usage_is_counted_locally_when_the_provider_reports_none(
    fake: FakeProviderServer, catalog: Catalog
) -> None:
    # Like OpenAI-compatible servers that ignore stream_options.
    fake.behavior = FakeBehavior(reply_text="one two three", include_usage=False)

    text, usage, _ = await collect(catalog, "gpt-4")

    assert text == "one two three"
    assert usage == Usage(count_prompt_tokens(MESSAGES), count_text_tokens(text), reported=False)


# --- errors and retries -------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("model", REAL_MODELS)
async def test_rejected_key_is_an_auth_error_without_retry(
    fake: FakeProviderServer, catalog: Catalog, model: str
) -> None:
    fake.behavior = FakeBehavior(status=401)

    with pytest.raises(ProviderError) as caught:
        await collect(catalog, model)

    assert caught.value.kind == "auth"
    assert fake.request_count == 1
    # The fake echoes the key in its error body, as OpenAI does; it must not reach the user.
    assert OPENAI_KEY not in str(caught.value) and ANTHROPIC_KEY not in str(caught.value)


@pytest.mark.asyncio
@pytest.mark.parametrize("model", REAL_MODELS)
async def test_server_errors_are_retried_until_success(
    fake: FakeProviderServer, catalog: Catalog, model: str
) -> None:
    fake.behavior = FakeBehavior(status=500, fail_times=2, reply_text="finally")

    text, usage, finish = await collect(catalog, model)

    assert (text, finish) == ("finally", "stop")
    assert usage is not None and usage.completion_tokens == 1
    assert fake.request_count == 3


@pytest.mark.asyncio
@pytest.mark.parametrize("model", REAL_MODELS)
async def test_persistent_server_error_gives_up_after_two_retries(
    fake: FakeProviderServer, catalog: Catalog, model: str
) -> None:
    fake.behavior = FakeBehavior(status=500)

    with pytest.raises(ProviderError) as caught:
        await collect(catalog, model)

    assert caught.value.kind == "unavailable"
    assert fake.request_count == 3


@pytest.mark.asyncio
async def test_rate_limit_waits_for_retry_after(fake: FakeProviderServer, catalog: Catalog) -> None:
    # Longer than the built-in backoff (0.25 s), so only honouring the header explains the wait.
    fake.behavior = FakeBehavior(status=429, retry_after=0.6, fail_times=1)

    started = time.monotonic()
    text, _, _ = await collect(catalog, "gpt-4")

    assert text == FakeBehavior().reply_text
    assert time.monotonic() - started >= 0.6
    assert fake.request_count == 2


@pytest.mark.asyncio
@pytest.mark.parametrize("model", REAL_MODELS)
async def test_long_retry_after_is_reported_not_waited_for(
    fake: FakeProviderServer, catalog: Catalog, model: str
) -> None:
    fake.behavior = FakeBehavior(status=429, retry_after=60)

    with pytest.raises(ProviderError) as caught:
        await collect(catalog, model)

    assert caught.value.kind == "rate_limit"
    assert caught.value.retry_after == 60
    assert fake.request_count == 1


@pytest.mark.asyncio
async def test_bad_request_is_not_retried(fake: FakeProviderServer, catalog: Catalog) -> None:
    fake.behavior = FakeBehavior(status=400)

    with pytest.raises(ProviderError) as caught:
        await collect(catalog, "gpt-4")

    assert caught.value.kind == "bad_request"
    assert fake.request_count == 1


@pytest.mark.asyncio
async def test_unreachable_provider_is_unavailable(fake: FakeProviderServer) -> None:
    # A port that was free a moment ago: nothing listens there.
    with FakeProviderServer() as gone:
        dead_url = gone.openai_base_url
    catalog = load_catalog(env={"OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": dead_url})

    with pytest.raises(ProviderError) as caught:
        await collect(catalog, "gpt-4")

    assert caught.value.kind == "unavailable"


@pytest.mark.asyncio
@pytest.mark.parametrize("model", REAL_MODELS)
async def test_cut_mid_stream_raises_cut_with_usage_of_what_was_streamed(
    fake: FakeProviderServer, catalog: Catalog, model: str
) -> None:
    fake.behavior = FakeBehavior(reply_tokens=10, cut_after_tokens=3)
    spec = catalog.get(model)
    assert spec is not None
    stream = await open_stream(spec, MESSAGES, 100, catalog=catalog)
    received: list[str] = []

    with pytest.raises(ProviderError) as caught:
        async for delta in stream:
            received.append(delta)

    assert caught.value.kind == "cut"
    assert "".join(received) == "tok0 tok1 tok2"
    assert stream.finish_reason == "error"
    assert stream.usage is not None
    kind = catalog.provider_for(model).kind
    assert stream.usage.completion_tokens == count_text_tokens("tok0 tok1 tok2", kind)
    assert not stream.usage.reported
    assert fake.request_count == 1  # text was shown: never retried


@pytest.mark.asyncio
async def test_cut_before_any_text_is_retried(fake: FakeProviderServer, catalog: Catalog) -> None:
    fake.behavior = FakeBehavior(cut_after_tokens=0)

    with pytest.raises(ProviderError) as caught:
        await collect(catalog, "gpt-4")

    assert caught.value.kind == "unavailable"
    assert fake.request_count == 3


@pytest.mark.asyncio
@pytest.mark.parametrize(("model", "reported_prompt"), [("gpt-4", False), ("claude-3", True)])
async def test_aclose_mid_stream_charges_partial_text_and_drops_the_connection(
    fake: FakeProviderServer, catalog: Catalog, model: str, reported_prompt: bool
) -> None:
    fake.behavior = FakeBehavior(reply_tokens=200, tokens_per_second=50, prompt_tokens=77)
    spec = catalog.get(model)
    assert spec is not None
    stream = await open_stream(spec, MESSAGES, 500, catalog=catalog)
    received = [await anext(stream) for _ in range(3)]

    await stream.aclose()

    assert "".join(received) == "tok0 tok1 tok2"
    assert stream.finish_reason == "cancelled"
    # Anthropic reports the prompt in message_start, before any text; OpenAI only at the end.
    prompt = 77 if reported_prompt else count_prompt_tokens(MESSAGES)
    kind = catalog.provider_for(model).kind  # Claude's text is counted with the margin
    assert stream.usage == Usage(prompt, count_text_tokens("tok0 tok1 tok2", kind), reported=False)
    assert [delta async for delta in stream] == []
    assert await wait_for(lambda: fake.disconnects == 1)


@pytest.mark.asyncio
@pytest.mark.parametrize("model", [*REAL_MODELS, "demo"])
async def test_aclose_from_another_task_ends_the_reader_cleanly(
    fake: FakeProviderServer, catalog: Catalog, model: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stop button: one task streams, another one closes.
    monkeypatch.setenv("METOGPT_DEMO_DELAY", "0.01")
    fake.behavior = FakeBehavior(reply_tokens=200, tokens_per_second=50)
    spec = catalog.get(model)
    assert spec is not None
    stream = await open_stream(spec, MESSAGES, 500, catalog=catalog)
    received: list[str] = []

    async def read() -> None:
        async for delta in stream:
            received.append(delta)

    reader = asyncio.create_task(read())
    await wait_for(lambda: len(received) >= 2)
    await stream.aclose()
    await asyncio.wait_for(reader, timeout=2)  # ends without an exception

    assert stream.finish_reason == "cancelled"
    assert stream.usage is not None
    kind = catalog.provider_for(model).kind
    assert stream.usage.completion_tokens == count_text_tokens("".join(received), kind)


@pytest.mark.asyncio
async def test_cancelling_the_reader_closes_the_stream_and_leaves_usage(
    fake: FakeProviderServer, catalog: Catalog
) -> None:
    fake.behavior = FakeBehavior(reply_tokens=200, tokens_per_second=50)
    spec = catalog.get("gpt-4")
    assert spec is not None
    stream = await open_stream(spec, MESSAGES, 500, catalog=catalog)
    received: list[str] = []

    async def read() -> None:
        async for delta in stream:
            received.append(delta)

    reader = asyncio.create_task(read())
    await wait_for(lambda: len(received) >= 2)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader

    assert stream.finish_reason == "cancelled"
    assert stream.usage is not None
    assert stream.usage.completion_tokens == count_text_tokens("".join(received))
    assert await wait_for(lambda: fake.disconnects == 1)


# --- demo provider ------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.usefixtures("no_demo_delay")
async def test_demo_provider_streams_markdown_with_local_usage() -> None:
    catalog = load_catalog(env={})

    text, usage, finish = await collect(catalog, "gpt-4", max_tokens=2000)

    assert "demo provider" in text
    assert "capital of France" in text
    assert "```python" in text
    assert finish == "stop"
    assert usage == Usage(count_prompt_tokens(MESSAGES), count_text_tokens(text), reported=False)


@pytest.mark.asyncio
@pytest.mark.usefixtures("no_demo_delay")
async def test_demo_provider_honours_max_tokens() -> None:
    catalog = load_catalog(env={})
    full, _, _ = await collect(catalog, "demo", max_tokens=2000)

    text, usage, finish = await collect(catalog, "demo", max_tokens=10)

    assert finish == "length"
    assert text and full.startswith(text) and text != full
    assert usage is not None and 0 < usage.completion_tokens <= 10


@pytest.mark.asyncio
async def test_demo_provider_stops_on_aclose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METOGPT_DEMO_DELAY", "0.001")
    catalog = load_catalog(env={})
    spec = catalog.get("demo")
    assert spec is not None
    stream = await open_stream(spec, MESSAGES, 2000, catalog=catalog)
    first = await anext(stream)

    await stream.aclose()

    assert stream.finish_reason == "cancelled"
    assert stream.usage == Usage(count_prompt_tokens(MESSAGES), count_text_tokens(first), False)


# --- the fake server itself (other suites rely on it) -------------------------------------


@pytest.mark.asyncio
async def test_fake_server_answers_without_streaming_too(fake: FakeProviderServer) -> None:
    fake.behavior = FakeBehavior(reply_text="plain answer", prompt_tokens=9)
    async with openai.AsyncOpenAI(api_key="k", base_url=fake.openai_base_url) as oai:
        completion = await oai.chat.completions.create(
            model="gpt-4", messages=[{"role": "user", "content": "hi"}]
        )
        models = await oai.models.list()
    async with anthropic.AsyncAnthropic(api_key="k", base_url=fake.anthropic_base_url) as ant:
        message = await ant.messages.create(
            model="claude-3", max_tokens=50, messages=[{"role": "user", "content": "hi"}]
        )

    assert completion.choices[0].message.content == "plain answer"
    assert completion.usage is not None and completion.usage.prompt_tokens == 9
    assert "gpt-4" in [model.id for model in models.data]
    assert message.content[0].type == "text" and message.content[0].text == "plain answer"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (9, 2)


def test_fake_server_is_scriptable_over_http(fake: FakeProviderServer) -> None:
    with httpx.Client(base_url=fake.base_url) as admin:
        assert admin.post("/_fake/behavior", json={"status": 503}).status_code == 200
        assert admin.post("/_fake/behavior", json={"bogus": 1}).status_code == 400
        answer = admin.post(
            "/v1/chat/completions",
            json={"model": "m", "messages": []},
            headers={"Authorization": "Bearer k"},
        )
        log = admin.get("/_fake/requests").json()
        admin.post("/_fake/reset")
        after_reset = admin.get("/_fake/requests").json()

    assert answer.status_code == 503
    assert answer.json()["error"]["type"] == "server_error"
    assert log["count"] == 1 and log["requests"][0]["body"]["model"] == "m"
    assert after_reset["count"] == 0
    assert fake.behavior == FakeBehavior()


# --- catalog ------------------------------------------------------------------------------


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


# --- tokens -------------------------------------------------------------------------------


def test_the_packaged_cl100k_file_is_the_one_tiktoken_expects() -> None:
    # tiktoken's own definition of cl100k_base (which would download the file) carries the
    # file's SHA-256 and the split pattern as constants: ours must be the same.
    tiktokens_own = openai_public.cl100k_base.__code__.co_consts
    assert hashlib.sha256(tokens.cl100k_file()).hexdigest() == tokens.CL100K_SHA256
    assert tokens.CL100K_SHA256 in tiktokens_own
    assert tokens.CL100K_SHA256.startswith("223921b7") and tokens.CL100K_SHA256.endswith("b2a7")
    assert tokens.encoding()._pat_str in tiktokens_own


def test_the_tokenizer_is_loaded_at_start() -> None:
    tokens.encoding.cache_clear()
    asyncio.run(setup.load_tokenizer())  # a lifespan task of the app
    assert tokens.encoding.cache_info().currsize == 1


def test_counting_needs_no_network(tmp_path: Path) -> None:
    # A fresh process with every socket refused and an empty tiktoken cache still counts.
    script = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('no network in this test')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from metogpt.services.llm.tokens import count_text_tokens\n"
        "print(count_text_tokens('hello world'))\n"
    )
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "2"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("", []),
        ("hello world", [15339, 1917]),  # tiktoken's README example
        ("tiktoken is great!", [83, 1609, 5963, 374, 2294, 0]),
        ("Привет", [54745, 28089, 8341]),
        ("<|endoftext|>", [27, 91, 8862, 728, 428, 91, 29]),  # text, not the special token
    ],
)
def test_counts_are_cl100k_base(text: str, ids: list[int]) -> None:
    assert tokens.encoding().encode_ordinary(text) == ids
    assert count_text_tokens(text) == len(ids)


@pytest.mark.parametrize("filler", ["\u00a0", "\u3000", "\x1c", " "])
def test_invisible_padding_is_counted(filler: str) -> None:
    # Issue 12: "hi" + 99,998 of these was estimated at about one token.
    text = "hi" + filler * 99_998
    assert count_text_tokens(text) >= 700
    assert count_text_tokens(text) == len(tokens.encoding().encode_ordinary(text))


@pytest.mark.parametrize("kind", ["anthropic", "openai_compatible"])
def test_other_tokenizers_get_the_safety_margin(kind: ProviderKind) -> None:
    text = "The quick brown fox jumps over the lazy dog. " * 7
    exact = count_text_tokens(text)
    assert count_text_tokens(text, "openai") == count_text_tokens(text, "demo") == exact
    assert count_text_tokens(text, kind) == math.ceil(exact * 1.2) > exact
    assert count_prompt_tokens(MESSAGES, kind) == math.ceil(count_prompt_tokens(MESSAGES) * 1.2)


def test_count_prompt_tokens_adds_message_and_reply_overhead() -> None:
    content = sum(count_text_tokens(m.content) for m in MESSAGES)

    assert count_prompt_tokens(MESSAGES) == content + 4 * len(MESSAGES) + 3
    assert count_prompt_tokens([]) == 3


@given(st.text())
def test_count_is_zero_exactly_for_empty_text(text: str) -> None:
    assert (count_text_tokens(text) == 0) == (text == "")
