"""OpenAI and OpenAI-compatible endpoints (Ollama, vLLM, LM Studio, ...) via the openai SDK."""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any, cast

import openai
from openai.types.chat import ChatCompletionMessageParam

from metogpt.services.llm.stream import finish_reason, sdk_upstream, tls
from metogpt.services.llm.types import IMAGE_DETAIL, ChatMessage, Event, Request, Upstream


async def connect(request: Request) -> Upstream:
    return await sdk_upstream(lambda cleanup: _events(request, cleanup))


async def _events(request: Request, cleanup: contextlib.AsyncExitStack) -> AsyncIterator[Event]:
    # max_retries=0: retrying is ours to decide, because only we know whether text was shown.
    client = openai.AsyncOpenAI(
        api_key=request.api_key,
        base_url=request.provider.base_url,
        max_retries=0,
        timeout=request.timeout,
        http_client=openai.DefaultAsyncHttpxClient(verify=tls()),
    )
    cleanup.push_async_callback(client.close)
    stream = await client.chat.completions.create(
        model=request.model.upstream_id,
        messages=cast(
            list[ChatCompletionMessageParam],
            [{"role": m.role, "content": _content(m)} for m in request.messages],
        ),
        max_tokens=request.max_tokens,
        temperature=openai.omit if request.temperature is None else request.temperature,
        top_p=openai.omit if request.top_p is None else request.top_p,
        stream=True,
        stream_options={"include_usage": True},
    )
    cleanup.push_async_callback(stream.close)

    async def events() -> AsyncIterator[Event]:
        async for chunk in _chunks(stream.response):
            usage = chunk.get("usage")
            if usage:
                yield Event(
                    prompt_tokens=usage.get("prompt_tokens"),
                    completion_tokens=usage.get("completion_tokens"),
                )
            choices = chunk.get("choices")
            if choices:  # the final usage chunk has none
                choice = choices[0]
                yield Event(
                    text=(choice.get("delta") or {}).get("content") or "",
                    finish_reason=finish_reason(choice.get("finish_reason"), length="length"),
                )

    return events()


async def _chunks(response: Any) -> AsyncIterator[dict[str, Any]]:
    """The stream's chunks as plain JSON, read from the response the SDK opened (its auth,
    base URL and status checks): the SDK's typed chunks cost about 150 µs of CPU each (a
    pydantic model built field by field), most of a streamed token's cost. Server-sent
    events: `data:` lines up to a blank line; `[DONE]` ends; a chunk with an `error` is the
    provider failing mid-stream, raised as the SDK raises it."""
    data: list[str] = []
    async for line in response.aiter_lines():
        if line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
            continue
        if line or not data:
            continue  # event names, comments, keep-alives
        text, data = "\n".join(data), []
        if text.startswith("[DONE]"):
            return
        chunk = json.loads(text)
        if isinstance(chunk, dict) and chunk.get("error"):
            raise openai.APIError(
                "the provider failed while streaming", response.request, body=chunk["error"]
            )
        yield chunk


def _content(message: ChatMessage) -> str | list[dict[str, Any]]:
    """Plain text, or content parts when files are attached: each file's context block, the
    message, then the images as base64 data URLs."""
    if not message.files and not message.images:
        return message.content
    parts: list[dict[str, Any]] = [{"type": "text", "text": block} for block in message.files]
    if message.content:
        parts.append({"type": "text", "text": message.content})
    for image in message.images:
        url = f"data:{image.media_type};base64,{base64.b64encode(image.data).decode()}"
        parts.append({"type": "image_url", "image_url": {"url": url, "detail": IMAGE_DETAIL}})
    return parts
