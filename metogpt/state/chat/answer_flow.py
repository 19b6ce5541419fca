"""A turn's answer from the chat page's side (ChatState's send, regenerate and edit): begun
(credits reserved, the provider asked, the empty answer shown) and waited for, the tab's
state written once at its end. Every database read happens outside the tab's lock; a tab
that changed hands meanwhile stops the answer and shows it nowhere (`Tab._holds`)."""

from __future__ import annotations

from typing import Any, Protocol

from metogpt.models import Message, User
from metogpt.services import answers, live, relay, users
from metogpt.services.db import in_read, in_write
from metogpt.services.errors import ServiceError
from metogpt.state.chat import turns


class Tab(turns.Tab, Protocol):
    """What of ChatState this needs (ChatState imports this module)."""

    editing_id: str
    balance: int

    def _holds(self, user: User | None) -> bool: ...
    async def _fail_turn(
        self, exc: ServiceError, *, user: User | None = None, conversation_id: str | None = None
    ) -> Any: ...


async def answer(chat: Tab, user: User, prompt: Message, model: str) -> None:
    """Begin the answer to `prompt` and wait for it (a regenerate, an edit)."""
    answering = await begin(chat, user, prompt, model)
    if answering is not None:
        await stream(chat, user, answering)


async def begin(chat: Tab, user: User, prompt: Message, model: str) -> relay.Answering | None:
    """Reserve and begin the answer to `prompt` (None if refused, and the tab says why)."""
    try:
        prepared = await in_write(answers.begin_answer, user, prompt.id, model)
    except ServiceError as exc:
        await chat._fail_turn(exc, user=user, conversation_id=prompt.conversation_id)
        return None
    return await begun(chat, user, prepared)


async def begun(
    chat: Tab,
    user: User,
    prepared: answers.PreparedAnswer,
    *,
    saved_draft: bool = False,
    opening: bool = False,
) -> relay.Answering:
    """Ask the provider, and show the empty answer while the request is on its way;
    `opening`: the prompt has just created its conversation."""
    answering = relay.start_answer(prepared)
    view = await chat._screen(user, prepared.conversation_id)
    answer_id = prepared.assistant_message_id
    async with chat:
        stop = not chat._holds(user) or chat._stop_requested
        if chat._holds(user):
            if saved_draft:
                chat.draft = ""  # saved in the conversation now
            chat.editing_id = ""
            chat._show(view, prepared.conversation_id, opening=opening)
            chat.stream_message_id = chat._live_id = answer_id
    if stop:  # pressed while the answer was being prepared, or the tab changed hands
        await live.hub().request_stop(answer_id)
    return answering


async def stream(chat: Tab, user: User, answering: relay.Answering) -> None:
    """Wait for the answer (its text goes to the page through the hub, not the tab's
    state) and its settlement; then the tab's state is written once: the stored answer,
    the balance."""
    prepared = answering.prepared
    await answering.task
    view = await chat._screen(user, prepared.conversation_id)
    fresh = await in_read(users.get, user.id)
    async with chat:
        if not chat._holds(user):
            return
        if chat._live_id == prepared.assistant_message_id:
            turns.end(chat)
        # A provider's failure shows on the answer itself (components/messages.py).
        chat._show(view, prepared.conversation_id, opening=False)
        chat.balance = fresh.balance
