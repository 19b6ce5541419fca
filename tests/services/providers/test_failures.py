"""When a provider fails: errors said by kind, retries, Retry-After, streams cut mid-answer,
and streams closed or cancelled by the reader (the stop button), with the usage of what was
streamed."""

from __future__ import annotations

import asyncio
import time

import pytest

from metogpt.services.catalog import Catalog, load_catalog
from metogpt.services.llm import ProviderError, Usage
from metogpt.services.llm.tokens import count_prompt_tokens, count_text_tokens
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.services.providers.streams import (
    ANTHROPIC_KEY,
    MESSAGES,
    OPENAI_KEY,
    REAL_MODELS,
    collect,
    opened,
    reading,
    refused,
    wait_for,
)

# --- errors and retries -------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("model", REAL_MODELS)
async def test_rejected_key_is_an_auth_error_without_retry(
    fake: FakeProviderServer, catalog: Catalog, model: str
) -> None:
    fake.behavior = FakeBehavior(status=401)

    error = await refused(catalog, model)

    assert error.kind == "auth"
    assert fake.request_count == 1
    # The fake echoes the key in its error body, as OpenAI does; it must not reach the user.
    assert OPENAI_KEY not in str(error) and ANTHROPIC_KEY not in str(error)


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

    error = await refused(catalog, model)

    assert error.kind == "unavailable"
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

    error = await refused(catalog, model)

    assert error.kind == "rate_limit"
    assert error.retry_after == 60
    assert fake.request_count == 1


@pytest.mark.asyncio
async def test_bad_request_is_not_retried(fake: FakeProviderServer, catalog: Catalog) -> None:
    fake.behavior = FakeBehavior(status=400)

    error = await refused(catalog, "gpt-4")

    assert error.kind == "bad_request"
    assert fake.request_count == 1


@pytest.mark.asyncio
async def test_unreachable_provider_is_unavailable(fake: FakeProviderServer) -> None:
    # A port that was free a moment ago: nothing listens there.
    with FakeProviderServer() as gone:
        dead_url = gone.openai_base_url
    catalog = load_catalog(env={"OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": dead_url})

    error = await refused(catalog, "gpt-4")

    assert error.kind == "unavailable"


@pytest.mark.asyncio
@pytest.mark.parametrize("model", REAL_MODELS)
async def test_cut_mid_stream_raises_cut_with_usage_of_what_was_streamed(
    fake: FakeProviderServer, catalog: Catalog, model: str
) -> None:
    fake.behavior = FakeBehavior(reply_tokens=10, cut_after_tokens=3)
    stream = await opened(catalog, model, 100)
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

    error = await refused(catalog, "gpt-4")

    assert error.kind == "unavailable"
    assert fake.request_count == 3


@pytest.mark.asyncio
@pytest.mark.parametrize(("model", "reported_prompt"), [("gpt-4", False), ("claude-3", True)])
async def test_aclose_mid_stream_charges_partial_text_and_drops_the_connection(
    fake: FakeProviderServer, catalog: Catalog, model: str, reported_prompt: bool
) -> None:
    fake.behavior = FakeBehavior(reply_tokens=200, tokens_per_second=50, prompt_tokens=77)
    stream = await opened(catalog, model, 500)
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
    stream = await opened(catalog, model, 500)
    received, reader = await reading(stream)
    await stream.aclose()
    await asyncio.wait_for(reader, timeout=30)  # ends without an exception

    assert stream.finish_reason == "cancelled"
    assert stream.usage is not None
    kind = catalog.provider_for(model).kind
    assert stream.usage.completion_tokens == count_text_tokens("".join(received), kind)


@pytest.mark.asyncio
async def test_cancelling_the_reader_closes_the_stream_and_leaves_usage(
    fake: FakeProviderServer, catalog: Catalog
) -> None:
    fake.behavior = FakeBehavior(reply_tokens=200, tokens_per_second=50)
    stream = await opened(catalog, "gpt-4", 500)
    received, reader = await reading(stream)
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader

    assert stream.finish_reason == "cancelled"
    assert stream.usage is not None
    assert stream.usage.completion_tokens == count_text_tokens("".join(received))
    assert await wait_for(lambda: fake.disconnects == 1)
