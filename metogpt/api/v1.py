"""/v1: the OpenAI-compatible API for personal keys (services/gateway). Not in the
/api OpenAPI document: its contract is OpenAI's. Errors in OpenAI's shape.

The hot path of the app, so served as plain ASGI before the REST app's middleware stack
(api/__init__.py): a /v1 request skips its middlewares (they serve /api, /assets and /s),
Starlette's error and exception layers, FastAPI's routing (~100 routes tried in turn) and
StreamingResponse's task group (bench/README.md has what each step saved). What runs
before it in production: Reflex's own top app (its error, CORS and context middlewares).
A failure of ours is answered here: a 500 in OpenAI's shape, logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from metogpt.services.errors import ServiceError
from metogpt.services.gateway import relay, tickets
from metogpt.services.gateway.calls import MAX_BODY
from metogpt.services.gateway.errors import GatewayError, from_service
from metogpt.services.gateway.upstream import dumps

PREFIX = "/v1/"
logger = logging.getLogger(__name__)
_JSON = (b"content-type", b"application/json")
_STREAM_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]


async def serve(scope: Scope, receive: Receive, send: Send) -> None:
    try:
        await _route(scope, receive, send)
    except Exception:
        logger.exception("%s %s failed", scope["method"], scope["path"][:104])
        # Refused by the server if the answer had begun: it then cuts the connection.
        with contextlib.suppress(Exception):
            await _error(send, GatewayError(500, "internal error", "server_error"))


async def _route(scope: Scope, receive: Receive, send: Send) -> None:
    path, method = scope["path"], scope["method"]
    if path == "/v1/chat/completions" and method == "POST":
        return await _chat_completions(scope, receive, send)
    if path == "/v1/models" and method == "GET":
        return await _models(scope, send)
    await _error(send, GatewayError(404, f"no such endpoint: {path[:104]}"))


def _secret(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, secret = value.decode("latin-1").partition(" ")
            return secret.strip() if scheme.lower() == "bearer" else None
    return None


async def _json(send: Send, status: int, body: object, headers: list[Any] | None = None) -> None:
    raw = dumps(body)
    head = [_JSON, (b"content-length", str(len(raw)).encode()), *(headers or ())]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": raw})


async def _error(send: Send, exc: GatewayError) -> None:
    headers = [(k.lower().encode(), v.encode()) for k, v in exc.headers().items()]
    await _json(send, exc.status, exc.body(), headers)


async def _models(scope: Scope, send: Send) -> None:
    try:
        names = await asyncio.to_thread(tickets.models, _secret(scope))
    except ServiceError as exc:
        return await _error(send, from_service(exc))
    data = [{"id": m, "object": "model", "created": 0, "owned_by": "metogpt"} for m in names]
    await _json(send, 200, {"object": "list", "data": data})


async def _body(scope: Scope, receive: Receive) -> bytes | None:
    """The request's body (None: the client went away); GatewayError 413 past MAX_BODY.

    Once the bytes a Content-Length announced are in, the body's last message is not
    waited for: granian sends the body, then an empty message that ends it, and each
    `receive()` is a trip to its runtime and back to the loop (milliseconds at 20 streams
    at a time, before the admission). `_stream`'s listener reads that message."""
    length = -1
    for name, value in scope["headers"]:
        if name == b"content-length":
            if not value.isdigit() or int(value) > MAX_BODY:
                raise GatewayError(413, f"request body larger than {MAX_BODY} bytes")
            length = int(value)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise GatewayError(413, f"request body larger than {MAX_BODY} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False) or size == length:
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _chat_completions(scope: Scope, receive: Receive, send: Send) -> None:
    try:
        raw = await _body(scope, receive)
        if raw is None:
            return
        call, ticket, upstream = await relay.open_call(_secret(scope), raw)
        if not call.stream:
            return await _json(send, 200, await relay.complete(call, ticket, upstream))
    except GatewayError as exc:
        return await _error(send, exc)
    await _stream(relay.stream(call, ticket, upstream), receive, send)


async def _stream(chunks: AsyncGenerator[bytes, None], receive: Receive, send: Send) -> None:
    """Send the chunks as they come. A client that goes away cancels the stream at once,
    wherever it waits (what Starlette's StreamingResponse does with a task group): the
    relay then settles what was streamed."""
    task = asyncio.current_task()
    assert task is not None
    streaming, gone = True, False

    def heard(listening: asyncio.Future[Message]) -> None:
        nonlocal gone
        if not streaming or listening.cancelled() or listening.exception() is not None:
            return
        if listening.result()["type"] == "http.disconnect":
            gone = True
            task.cancel()
        else:  # the body's last message, which `_body` did not wait for: listen on
            listen()

    def listen() -> None:
        nonlocal listener
        listener = asyncio.ensure_future(receive())
        listener.add_done_callback(heard)

    listener: asyncio.Future[Message] | None = None
    listen()
    try:
        await send({"type": "http.response.start", "status": 200, "headers": _STREAM_HEADERS})
        more = True
        async for chunk in chunks:
            more = not chunk.endswith(relay.DONE)  # the last piece: the body ends with it
            await send({"type": "http.response.body", "body": chunk, "more_body": more})
        if more:  # a failure's error event was the last piece
            await send({"type": "http.response.body", "body": b""})
    except asyncio.CancelledError:
        if not gone:
            raise
        task.uncancel()
    except OSError:  # ASGI 2.4 servers say so on send: the client went away
        pass
    finally:
        streaming = False  # a disconnect heard from now on cancels nothing
        assert listener is not None
        listener.cancel()
        await chunks.aclose()
