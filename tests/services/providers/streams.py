"""What the provider tests share: the keys and messages they send, and opening, reading and
closing a provider's stream."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from metogpt.services.catalog import Catalog
from metogpt.services.llm import ChatMessage, ChatStream, ProviderError, Usage, open_stream

OPENAI_KEY = "sk-test-openai-secret"
ANTHROPIC_KEY = "sk-ant-test-secret"
MESSAGES = [
    ChatMessage("system", "You are terse."),
    ChatMessage("user", "What is the capital of France?"),
]
REAL_MODELS = ["gpt-4", "claude-3"]


async def opened(
    catalog: Catalog,
    model: str,
    max_tokens: int,
    messages: list[ChatMessage] = MESSAGES,
) -> ChatStream:
    """The stream of `model`'s answer to `messages`, as the chat opens it (with the
    product's provider timeout: a loaded machine may be slow to reach the fake)."""
    spec = catalog.get(model)
    assert spec is not None
    return await open_stream(spec, messages, max_tokens, catalog=catalog)


async def collect(
    catalog: Catalog, model: str, max_tokens: int = 100, messages: list[ChatMessage] = MESSAGES
) -> tuple[str, Usage | None, str | None]:
    """The whole answer read to its end: its text, usage and finish reason."""
    stream = await opened(catalog, model, max_tokens, messages)
    text = "".join([delta async for delta in stream])
    return text, stream.usage, stream.finish_reason


async def refused(catalog: Catalog, model: str) -> ProviderError:
    """The error that reading `model`'s answer ends in (the fake told to fail beforehand)."""
    with pytest.raises(ProviderError) as caught:
        await collect(catalog, model)
    return caught.value


async def reading(stream: ChatStream) -> tuple[list[str], asyncio.Task[None]]:
    """A task reading `stream` into the list, returned once two deltas have come."""
    received: list[str] = []

    async def read() -> None:
        async for delta in stream:
            received.append(delta)

    reader = asyncio.create_task(read())
    await wait_for(lambda: len(received) >= 2)
    return received, reader


async def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Until `condition` holds (False after `timeout`: a loaded machine may take seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.02)
    return False
