"""Anthropic's Messages API via the anthropic SDK."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator
from typing import Any, cast

import anthropic
from anthropic.types import MessageParam

from metogpt.services.llm.stream import finish_reason, sdk_upstream, tls
from metogpt.services.llm.types import ChatMessage, Event, Request, Upstream


async def connect(request: Request) -> Upstream:
    return await sdk_upstream(lambda cleanup: _events(request, cleanup))


async def _events(request: Request, cleanup: contextlib.AsyncExitStack) -> AsyncIterator[Event]:
    client = anthropic.AsyncAnthropic(
        api_key=request.api_key,
        base_url=request.provider.base_url,
        max_retries=0,
        timeout=request.timeout,
        http_client=anthropic.DefaultAsyncHttpxClient(verify=tls()),
    )
    cleanup.push_async_callback(client.close)
    # Anthropic takes the system prompt as a parameter, not as a message.
    system = "\n\n".join(m.content for m in request.messages if m.role == "system")
    stream = await client.messages.create(
        model=request.model.upstream_id,
        messages=cast(
            list[MessageParam],
            [
                {"role": m.role, "content": _content(m)}
                for m in request.messages
                if m.role != "system"
            ],
        ),
        system=system or anthropic.omit,
        max_tokens=request.max_tokens,
        extra_body=_sampling(request) or None,
        stream=True,
    )
    cleanup.push_async_callback(stream.close)

    async def events() -> AsyncIterator[Event]:
        async for event in stream:
            if event.type == "message_start":
                yield Event(prompt_tokens=_input_tokens(event.message.usage))
            elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                yield Event(text=event.delta.text)
            elif event.type == "message_delta":
                yield Event(
                    prompt_tokens=_input_tokens(event.usage),
                    completion_tokens=event.usage.output_tokens,
                    finish_reason=finish_reason(event.delta.stop_reason, length="max_tokens"),
                )

    return events()


def _sampling(request: Request) -> dict[str, float]:
    """The sampling parameters in Anthropic's form: the SDK's typed arguments no longer list
    them, the Messages API still takes them in the body. Its temperature runs 0..1 (OpenAI's
    0..2), so a preset's higher value is capped."""
    body: dict[str, float] = {}
    if request.temperature is not None:
        body["temperature"] = min(request.temperature, 1.0)
    if request.top_p is not None:
        body["top_p"] = request.top_p
    return body


def _input_tokens(usage: Any) -> int | None:
    """All prompt tokens, cached ones included (they are part of what was sent)."""
    if usage.input_tokens is None:
        return None
    cached = (usage.cache_creation_input_tokens or 0) + (usage.cache_read_input_tokens or 0)
    return usage.input_tokens + cached


def _content(message: ChatMessage) -> str | list[dict[str, Any]]:
    """Plain text, or content blocks when files are attached: the images first (as
    Anthropic advises), each file's context block, then the message."""
    if not message.files and not message.images:
        return message.content
    blocks: list[dict[str, Any]] = [
        {
            "type": "image",
            "source": {
                "type": "base64",
                "media_type": image.media_type,
                "data": base64.b64encode(image.data).decode(),
            },
        }
        for image in message.images
    ]
    blocks += [{"type": "text", "text": block} for block in message.files]
    if message.content:
        blocks.append({"type": "text", "text": message.content})
    return blocks
