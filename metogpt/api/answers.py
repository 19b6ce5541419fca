"""/api/answers/{id}/stream: an answer in flight, delta by delta (the chat page's live
answer reads it: components/live.jsx)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse

from metogpt.api.deps import TokenHere
from metogpt.services import live

router = APIRouter(tags=["answers"])


def _line(event: live.Event) -> bytes:
    if isinstance(event, live.End):
        body: dict[str, object] = {"end": event.status}
    else:
        body = {"offset": event.offset, "text": event.text, "next": event.end_offset}
    return json.dumps(body, ensure_ascii=False).encode() + b"\n"


async def _ndjson(events: AsyncIterator[live.Event]) -> AsyncIterator[bytes]:
    async for event in events:
        yield _line(event)


@router.get(
    "/api/answers/{message_id}/stream",
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
    message_id: Annotated[str, Path(max_length=32)],
    token: TokenHere,
    offset: Annotated[int, Query(alias="from", ge=0, le=10**9)] = 0,
) -> StreamingResponse:
    """One of your answers from character `from`: while it is being written, its new
    text as it comes; once it has ended, the rest of its saved text; then its end."""
    events = await live.follow(token, message_id, offset)
    return StreamingResponse(
        _ndjson(events),
        media_type="application/x-ndjson",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
