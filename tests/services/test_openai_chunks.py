"""The OpenAI stream read as plain server-sent events (services/llm/openai.py `_events`,
over gateway/wire.py's lines): the event framing providers use, the chunks that arrived
together as one event, and a failure reported inside the stream. The whole path against
the fake provider is in providers/ (test_streaming.py, test_failures.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from metogpt.services.llm.errors import StatusError, to_provider_error
from metogpt.services.llm.openai import _events
from metogpt.services.llm.types import Event


class _Body:
    """What `_events` reads of a wire.Response: its lines, in the reads they came in."""

    def __init__(self, *reads: bytes) -> None:
        self.reads = reads

    async def line_batches(self) -> AsyncIterator[list[bytes]]:
        for read in self.reads:
            lines = read.split(b"\n")
            assert lines.pop() == b"", "each read ends with a line end here"
            yield [line.removesuffix(b"\r") for line in lines]


def _read(*reads: bytes) -> list[Event]:
    async def read() -> list[Event]:
        return [event async for event in _events(_Body(*reads))]  # type: ignore[arg-type]

    return asyncio.run(read())


def test_events_are_framed_as_providers_send_them() -> None:
    events = _read(
        b": keep-alive comment\n\n",
        b'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n',
        b'data:{"choices":[{"delta":{"content":"lo"}}]}\r\n\r\n',  # no space, CR LF
        b"event: message\n",
        b'data: {"choices":\ndata: [{"delta":{"content":"!"}}]}\n\n',  # one event, two lines
        b'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}\n\n',
        b"data: [DONE]\n\n",
        b'data: {"choices":[{"delta":{"content":"after the end"}}]}\n\n',
    )
    assert [e.text for e in events if e.text] == ["Hel", "lo", "!"]
    assert (events[-1].prompt_tokens, events[-1].completion_tokens) == (3, 2)


def test_chunks_that_arrived_together_are_one_event() -> None:
    events = _read(
        b'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n'
        b'data: {"choices":[{"delta":{"content":"lo"},"finish_reason":"length"}]}\n\n'
        b'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}\n\n'
        b"data: [DONE]\n\n"
    )
    assert events == [Event("Hello", 3, 2, "length")]


def test_an_error_inside_the_stream_is_the_providers_failure() -> None:
    body = (
        b'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\n'
        b'data: {"error":{"message":"overloaded","type":"server_error"}}\n\n'
    )
    seen: list[Event] = []

    async def read() -> None:
        async for event in _events(_Body(body)):  # type: ignore[arg-type]
            seen.append(event)

    with pytest.raises(StatusError) as failed:
        asyncio.run(read())
    assert [e.text for e in seen] == ["Hi"]  # the text before the failure is streamed
    assert to_provider_error(failed.value).kind == "unavailable"
