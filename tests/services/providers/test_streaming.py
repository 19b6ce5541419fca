"""Streaming through the real SDKs: text, usage (reported or counted), the request each
provider is sent, max_tokens; the demo provider; the fake server that other suites rely on."""

from __future__ import annotations

import anthropic
import httpx
import openai
import pytest

from metogpt.services.catalog import Catalog, load_catalog
from metogpt.services.llm import Usage
from metogpt.services.llm.tokens import count_prompt_tokens, count_text_tokens
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.services.providers.streams import (
    ANTHROPIC_KEY,
    MESSAGES,
    OPENAI_KEY,
    REAL_MODELS,
    collect,
    opened,
)


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
    stream = await opened(catalog, "demo", 2000)
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
