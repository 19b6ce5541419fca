"""The life of one billed answer, from reservation to settlement, and crash recovery.

An answer goes: `conversations.post_user_message` (the prompt is saved first: nothing
typed is lost) → `begin_answer` (access check, prompt built along the branch, credits
reserved, an empty assistant message created) → the relay (relay.py) streams from the
provider to the hub of answers in flight (live/), saving the new text every second with
`append_partials` → `finish_answer` (text saved, reservation settled: one `charge` ledger
row for what was used, or none). `recover` settles what a crashed worker left open.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import Session, col

from metogpt.models import (
    Attachment,
    Conversation,
    Message,
    MessageStatus,
    Reservation,
    User,
    new_id,
    utcnow,
)
from metogpt.services import auth, files, holds
from metogpt.services.catalog import ModelSpec, ProviderKind, get_catalog
from metogpt.services.conversations import (
    branch,
    model_for,
    own_message,
    post_user_message,
    storable,
)
from metogpt.services.errors import ErrorCode, InvalidInput, NotFound, ServiceError
from metogpt.services.files.inspect import IMAGE
from metogpt.services.files.prompt import parts as prompt_parts
from metogpt.services.llm import ChatMessage, Usage
from metogpt.services.llm.tokens import (
    TOKENS_PER_MESSAGE,
    TOKENS_PER_REPLY,
    count_text_tokens,
    with_margin,
)

# Answers that go back to the model as context; failed and unfinished ones do not.
_IN_CONTEXT = (MessageStatus.DONE, MessageStatus.STOPPED, MessageStatus.CUT)


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
    prompt_tokens: int  # the local count of `messages` the reservation was sized on
    provider_kind: ProviderKind  # whose tokenizer local counts estimate
    temperature: float | None = None  # the conversation's sampling (None: provider default)
    top_p: float | None = None


def turn_size(message: ChatMessage) -> int:
    """A message's tokens in a prompt, its framing included (count_prompt_tokens's way)."""
    return count_text_tokens(message.content) + TOKENS_PER_MESSAGE


def prompt_budget(spec: ModelSpec) -> int:
    """The prompt's share of the context window: the rest is kept for the answer."""
    return spec.context_window - min(spec.max_output, spec.context_window // 4)


def fit_prompt(
    system: str,
    sizes: list[int],
    spec: ModelSpec,
    kind: ProviderKind,
    images: list[int] | None = None,
) -> tuple[int, int]:
    """How many of the oldest turns (`sizes`, oldest first) are dropped so that the prompt
    fits the context window with room for an answer, and the prompt's token count then.
    `images`: each turn's image tokens (the provider's formula: no margin added)."""
    images = images or [0] * len(sizes)
    total = TOKENS_PER_REPLY + sum(sizes)
    if system.strip():
        total += turn_size(ChatMessage("system", system))
    pictures = sum(images)
    budget = prompt_budget(spec)
    dropped = 0
    while len(sizes) - dropped > 1 and with_margin(total, kind) + pictures > budget:
        total -= sizes[dropped]
        pictures -= images[dropped]
        dropped += 1
    return dropped, with_margin(total, kind) + pictures


@dataclass(frozen=True)
class Turn:
    """A turn as the model is given it, and what it counts for in the prompt."""

    message: ChatMessage
    size: int  # text tokens (its files' context blocks included), framing included
    image_tokens: int  # its images, by the provider's formula (no margin added)


def turn(
    role: str, content: str, rows: Sequence[Attachment], spec: ModelSpec, kind: ProviderKind
) -> Turn | None:
    """A message with its files: text files and PDFs as context blocks, images for a vision
    model only (a model without vision is refused the prompt's own images up front, and
    earlier turns' are left out for it); None when there is nothing to send."""
    if not content and not rows:
        return None
    blocks, pictures = prompt_parts(rows, kind)
    pictures = pictures if spec.vision else ()
    message = ChatMessage(role, content, blocks, pictures)  # type: ignore[arg-type]
    texts = sum(row.text_tokens for row in rows if row.kind != IMAGE)
    return Turn(message, turn_size(message) + texts, sum(p.tokens for p in pictures))


def branch_turns(
    session: Session, path: list[Message], spec: ModelSpec, kind: ProviderKind
) -> list[Turn]:
    """The turns of a branch that go back to the model, oldest first: the user's, and the
    answers that ended with text (failed and unfinished ones do not)."""
    kept = [m for m in path if m.role == "user" or m.status in _IN_CONTEXT]
    attached = files.of_messages(session, [m.id for m in kept if m.role == "user"])
    turns = (turn(m.role, m.content, attached.get(m.id, []), spec, kind) for m in kept)
    return [t for t in turns if t is not None]


def _prompt(
    session: Session, conv: Conversation, path: list[Message], spec: ModelSpec, kind: ProviderKind
) -> tuple[list[ChatMessage], int]:
    """System prompt + the branch with its attachments, oldest turns dropped until it fits
    the context window with room for an answer (fit_prompt); and its token count (text by
    the tokenizer with the provider's margin, images by the provider's formula)."""
    if path:
        files.require_vision(spec, files.of_messages(session, [path[-1].id]).get(path[-1].id, []))
    turns = branch_turns(session, path, spec, kind)
    dropped, tokens = fit_prompt(
        conv.system_prompt, [t.size for t in turns], spec, kind, [t.image_tokens for t in turns]
    )
    messages = [t.message for t in turns[dropped:]]
    if messages and (messages[-1].files or messages[-1].images) and tokens > prompt_budget(spec):
        raise InvalidInput(
            f"{tokens} > {prompt_budget(spec)} tokens", code=ErrorCode.FILES_TOO_LONG
        )
    system = [ChatMessage("system", conv.system_prompt)] if conv.system_prompt.strip() else []
    return system + messages, tokens


def provider_kind(model: str) -> ProviderKind:
    """The kind of provider serving `model` now; a model gone from the catalog is counted
    with the margin of a foreign tokenizer."""
    try:
        return get_catalog().provider_for(model).kind
    except KeyError:
        return "openai_compatible"


def begin_answer(session: Session, user: User, user_message_id: str, model: Any) -> PreparedAnswer:
    """Reserve credits and open an empty assistant message under `user_message_id`.
    Raises InsufficientBalance (nothing stored, no provider call) when the balance cannot
    pay for the prompt plus one answer token."""
    conv, user_msg = own_message(session, user.id, user_message_id)
    if user_msg.role != "user":
        raise InvalidInput("an answer follows a user message", code=ErrorCode.NOT_A_PROMPT)
    spec, coefficient = model_for(session, user, model)
    kind = provider_kind(spec.name)
    messages, prompt_tokens = _prompt(
        session, conv, branch(session, conv.id, user_msg.id), spec, kind
    )
    answer_id = new_id()
    hold = holds.reserve(
        session,
        user.id,
        model=spec.name,
        coefficient=coefficient,
        prompt_tokens=prompt_tokens,
        # The conversation's cap (a preset's max output tokens) when it has one.
        max_output=min(spec.max_output, conv.max_tokens or spec.max_output),
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
            status=MessageStatus.STREAMING,
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
        prompt_tokens,
        kind,
        conv.temperature,
        conv.top_p,
    )


@dataclass(frozen=True)
class Posted:
    """A prompt sent by post_and_begin: who sent it, the stored prompt, and either its
    answer begun or why the answer was refused (the prompt is kept either way)."""

    user: User
    prompt: Message
    answer: PreparedAnswer | ServiceError


def post_and_begin(
    session: Session, token: str, conversation_id: str | None, text: Any, model: Any, **post: Any
) -> Posted:
    """The chat's send in one transaction (one thread hop and one commit before the provider
    is asked): authenticate the tab's token, save the prompt (conversations.post_user_message
    with `post`'s keywords) and begin its answer. A refused answer (the balance, the model)
    is rolled back to a savepoint: the prompt stays in the conversation."""
    user, _ = auth.authenticate(session, token)
    prompt = post_user_message(session, user, conversation_id, text, model, **post)
    try:
        with session.begin_nested():
            answer = begin_answer(session, user, prompt.id, model)
    except ServiceError as exc:
        return Posted(user, prompt, exc)
    return Posted(user, prompt, answer)


def append_partials(session: Session, texts: dict[str, str]) -> None:
    """Add newly streamed text to stored answers (message id -> its new text), for the
    crash recovery: one UPDATE per answer in one statement batch, sending only the new
    text. An answer that has ended meanwhile is left alone (its text is stored whole)."""
    if texts:
        session.connection().execute(
            update(Message)
            .where(
                col(Message.id) == bindparam("answer"),
                col(Message.status) == MessageStatus.STREAMING,
            )
            .values(content=col(Message.content) + bindparam("more")),
            [{"answer": answer, "more": storable(more)} for answer, more in texts.items()],
        )


def answer_shown(session: Session, user: User, message_id: str) -> tuple[MessageStatus, str]:
    """What the page may show of `user`'s answer now: its status and its saved text.
    NotFound for a message that is not the user's, or not an answer."""
    try:
        _, msg = own_message(session, user.id, message_id)
    except NotFound:
        msg = None  # someone else's answer is "not found" like one that never was
    if msg is None or msg.role != "assistant":
        raise NotFound("message not found", code=ErrorCode.MESSAGE_NOT_FOUND)
    return MessageStatus(msg.status), msg.content


def finish_answer(
    session: Session,
    answer: PreparedAnswer,
    text: str,
    usage: Usage | None,
    status: MessageStatus,
    error: str | None = None,
) -> Message | None:
    """Store the answer and settle its reservation: charge what was used, return the rest.

    `usage` is None when the request never reached the provider (a stop or a failure while
    connecting): nothing is charged. Otherwise its counts are charged: a stop after the
    request reached the provider pays at least for the prompt; a provider error before any
    text comes with 0/0 (llm/stream.py)."""
    prompt = usage.prompt_tokens if usage else 0
    completion = usage.completion_tokens if usage else 0
    if text and not completion:  # text without a count: count it here
        completion = count_text_tokens(text, answer.provider_kind)
    entry = holds.settle(session, answer.reservation_id, prompt, completion)
    msg = session.get(Message, answer.assistant_message_id)
    if msg is None:  # the conversation was deleted meanwhile; the books are still right
        return None
    msg.content = storable(text)
    msg.status = status
    msg.error = error
    msg.prompt_tokens = prompt
    msg.completion_tokens = completion
    msg.charged = -entry.amount if entry else 0
    session.add(msg)
    session.flush()
    return msg


def recover(
    session: Session,
    older_than: timedelta,
    recorded: Callable[[str], str | None] = lambda _: None,
) -> int:
    """Settle the answers a crashed worker left open (reservations older than
    `older_than`): each is charged for its text, which it keeps, marked cut, with its
    charge. The text is the saved one, or what `recorded` (the hub of answers in flight,
    when it outlived the worker) says was handed out to readers when that is longer: the
    saved text may lag the screen by a second. Returns how many."""
    settled = holds.recover_stale(session, older_than, lambda r: used_tokens(session, r, recorded))
    for res, charge in settled:
        msg = session.get(Message, res.message_id) if res.message_id else None
        if msg is not None:
            msg.charged = -charge.amount if charge else 0
            session.add(msg)
    return len(settled)


def used_tokens(
    session: Session,
    reservation: Reservation,
    recorded: Callable[[str], str | None] = lambda _: None,
) -> tuple[int, int]:
    """For crash recovery: what the partial answer shows was used (an answer of the API:
    the tokens it had streamed when last saved, services/gateway)."""
    if reservation.api_key_id is not None:
        streamed = reservation.streamed_tokens
        return (reservation.prompt_tokens, streamed) if streamed is not None else (0, 0)
    msg = session.get(Message, reservation.message_id) if reservation.message_id else None
    if msg is None:
        return 0, 0
    shown = recorded(msg.id) or ""
    if len(shown) > len(msg.content):
        msg.content = storable(shown)
    if not msg.content:
        # The worker died before anything was saved: nothing to charge, but the answer must
        # not stay "streaming" for ever (the page would show no retry for it).
        msg.status, msg.error = MessageStatus.ERROR, "unavailable"
        session.add(msg)
        return 0, 0
    msg.status = MessageStatus.CUT
    msg.completion_tokens = count_text_tokens(msg.content, provider_kind(reservation.model))
    msg.prompt_tokens = reservation.prompt_tokens
    session.add(msg)
    return reservation.prompt_tokens, msg.completion_tokens
