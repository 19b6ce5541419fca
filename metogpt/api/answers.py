"""/api/answers/{id}/stream: an answer in flight, delta by delta (the chat page's live
answer reads it: components/live.jsx).

Every open answer has a reader on this route, each taking a line every 40 ms, so it is
served as plain ASGI (`claimed`, then `serve`) before the REST app's middleware stack (as
/v1 is: api/__init__.py): a line costs one `send`, not a trip through FastAPI's and
Starlette's layers and StreamingResponse's task group. The FastAPI route below documents it
in the OpenAPI document and answers what `claimed` leaves to it (a malformed `from`: the
usual 422)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from metogpt.api.deps import Token
from metogpt.services import live
from metogpt.services.errors import ServiceError

router = APIRouter(tags=["answers"])

MAX_OFFSET = 10**9
_PATH = re.compile(r"/api/answers/([^/]{1,32})/stream")
_HEADERS = [
    (b"content-type", b"application/x-ndjson"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),
]


def _line(event: live.Event) -> bytes:
    if isinstance(event, live.End):
        return orjson.dumps({"end": event.status}) + b"\n"
    body = {"offset": event.offset, "text": event.text, "next": event.end_offset}
    return orjson.dumps(body) + b"\n"


def claimed(scope: Scope) -> tuple[str | None, str, int] | None:
    """(token, message id, offset) of a GET of an answer's stream that `serve` answers;
    None for anything else (the REST app's)."""
    if scope["method"] != "GET":
        return None
    match = _PATH.fullmatch(scope["path"])
    offset = _offset(scope["query_string"]) if match else None
    if match is None or offset is None:
        return None
    return _token(scope), match[1], offset


def _offset(query: bytes) -> int | None:
    """`from` (0 when absent); None when it is not a whole number in range."""
    found = 0
    for part in query.split(b"&") if query else ():
        name, _, value = part.partition(b"=")
        if name == b"from":
            if not value.isdigit() or len(value) > 10 or int(value) > MAX_OFFSET:
                return None
            found = int(value)
        elif name:
            return None  # anything else: FastAPI's route says what it makes of it
    return found


def _token(scope: Scope) -> str | None:
    """The bearer token, as FastAPI's HTTPBearer reads it (None: no usable one)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() or None if scheme.lower() == "bearer" else None
    return None


async def serve(
    receive: Receive, send: Send, token: str | None, message_id: str, offset: int
) -> None:
    try:
        events = await live.follow(token, message_id, offset)
    except ServiceError as exc:  # the documented refusals, in the REST API's error shape
        body = orjson.dumps({"error": exc.code, "message": exc.message})
        head = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": exc.status, "headers": head})
        await send({"type": "http.response.body", "body": body})
        return
    me = asyncio.current_task()
    assert me is not None
    gone = False

    async def watch() -> None:
        """The reader went away: stop following the answer for it."""
        nonlocal gone
        while (await receive())["type"] != "http.disconnect":
            pass
        gone = True
        me.cancel()

    watcher = asyncio.ensure_future(watch())
    try:
        await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
        async for event in events:
            await send({"type": "http.response.body", "body": _line(event), "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    except asyncio.CancelledError:
        if not gone:
            raise
        me.uncancel()
    finally:
        watcher.cancel()
        await events.aclose()


async def _ndjson(events: AsyncIterator[live.Event]) -> AsyncIterator[bytes]:
    async for event in events:
        yield _line(event)


@router.get(
    "/api/answers/{messageId}/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"application/x-ndjson": {}},
            "description": "one JSON object a line: a delta "
            '`{"offset": 0, "text": "…", "next": 12}` (offsets count Unicode code points), '
            '…, then the end `{"end": "done"}` (a message status, or "lost" when the '
            "worker writing it died)",
        }
    },
)
async def stream_answer(
    messageId: Annotated[str, Path(max_length=32)],
    token: Token,
    offset: Annotated[int, Query(alias="from", ge=0, le=MAX_OFFSET)] = 0,
) -> StreamingResponse:
    """One of your answers from character `from`: while it is being written, its new
    text as it comes; once it has ended, the rest of its saved text; then its end."""
    events = await live.follow(token, messageId, offset)
    return StreamingResponse(
        _ndjson(events),
        media_type="application/x-ndjson",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
