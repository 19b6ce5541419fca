"""OpenAI and OpenAI-compatible endpoints (Ollama, vLLM, LM Studio, ...): Chat Completions
spoken over gateway/wire.py, the small HTTP/1.1 client the /v1 gateway uses.

The openai SDK over httpx cost ~7 ms of CPU to open an answer (a client, its connection
pool and TLS set-up each time) and ~80 µs per streamed chunk (httpx, httpcore, h11 and
anyio's layers per read): with hundreds of answers streaming at once, most of a token's
cost. Here a request is one write on a kept-alive connection, and the event stream is
split into lines on one buffer; the chunks of a read go on as one event.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import orjson

from metogpt.services.gateway import wire
from metogpt.services.llm.errors import StatusError
from metogpt.services.llm.stream import finish_reason, tls
from metogpt.services.llm.types import IMAGE_DETAIL, ChatMessage, Event, Request, Upstream

DEFAULT_BASE_URL = "https://api.openai.com/v1"
MAX_ERROR_BODY = 1_000_000


async def connect(request: Request) -> Upstream:
    """Send the request; raises StatusError (a refusal), WireError (unreachable, timeout)."""
    body: dict[str, Any] = {
        "model": request.model.upstream_id,
        "messages": [{"role": m.role, "content": _content(m)} for m in request.messages],
        "max_tokens": request.max_tokens,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.top_p is not None:
        body["top_p"] = request.top_p
    base = (request.provider.base_url or DEFAULT_BASE_URL).rstrip("/")
    headers = [
        ("Authorization", f"Bearer {request.api_key}"),
        ("Content-Type", "application/json"),
        ("Accept", "text/event-stream"),
    ]
    response = await wire.post(
        f"{base}/chat/completions", headers, orjson.dumps(body), tls(), request.timeout
    )
    if response.status >= 400:
        try:
            await response.read(limit=MAX_ERROR_BODY)  # the connection can be kept
        except wire.WireError:
            pass
        finally:
            await response.aclose()
        raise StatusError(response.status, response.headers)
    return Upstream(_events(response), response.aclose)


async def _events(response: wire.Response) -> AsyncIterator[Event]:
    """Server-sent events: `data:` lines up to a blank line; `[DONE]` ends (the body is
    read to its end, so the connection goes back to the pool). The chunks that arrived
    together are one Event; a chunk with an `error` is the provider failing mid-stream
    (StatusError 200), after the text that came before it."""
    data: list[bytes] = []
    done = False
    async for lines in response.line_batches():
        if done:
            continue
        text: list[str] = []
        prompt = completion = None
        finish = None
        failed = False
        for line in lines:
            if line[:5] == b"data:":
                data.append(line[5:].lstrip(b" "))
                continue
            if line or not data:
                continue  # event names, comments, keep-alives
            raw, data = b"\n".join(data), []
            if raw.startswith(b"[DONE]"):
                done = True
                break
            chunk = orjson.loads(raw)
            if not isinstance(chunk, dict) or chunk.get("error"):
                failed = True
                break
            usage = chunk.get("usage")
            if usage:
                prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
            choices = chunk.get("choices")
            if choices:  # the final usage chunk has none
                choice = choices[0]
                text.append((choice.get("delta") or {}).get("content") or "")
                finish = finish_reason(choice.get("finish_reason"), length="length") or finish
        if text or prompt is not None or completion is not None:
            yield Event("".join(text), prompt, completion, finish)
        if failed:
            raise StatusError(200, {})


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
