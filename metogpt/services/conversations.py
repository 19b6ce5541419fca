"""Conversations as trees of messages: posting and editing prompts, branches, the page's
read model (`screen`, `thread`), search, rename, system prompt, delete
(soft, undoable, purged later) and the list's date groups.

Edits and regenerations add siblings, so every earlier branch stays switchable; the branch
shown is the path from the conversation's `active_leaf_id` up to the root. Answers (the
billed assistant messages) are in answers.py, their streaming in relay.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import delete, exists, or_
from sqlmodel import Session, col, func, select

from metogpt.models import Conversation, Message, Role, Share, User, utcnow
from metogpt.services import files, roles
from metogpt.services.catalog import ModelSpec, get_catalog
from metogpt.services.db import is_key
from metogpt.services.errors import ErrorCode, Forbidden, InvalidInput, NotFound
from metogpt.services.travel.sampling import Sampling
from metogpt.services.travel.sampling import check as check_sampling

MAX_PROMPT_CHARS = 100_000
MAX_SYSTEM_CHARS = 20_000
MAX_TITLE = 200
# How long a deleted conversation can still be restored (the page offers Undo for 5 s).
UNDO_SECONDS = 60
# Unicode's control characters (Cc) but tab and newline; CR is folded into newline first.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def model_for(session: Session, user: User, model: Any) -> tuple[ModelSpec, str]:
    """The model and this user's coefficient for it, if their role has it enabled."""
    spec = get_catalog().get(model) if isinstance(model, str) else None
    role = session.get(Role, user.role)
    allowed = roles.enabled_models(role) if role else {}
    if spec is None or model not in allowed:
        raise Forbidden(
            f"your role does not include the model {str(model)[:64]!r}",
            code=ErrorCode.MODEL_NOT_ALLOWED,
        )
    return spec, allowed[model]


def _own(session: Session, user_id: str, conversation_id: Any) -> Conversation:
    conv = session.get(Conversation, conversation_id) if is_key(conversation_id) else None
    if conv is None or conv.user_id != user_id or conv.deleted_at is not None:
        raise NotFound("conversation not found", code=ErrorCode.CONVERSATION_NOT_FOUND)
    return conv


def own_message(session: Session, user_id: str, message_id: Any) -> tuple[Conversation, Message]:
    """The message and its conversation, if that conversation is the user's."""
    msg = session.get(Message, message_id) if is_key(message_id) else None
    if msg is None:
        raise NotFound("message not found", code=ErrorCode.MESSAGE_NOT_FOUND)
    return _own(session, user_id, msg.conversation_id), msg


def sent_prompt(session: Session, user: User, message_id: str) -> str | None:
    """The conversation of the user's prompt `message_id` if it was saved, else None (a send
    whose worker died before its transaction was committed)."""
    try:
        conv, _ = own_message(session, user.id, message_id)
    except NotFound:
        return None
    return conv.id


def storable(text: str) -> str:
    """PostgreSQL text cannot hold NUL; a provider may still send one."""
    return text.replace("\x00", "\ufffd")


def _prompt_text(text: Any) -> str:
    """A prompt as stored and sent: CR LF and CR become LF; refused when empty, too long,
    or holding a control character other than tab and newline (invisible, yet each one is
    paid for: no reason to send them)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("write a message first", code=ErrorCode.EMPTY_MESSAGE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(text):
        raise InvalidInput(
            "a message cannot contain control characters other than tab and newline",
            code=ErrorCode.CONTROL_CHARACTERS,
        )
    if len(text) > MAX_PROMPT_CHARS:
        raise InvalidInput(
            f"a message can be at most {MAX_PROMPT_CHARS} characters",
            code=ErrorCode.MESSAGE_TOO_LONG,
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
    file_ids: Any = None,
    sampling: Sampling | None = None,
    message_id: str | None = None,
) -> Message:
    """Save the user's message at the end of the active branch (a new conversation if none,
    with `sampling`'s parameters, e.g. a preset's), with the user's unsent files `file_ids`
    attached (services/files/): then the text may be empty. `message_id`: its id, chosen
    by the caller beforehand (`sent_prompt` finds out later whether it was saved)."""
    spec, _ = model_for(session, user, model)  # refuse early, before anything is stored
    rows = files.check_unsent(session, user.id, file_ids)
    files.require_vision(spec, rows)
    text = "" if rows and isinstance(text, str) and not text.strip() else _prompt_text(text)
    params = (
        check_sampling(sampling.temperature, sampling.top_p, sampling.max_tokens, spec)
        if sampling
        else Sampling()
    )
    if conversation_id:
        conv = _own(session, user.id, conversation_id)
    else:
        conv = Conversation(
            user_id=user.id,
            title=_title_from(text or rows[0].name),
            system_prompt=storable(system_prompt[:MAX_SYSTEM_CHARS]),
            temperature=params.temperature,
            top_p=params.top_p,
            max_tokens=params.max_tokens,
        )
        session.add(conv)
        session.flush()
    given = {"id": message_id} if message_id else {}
    msg = _append(session, conv, conv.active_leaf_id, "user", text, model=model, **given)
    files.attach(session, rows, conv.id, msg.id)
    return msg


def edit_user_message(session: Session, user: User, message_id: Any, text: Any) -> Message:
    """Edit-and-resubmit: a new sibling of the edited message, with its files (then the
    text may be empty, as when it was sent); the old branch stays."""
    conv, old = own_message(session, user.id, message_id)
    if old.role != "user":
        raise InvalidInput("only your own messages can be edited", code=ErrorCode.NOT_EDITABLE)
    has_files = bool(files.of_messages(session, [old.id]))
    text = "" if has_files and isinstance(text, str) and not text.strip() else _prompt_text(text)
    msg = _append(session, conv, old.parent_id, "user", text, model=old.model)
    files.carry(session, old.id, msg.id)
    return msg


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


def branch(session: Session, conversation_id: str, leaf_id: str | None) -> list[Message]:
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


def regenerate_from(session: Session, user: User, assistant_message_id: Any) -> Message:
    """The user message whose answer should be produced again (as a new sibling)."""
    _, msg = own_message(session, user.id, assistant_message_id)
    if msg.role == "user":
        return msg
    parent = session.get(Message, msg.parent_id) if msg.parent_id else None
    if parent is None:
        raise InvalidInput("nothing to regenerate", code=ErrorCode.NOT_REGENERABLE)
    return parent


def switch_branch(session: Session, user: User, message_id: Any) -> None:
    """Show the branch through `message_id`, down to its most recent leaf."""
    conv, node = own_message(session, user.id, message_id)
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
    files: tuple[files.FileInfo, ...] = ()  # attachments, in order


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
    path = branch(session, conv.id, conv.active_leaf_id)
    attached = files.of_messages(session, [m.id for m in path if m.role == "user"])
    for m in path:
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
                files=tuple(files.info(row) for row in attached.get(m.id, [])),
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
        listing(session, user, search),
        current,
        thread(session, user, current.id) if current else [],
    )


def listing(session: Session, user: User, search: str = "", limit: int = 100) -> list[Conversation]:
    """The user's conversations, newest first; `search` matches titles and message text."""
    query = select(Conversation).where(
        Conversation.user_id == user.id,
        col(Conversation.deleted_at).is_(None),
        col(Conversation.archived).is_(False),
    )
    if needle := storable(search).strip().lower()[:200]:
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        in_text = exists().where(
            col(Message.conversation_id) == col(Conversation.id),
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
        raise InvalidInput("a title cannot be empty", code=ErrorCode.EMPTY_TITLE)
    title = storable(title)
    conv = _own(session, user.id, conversation_id)
    conv.title = " ".join(title.split())[:MAX_TITLE]
    session.add(conv)


def set_system_prompt(session: Session, user: User, conversation_id: Any, prompt: Any) -> None:
    if not isinstance(prompt, str) or len(prompt) > MAX_SYSTEM_CHARS:
        raise InvalidInput(
            f"a system prompt can be at most {MAX_SYSTEM_CHARS} characters",
            code=ErrorCode.SYSTEM_TOO_LONG,
        )
    conv = _own(session, user.id, conversation_id)
    conv.system_prompt = storable(prompt)
    session.add(conv)


def remove(session: Session, user: User, conversation_id: Any) -> None:
    """Delete: hidden from now on everywhere, restorable by `restore` until `purge` (run
    beside the app) removes it for good, UNDO_SECONDS later at the earliest."""
    conv = _own(session, user.id, conversation_id)
    conv.deleted_at = utcnow()
    session.add(conv)


def restore(session: Session, user: User, conversation_id: Any) -> None:
    """Undo a delete that has not been purged yet."""
    conv = session.get(Conversation, conversation_id) if is_key(conversation_id) else None
    if conv is None or conv.user_id != user.id or conv.deleted_at is None:
        raise NotFound("conversation not found", code=ErrorCode.CONVERSATION_NOT_FOUND)
    conv.deleted_at = None
    session.add(conv)


def purge(session: Session, now: datetime | None = None) -> int:
    """Remove for good the conversations deleted more than UNDO_SECONDS ago, with their
    messages and their files (services/files/); how many."""
    cutoff = (now or utcnow()) - timedelta(seconds=UNDO_SECONDS)
    gone = select(Conversation.id).where(col(Conversation.deleted_at) < cutoff)
    for conv_id in session.exec(gone).all():
        files.delete_for_conversation(session, conv_id)
    session.exec(delete(Message).where(col(Message.conversation_id).in_(gone)))
    session.exec(delete(Share).where(col(Share.conversation_id).in_(gone)))  # its share links
    result = session.exec(delete(Conversation).where(col(Conversation.deleted_at) < cutoff))
    return result.rowcount or 0


def age_group(updated: datetime, today: date, tz: tzinfo = UTC) -> str:
    """The list's heading for a conversation last active at `updated`, `today` being a date
    in `tz`: "today", "yesterday", "week" (previous 7 days), "month" (previous 30 days), or
    its month as "YYYY-MM". SQLite gives back naive datetimes: those are UTC."""
    local = (updated if updated.tzinfo else updated.replace(tzinfo=UTC)).astimezone(tz)
    days = (today - local.date()).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days <= 7:
        return "week"
    if days <= 30:
        return "month"
    return f"{local.year:04d}-{local.month:02d}"
