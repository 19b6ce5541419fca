"""Conversations as trees of messages, and the life of one billed answer.

An answer goes: `post_user_message` (the prompt is saved first: nothing typed is lost)
→ `begin_answer` (access check, prompt built along the branch, credits reserved, an
empty assistant message created) → the caller streams from the provider, calling
`save_partial` now and then → `finish_answer` (text saved, reservation settled: one
`charge` ledger row for what was used, or nothing if nothing came back).
Edits and regenerations add siblings, so every earlier branch stays switchable.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, exists, or_
from sqlmodel import Session, col, func, select

from metogpt.models import Conversation, Message, Reservation, Role, User, new_id, utcnow
from metogpt.services import holds, providers, roles
from metogpt.services.catalog import ModelSpec, get_catalog
from metogpt.services.db import is_key, write_session
from metogpt.services.errors import Forbidden, InvalidInput, NotFound
from metogpt.services.providers import ChatMessage, ProviderError, Usage
from metogpt.services.tokens import count_prompt_tokens, count_text_tokens

MAX_PROMPT_CHARS = 100_000
MAX_SYSTEM_CHARS = 20_000
MAX_TITLE = 200
PENDING, DONE, STOPPED, CUT, FAILED = "streaming", "done", "stopped", "cut", "error"
FLUSH_SECONDS = 0.06  # how often streamed text is handed to the screen
# ... at most: a busy server hands text over less often. A flush waits for the tab's state
# (with several workers a round trip through Redis, behind the other events of the tab);
# the next flush comes no sooner than FLUSH_BACKOFF times that wait, so a hundred streams
# cannot keep a worker busy with nothing but flushes. Never slower than MAX_FLUSH_SECONDS.
FLUSH_BACKOFF = 3.0
MAX_FLUSH_SECONDS = 1.0
SAVE_SECONDS = 2.0  # how often streamed text is saved for crash recovery
STOP_POLL_SECONDS = 0.25  # while the provider is silent, how often a stop is looked for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreparedAnswer:
    conversation_id: str
    user_message_id: str
    assistant_message_id: str
    reservation_id: str
    model: ModelSpec
    coefficient: str
    messages: list[ChatMessage]
    max_tokens: int


def model_for(session: Session, user: User, model: Any) -> tuple[ModelSpec, str]:
    """The model and this user's coefficient for it, if their role has it enabled."""
    spec = get_catalog().get(model) if isinstance(model, str) else None
    role = session.get(Role, user.role)
    allowed = roles.enabled_models(role) if role else {}
    if spec is None or model not in allowed:
        raise Forbidden(
            f"your role does not include the model {str(model)[:64]!r}", code="model_not_allowed"
        )
    return spec, allowed[model]


def _own(session: Session, user_id: str, conversation_id: Any) -> Conversation:
    conv = session.get(Conversation, conversation_id) if is_key(conversation_id) else None
    if conv is None or conv.user_id != user_id:
        raise NotFound("conversation not found", code="conversation_not_found")
    return conv


def _own_message(session: Session, user_id: str, message_id: Any) -> tuple[Conversation, Message]:
    msg = session.get(Message, message_id) if is_key(message_id) else None
    if msg is None:
        raise NotFound("message not found", code="message_not_found")
    return _own(session, user_id, msg.conversation_id), msg


def _storable(text: str) -> str:
    """PostgreSQL text cannot hold NUL; a provider may still send one."""
    return text.replace("\x00", "\ufffd")


def _prompt_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("write a message first", code="empty_message")
    if "\x00" in text:
        raise InvalidInput("a message cannot contain NUL characters", code="invalid")
    if len(text) > MAX_PROMPT_CHARS:
        raise InvalidInput(
            f"a message can be at most {MAX_PROMPT_CHARS} characters", code="message_too_long"
        )
    return text


def _title_from(text: str) -> str:
    line = " ".join(text.split())
    return line[:60] + ("…" if len(line) > 60 else "")


def post_user_message(
    session: Session,
    user: User,
    conversation_id: str | None,
    text: Any,
    model: Any,
    *,
    system_prompt: str = "",
) -> Message:
    """Save the user's message at the end of the active branch (a new conversation if none)."""
    text = _prompt_text(text)
    model_for(session, user, model)  # refuse early, before anything is stored
    if conversation_id:
        conv = _own(session, user.id, conversation_id)
    else:
        conv = Conversation(
            user_id=user.id,
            title=_title_from(text),
            system_prompt=_storable(system_prompt[:MAX_SYSTEM_CHARS]),
        )
        session.add(conv)
        session.flush()
    return _append(session, conv, conv.active_leaf_id, "user", text, model=model)


def edit_user_message(session: Session, user: User, message_id: Any, text: Any) -> Message:
    """Edit-and-resubmit: a new sibling of the edited message; the old branch stays."""
    text = _prompt_text(text)
    conv, old = _own_message(session, user.id, message_id)
    if old.role != "user":
        raise InvalidInput("only your own messages can be edited", code="not_editable")
    return _append(session, conv, old.parent_id, "user", text, model=old.model)


def _append(
    session: Session, conv: Conversation, parent_id: str | None, role: str, text: str, **fields: Any
) -> Message:
    msg = Message(conversation_id=conv.id, parent_id=parent_id, role=role, content=text, **fields)
    session.add(msg)
    conv.active_leaf_id = msg.id
    conv.updated_at = utcnow()
    if fields.get("model"):
        conv.model = fields["model"]
    session.add(conv)
    session.flush()
    return msg


def _path(session: Session, conversation_id: str, leaf_id: str | None) -> list[Message]:
    """Root → leaf along parent links."""
    by_id = {
        m.id: m
        for m in session.exec(select(Message).where(Message.conversation_id == conversation_id))
    }
    path: list[Message] = []
    node = by_id.get(leaf_id) if leaf_id else None
    while node is not None:
        path.append(node)
        node = by_id.get(node.parent_id) if node.parent_id else None
    return path[::-1]


def _prompt(conv: Conversation, path: list[Message], spec: ModelSpec) -> list[ChatMessage]:
    """System prompt + the branch, oldest turns dropped until it fits the context window
    with room for an answer."""
    turns = [
        ChatMessage(m.role, m.content)  # type: ignore[arg-type]
        for m in path
        if m.content and (m.role == "user" or m.status in (DONE, STOPPED, CUT))
    ]
    system = [ChatMessage("system", conv.system_prompt)] if conv.system_prompt.strip() else []
    budget = spec.context_window - min(spec.max_output, spec.context_window // 4)
    while len(turns) > 1 and count_prompt_tokens(system + turns) > budget:
        turns.pop(0)
    return system + turns


def begin_answer(session: Session, user: User, user_message_id: str, model: Any) -> PreparedAnswer:
    """Reserve credits and open an empty assistant message under `user_message_id`.
    Raises InsufficientBalance (nothing stored, no provider call) when the balance cannot
    pay for the prompt plus one answer token."""
    conv, user_msg = _own_message(session, user.id, user_message_id)
    if user_msg.role != "user":
        raise InvalidInput("an answer follows a user message", code="not_a_prompt")
    spec, coefficient = model_for(session, user, model)
    messages = _prompt(conv, _path(session, conv.id, user_msg.id), spec)
    prompt_tokens = count_prompt_tokens(messages)
    answer_id = new_id()
    hold = holds.reserve(
        session,
        user.id,
        model=spec.name,
        coefficient=coefficient,
        prompt_tokens=prompt_tokens,
        max_output=spec.max_output,
        conversation_id=conv.id,
        message_id=answer_id,
    )
    session.add(
        Message(
            id=answer_id,
            conversation_id=conv.id,
            parent_id=user_msg.id,
            role="assistant",
            model=spec.name,
            status=PENDING,
            coefficient=coefficient,
        )
    )
    conv.active_leaf_id = answer_id
    conv.model = spec.name
    conv.updated_at = utcnow()
    session.add(conv)
    session.flush()
    return PreparedAnswer(
        conv.id,
        user_msg.id,
        answer_id,
        hold.reservation_id,
        spec,
        coefficient,
        messages,
        hold.max_tokens,
    )


def save_partial(session: Session, message_id: str, text: str) -> None:
    """Keep streamed text in the database as it arrives, so a crash loses little and the
    recovery at the next start can charge exactly what was shown."""
    msg = session.get(Message, message_id)
    if msg is not None and msg.status == PENDING:
        msg.content = _storable(text)
        session.add(msg)


def finish_answer(
    session: Session,
    answer: PreparedAnswer,
    text: str,
    usage: Usage | None,
    status: str,
    error: str | None = None,
) -> Message | None:
    """Store the answer and settle its reservation: charge what was used, return the rest.
    No text means no charge (a provider error before any output)."""
    prompt = usage.prompt_tokens if usage else count_prompt_tokens(answer.messages)
    completion = (usage.completion_tokens if usage else 0) or count_text_tokens(text)
    if not text:
        prompt = completion = 0
    entry = holds.settle(session, answer.reservation_id, prompt, completion)
    msg = session.get(Message, answer.assistant_message_id)
    if msg is None:  # the conversation was deleted meanwhile; the books are still right
        return None
    msg.content = _storable(text)
    msg.status = status
    msg.error = error
    msg.prompt_tokens = prompt
    msg.completion_tokens = completion
    msg.charged = -entry.amount if entry else 0
    session.add(msg)
    session.flush()
    return msg


def recover(session: Session, older_than: timedelta) -> int:
    """Settle the answers a crashed worker left open (reservations older than
    `older_than`): each is charged for the text it had saved, which it keeps, marked cut,
    with its charge. Returns how many."""
    settled = holds.recover_stale(session, older_than, lambda r: used_tokens(session, r))
    for res, charge in settled:
        msg = session.get(Message, res.message_id) if res.message_id else None
        if msg is not None:
            msg.charged = -charge.amount if charge else 0
            session.add(msg)
    return len(settled)


def used_tokens(session: Session, reservation: Reservation) -> tuple[int, int]:
    """For crash recovery: what the stored partial answer shows was used."""
    msg = session.get(Message, reservation.message_id) if reservation.message_id else None
    if msg is None:
        return 0, 0
    if not msg.content:
        # The worker died before anything was saved: nothing to charge, but the answer must
        # not stay "streaming" for ever (the page would show no retry for it).
        msg.status, msg.error = FAILED, "unavailable"
        session.add(msg)
        return 0, 0
    msg.status = CUT
    msg.completion_tokens = count_text_tokens(msg.content)
    msg.prompt_tokens = reservation.prompt_tokens
    session.add(msg)
    return reservation.prompt_tokens, msg.completion_tokens


def regenerate_from(session: Session, user: User, assistant_message_id: Any) -> Message:
    """The user message whose answer should be produced again (as a new sibling)."""
    _, msg = _own_message(session, user.id, assistant_message_id)
    if msg.role == "user":
        return msg
    parent = session.get(Message, msg.parent_id) if msg.parent_id else None
    if parent is None:
        raise InvalidInput("nothing to regenerate", code="not_regenerable")
    return parent


def switch_branch(session: Session, user: User, message_id: Any) -> None:
    """Show the branch through `message_id`, down to its most recent leaf."""
    conv, node = _own_message(session, user.id, message_id)
    while True:
        child = session.exec(
            select(Message)
            .where(Message.parent_id == node.id)
            .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        ).first()
        if child is None:
            break
        node = child
    conv.active_leaf_id = node.id
    session.add(conv)


@dataclass(frozen=True)
class MessageView:
    id: str
    role: str
    content: str
    model: str
    status: str
    error: str
    prompt_tokens: int
    completion_tokens: int
    charged: int
    coefficient: str
    sibling_index: int  # 1-based
    sibling_count: int
    prev_sibling: str
    next_sibling: str


def thread(session: Session, user: User, conversation_id: Any) -> list[MessageView]:
    """The messages of the active branch, each with its siblings for the branch switcher."""
    conv = _own(session, user.id, conversation_id)
    all_msgs = session.exec(
        select(Message)
        .where(Message.conversation_id == conv.id)
        .order_by(col(Message.created_at), col(Message.id))
    ).all()
    siblings: dict[str | None, list[str]] = {}
    for m in all_msgs:
        siblings.setdefault(m.parent_id, []).append(m.id)
    views = []
    for m in _path(session, conv.id, conv.active_leaf_id):
        group = siblings.get(m.parent_id, [m.id])
        i = group.index(m.id)
        views.append(
            MessageView(
                id=m.id,
                role=m.role,
                content=m.content,
                model=m.model or "",
                status=m.status,
                error=m.error or "",
                prompt_tokens=m.prompt_tokens or 0,
                completion_tokens=m.completion_tokens or 0,
                charged=m.charged or 0,
                coefficient=m.coefficient or "",
                sibling_index=i + 1,
                sibling_count=len(group),
                prev_sibling=group[i - 1] if i > 0 else "",
                next_sibling=group[i + 1] if i + 1 < len(group) else "",
            )
        )
    return views


@dataclass(frozen=True)
class Screen:
    """What the chat page shows: the conversation list and the open conversation's branch."""

    conversations: list[Conversation]
    current: Conversation | None
    thread: list[MessageView]


def screen(session: Session, user: User, conversation_id: str | None, search: str = "") -> Screen:
    """Everything the page needs in one read; an unknown or foreign conversation is none."""
    current = None
    if conversation_id:
        try:
            current = _own(session, user.id, conversation_id)
        except NotFound:
            current = None
    return Screen(
        conversations(session, user, search),
        current,
        thread(session, user, current.id) if current else [],
    )


def conversations(
    session: Session, user: User, search: str = "", limit: int = 100
) -> list[Conversation]:
    """The user's conversations, newest first; `search` matches titles and message text."""
    query = select(Conversation).where(Conversation.user_id == user.id)
    if needle := _storable(search).strip().lower()[:200]:
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        in_text = exists().where(
            Message.conversation_id == Conversation.id,
            func.lower(Message.content).like(pattern, escape="\\"),
        )
        query = query.where(or_(func.lower(Conversation.title).like(pattern, escape="\\"), in_text))
    return list(
        session.exec(query.order_by(col(Conversation.updated_at).desc()).limit(limit)).all()
    )


def get(session: Session, user: User, conversation_id: Any) -> Conversation:
    return _own(session, user.id, conversation_id)


def rename(session: Session, user: User, conversation_id: Any, title: Any) -> None:
    if not isinstance(title, str) or not title.strip():
        raise InvalidInput("a title cannot be empty", code="empty_title")
    title = _storable(title)
    conv = _own(session, user.id, conversation_id)
    conv.title = " ".join(title.split())[:MAX_TITLE]
    session.add(conv)


def set_system_prompt(session: Session, user: User, conversation_id: Any, prompt: Any) -> None:
    if not isinstance(prompt, str) or len(prompt) > MAX_SYSTEM_CHARS:
        raise InvalidInput(
            f"a system prompt can be at most {MAX_SYSTEM_CHARS} characters", code="system_too_long"
        )
    conv = _own(session, user.id, conversation_id)
    conv.system_prompt = _storable(prompt)
    session.add(conv)


def remove(session: Session, user: User, conversation_id: Any) -> None:
    conv = _own(session, user.id, conversation_id)
    session.exec(delete(Message).where(col(Message.conversation_id) == conv.id))
    session.delete(conv)


@dataclass(frozen=True)
class Outcome:
    text: str
    status: str
    error: str | None  # a provider error kind, or "length" when the answer hit its cap
    charged: int


class _Relay:
    """One answer's text on its way from the provider to the screen (see stream_answer)."""

    def __init__(
        self, p: PreparedAnswer, show: Callable[[str], Awaitable[bool]], flush_seconds: float
    ) -> None:
        self.p, self.show, self.flush_seconds = p, show, flush_seconds
        self.parts: list[str] = []
        self.stream: providers.ChatStream | None = None
        self.stopped = False
        self.shown = -math.inf  # the first text goes out at once: it ends the user's wait

    @property
    def text(self) -> str:
        return "".join(self.parts)

    async def run(self) -> str | None:
        """Relay until the provider ends or a stop; "length" if the answer hit its cap."""
        self.stream = stream = await providers.open_stream(
            self.p.model, self.p.messages, self.p.max_tokens
        )
        saved = time.monotonic()
        interval = self.flush_seconds
        async for delta in stream:
            self.parts.append(delta)
            now = time.monotonic()
            if now - self.shown >= interval:
                if await self.show(self.text):
                    await self.stop()
                    break
                self.shown = time.monotonic()
                took = self.shown - now
                interval = max(self.flush_seconds, min(FLUSH_BACKOFF * took, MAX_FLUSH_SECONDS))
            if now - saved >= SAVE_SECONDS:
                saved = now
                await asyncio.to_thread(
                    _in_tx, save_partial, self.p.assistant_message_id, self.text
                )
        return "length" if not self.stopped and stream.finish_reason == "length" else None

    async def watch(self, relay: asyncio.Future[str | None], poll_seconds: float) -> None:
        """Until `relay` ends: while the provider is silent (connecting, thinking before its
        first token, stalled), ask `show` anyway every `poll_seconds`, so a stop never
        waits for the next token."""
        while not relay.done():
            await asyncio.wait({relay}, timeout=poll_seconds)
            if relay.done() or time.monotonic() - self.shown < poll_seconds:
                continue
            self.shown = time.monotonic()
            if await self.show(self.text):
                if self.stream is None:
                    relay.cancel()  # still in open_stream: nothing was shown or streamed
                await self.stop()

    async def stop(self) -> None:
        self.stopped = True
        if self.stream is not None:  # ends the relay's loop, even from another task
            await self.stream.aclose()


async def stream_answer(
    p: PreparedAnswer,
    show: Callable[[str], Awaitable[bool]],
    *,
    flush_seconds: float = FLUSH_SECONDS,
    poll_seconds: float = STOP_POLL_SECONDS,
) -> Outcome:
    """Run one answer end to end: relay the provider's text to `show` (at most every
    `flush_seconds`, less often while `show` is slow; it returns True to stop), save it as
    it grows, then settle. While the provider sends nothing, `show` is still asked every
    `poll_seconds`. A stop before the first token charges nothing.
    Whatever happens, the reservation is settled exactly once."""
    relay = _Relay(p, show, flush_seconds)
    task = asyncio.ensure_future(relay.run())
    status, error = DONE, None
    try:
        try:
            await relay.watch(task, poll_seconds)
        finally:
            task.cancel()  # no-op once it has ended; otherwise this call is being cancelled
        if not task.cancelled():
            error = task.result()
    except ProviderError as exc:
        status, error = (CUT if relay.parts else FAILED), exc.kind
    except Exception:  # a bug must not leave the reservation open or the screen spinning
        log.exception("answer %s failed", p.assistant_message_id)
        status, error = (CUT if relay.parts else FAILED), "unavailable"
    if relay.stopped:
        status, error = STOPPED, None
    text = relay.text
    usage = relay.stream.usage if relay.stream else None
    msg = await asyncio.to_thread(_in_tx, finish_answer, p, text, usage, status, error)
    return Outcome(text, status, error, msg.charged or 0 if msg else 0)


def _in_tx(fn: Callable[..., Any], *args: Any) -> Any:
    with write_session() as session:
        return fn(session, *args)
