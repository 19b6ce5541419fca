"""Answers in flight, delta by delta: from the relay that writes them to the readers that
show them (the chat page's live answer reads `follow` through GET
/api/answers/{id}/stream). Only the new text travels, never the answer so far, so a
streamed token costs the same at the start of an answer as after 20,000 of them.

The hub is in memory for one process, or in Redis (REFLEX_REDIS_URL) so that every worker
reads every answer (core.py, streams.py). The Reflex state of a tab is written when an
answer starts and once when it ends, never per token.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator

from sqlmodel import Session

from metogpt.models import MessageStatus, User
from metogpt.services.answers import answer_shown
from metogpt.services.auth import authenticate
from metogpt.services.db import in_read
from metogpt.services.live.core import Delta, End, Event, Hub, MemoryHub
from metogpt.services.live.streams import RedisHub
from metogpt.settings import settings

__all__ = ["Delta", "End", "Event", "Hub", "configure", "follow", "hub"]

LOST = "lost"  # the End of an answer whose worker died: the recovery will settle it
# A streaming answer that no hub has a writer for this long is lost (its worker died); a
# shorter absence is an answer whose relay has not opened it yet.
LOST_AFTER_SECONDS = 8.0
LOOK_AGAIN_SECONDS = 0.5

_hub: Hub | None = None
_url: str | None = settings.redis_url


def configure(redis_url: str | None) -> None:
    """Use this Redis (None: memory) from now on (tests, the bench)."""
    global _hub, _url
    _hub, _url = None, redis_url


def hub() -> Hub:
    global _hub
    if _hub is None:
        _hub = RedisHub(_url) if _url else MemoryHub()
    return _hub


async def follow(
    token: str | None, message_id: str, offset: int = 0
) -> AsyncGenerator[Event, None]:
    """The answer of the user `token` names, from `offset`: while it streams, its deltas
    as they come; once ended, the rest of its saved text; then its End. Raises (here,
    before any event) Unauthorized for a token that does not authenticate, NotFound for a
    message that is not one of the user's answers: one database read for both, off the
    event loop."""
    user, status, text = await in_read(_open, token, message_id)
    return _events(user, message_id, offset, status, text)


def _open(session: Session, token: str | None, message_id: str) -> tuple[User, MessageStatus, str]:
    user, _ = authenticate(session, token)
    return user, *answer_shown(session, user, message_id)


async def _events(
    user: User, message_id: str, offset: int, status: MessageStatus, text: str
) -> AsyncGenerator[Event, None]:
    missing_since: float | None = None

    async def ended() -> bool:
        shown = await in_read(answer_shown, user, message_id)
        return shown[0] != MessageStatus.STREAMING

    while status == MessageStatus.STREAMING:
        async for event in hub().follow(message_id, offset, ended):
            if isinstance(event, End):
                yield event  # the hub had all of its text
                return
            offset, missing_since = event.end_offset, None
            yield event
        # No hub has a writer for it (not started yet, or its worker died), or it ended
        # without the hub saying so.
        now = time.monotonic()
        missing_since = now if missing_since is None else missing_since
        if now - missing_since >= LOST_AFTER_SECONDS:
            yield End(LOST)
            return
        await asyncio.sleep(LOOK_AGAIN_SECONDS)
        status, text = await in_read(answer_shown, user, message_id)
    if text[offset:]:
        yield Delta(offset, text[offset:])
    yield End(status.value)
