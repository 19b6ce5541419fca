"""The OpenAI stream read as plain server-sent events (services/llm/openai.py `_chunks`,
which skips the SDK's typed chunks): the event framing providers use, and a failure
reported inside the stream. The whole path, through the SDK against the fake provider, is
in providers/ (test_streaming.py, test_failures.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
import openai
import pytest

from metogpt.services.llm.openai import _chunks


def _read(body: bytes) -> list[dict[str, Any]]:
    response = httpx2.Response(
        200, content=body, request=httpx2.Request("POST", "http://provider/v1/chat/completions")
    )

    async def read() -> list[dict[str, Any]]:
        return [chunk async for chunk in _chunks(response)]

    return asyncio.run(read())


def test_events_are_framed_as_providers_send_them() -> None:
    body = (
        b": keep-alive comment\n\n"
        b'data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n'
        b'data:{"choices":[{"delta":{"content":"lo"}}]}\r\n\r\n'  # no space, CR LF
        b"event: message\n"
        b'data: {"choices":\ndata: [{"delta":{"content":"!"}}]}\n\n'  # one event, two lines
        b'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}\n\n'
        b"data: [DONE]\n\n"
        b'data: {"choices":[{"delta":{"content":"after the end"}}]}\n\n'
    )
    chunks = _read(body)
    texts = [c["choices"][0]["delta"]["content"] for c in chunks if c["choices"]]
    assert texts == ["Hel", "lo", "!"]
    assert chunks[-1]["usage"] == {"prompt_tokens": 3, "completion_tokens": 2}


def test_an_error_inside_the_stream_is_the_providers_failure() -> None:
    body = (
        b'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\n'
        b'data: {"error":{"message":"overloaded","type":"server_error"}}\n\n'
    )
    with pytest.raises(openai.APIError) as failed:
        _read(body)
    assert failed.value.body == {"message": "overloaded", "type": "server_error"}
