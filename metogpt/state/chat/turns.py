"""A turn taken whose answer never began does not leave the tab on Stop.

A turn (a send, a regenerate, an edit) shows Stop from the step that takes it until its
answer's id is on the page (`stream_message_id`); from then on the page reads the answer,
and a worker dying under it is told by the answer's stream ("lost": ChatState.answer_lost).
Before that there is no answer to follow: the worker may die while the prompt is being
saved or the answer begun, or the handler may fail. So the tab's state names the turn
(`turn`: a send's prompt is saved under this id) and the worker running it (`_turn_by`,
its hub name: services/live), which beats its heartbeat while the turn runs
(`hub().preparing()`); the page (components/send_watch.py's TurnWatch) asks every
TURN_WAIT_MS that its turn shows no answer whether that worker still lives (`check`), and
asks again once the turn has gone without one. If the worker is dead, or the handler
failed (`running`), the turn ends (`lost`): Stop goes, the prompt is kept once (in the
conversation if it was saved, else in the composer), and the user is told; a reservation
it left is settled by the crash recovery.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any, Protocol

import reflex as rx

from metogpt import i18n, routes
from metogpt.models import User, new_id
from metogpt.services import conversations, live
from metogpt.services.db import in_read

log = logging.getLogger(__name__)

ID_LENGTH = 32  # models.new_id's


class Tab(Protocol):
    """What of ChatState this needs (ChatState imports this module)."""

    streaming: bool
    stream_message_id: str
    current_id: str
    draft: str
    error: str
    lang: str
    _turn_by: str
    turn: str
    _stop_requested: bool
    _live_id: str

    async def _user(self) -> User | None: ...
    async def _screen(
        self, user: User, conversation_id: str | None = None
    ) -> conversations.Screen: ...
    def _show(self, view: conversations.Screen, conversation_id: str, *, opening: bool) -> None: ...
    async def __aenter__(self) -> Any: ...
    async def __aexit__(self, *exc: object) -> Any: ...


def begin(chat: Tab) -> None:
    """Inside the step that takes a turn (`async with self`): the composer shows Stop. This
    worker runs the turn; a send saves its prompt under the id chosen here (`lost`)."""
    chat.streaming, chat.error, chat._stop_requested = True, "", False
    chat.stream_message_id, chat._live_id = "", ""
    chat._turn_by, chat.turn = live.hub().writer, new_id()


def end(chat: Tab) -> None:
    """The turn is over: the composer shows Send."""
    chat.streaming, chat.stream_message_id, chat._live_id = False, "", ""


async def check(chat: Tab, turn: str) -> rx.event.EventSpec | None:
    """The page asks about its turn `turn`: while it shows no answer yet (given up if its
    worker is dead), or once it has gone without one from a tab state that does not know
    it (the page came back from a dead worker as a new tab, with a fresh state: Reflex's
    token manager keeps the dead socket's record)."""
    if chat.streaming and not chat.stream_message_id and turn == chat.turn:
        if await live.hub().alive(chat._turn_by):
            return None  # still on its way (a slow database, a queue behind the tab's lock)
        return await lost(chat)
    if turn and not chat.streaming and turn != chat.turn:
        chat.turn = turn[:ID_LENGTH]  # a prompt of this user's, if saved (`lost` checks)
        return await lost(chat)
    return None


@contextlib.asynccontextmanager
async def running(chat: Tab) -> AsyncIterator[None]:
    """Around a turn's handler after the step that took it: the worker's heartbeat goes on,
    and a failure of the handler ends the turn as a dead worker's does."""
    try:
        async with live.hub().preparing():
            yield
    except Exception:
        log.exception("a chat turn failed")
        async with chat:
            if chat.streaming and not chat.stream_message_id:
                await lost(chat)
        raise


async def lost(chat: Tab) -> rx.event.EventSpec | None:
    """Inside the tab's lock: the turn ends without its answer. A send's prompt saved
    before the worker died shows in its conversation (the composer is cleared; a new
    chat goes to its address), one never saved stays in the composer. A handler that
    lives after all stops its answer as soon as it begins (answer_flow.begun)."""
    prompt = chat.turn
    end(chat)
    chat._stop_requested = True
    chat.error = i18n.tr("chat.error.turn_lost", chat.lang)
    user = await chat._user()
    if user is None:
        return None
    saved = await in_read(conversations.sent_prompt, user, prompt) if prompt else None
    opening = saved is not None and not chat.current_id
    if saved is not None:  # the message is in the conversation, its answer recovered later
        chat.draft = ""
        chat.error = i18n.tr("chat.error.turn_lost_saved", chat.lang)
    shown = saved or chat.current_id
    chat._show(await chat._screen(user, shown), shown, opening=opening)
    return rx.redirect(routes.conversation(shown)) if opening else None
