"""Share links: a read-only snapshot of a conversation's current branch that anyone holding
its token can read at /s/{token}, without signing in.

The snapshot is copied when the link is made (and again only when the user updates it), so
later messages stay private. It holds the title and, per message, the role, the text and
the model: never the email, the balance or a charge. Revoking deletes it (the link is then
a 404); deleting the conversation deletes its links."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from metogpt.models import Conversation, Share, utcnow
from metogpt.services.conversations import branch, get
from metogpt.services.errors import ErrorCode, NotFound, ServiceError
from metogpt.services.permissions import Actor
from metogpt.services.users import get as get_user

_SHOWN = ("done", "stopped", "cut")  # answers worth showing; failed ones are left out


class NothingToShare(ServiceError):
    status = 409
    code = ErrorCode.NOTHING_TO_SHARE


@dataclass(frozen=True)
class SharedMessage:
    role: str
    content: str
    model: str


@dataclass(frozen=True)
class SharedView:
    token: str
    title: str
    messages: list[SharedMessage]
    updated_at: Any


def _snapshot(
    session: Session, actor: Actor, conversation_id: Any
) -> tuple[str, str, list[dict[str, Any]]]:
    conv = get(session, get_user(session, actor.user_id), conversation_id)
    messages = [
        {"role": m.role, "content": m.content, "model": m.model or ""}
        for m in branch(session, conv.id, conv.active_leaf_id)
        if m.content and (m.role == "user" or m.status in _SHOWN)
    ]
    if not messages:
        raise NothingToShare("the conversation has no messages to share")
    return conv.id, conv.title, messages


def share(session: Session, actor: Actor, conversation_id: Any) -> Share:
    """The conversation's link with a fresh snapshot of its current branch: the existing
    link updated (same token) or a new one."""
    conv_id, title, messages = _snapshot(session, actor, conversation_id)
    link = session.exec(
        select(Share).where(
            col(Share.conversation_id) == conv_id, col(Share.user_id) == actor.user_id
        )
    ).first()
    if link is None:
        link = Share(
            token=secrets.token_urlsafe(24),
            conversation_id=conv_id,
            user_id=actor.user_id,
            messages=messages,
        )
    link.title, link.messages, link.updated_at = title, messages, utcnow()
    session.add(link)
    session.flush()
    return link


def revoke(session: Session, actor: Actor, token: Any) -> None:
    link = session.get(Share, token) if isinstance(token, str) and len(token) <= 64 else None
    if link is None or link.user_id != actor.user_id:
        raise NotFound("share link not found", code=ErrorCode.SHARE_NOT_FOUND)
    session.delete(link)


def mine(session: Session, actor: Actor) -> list[Share]:
    """The user's links, most recently updated first (the account page lists them)."""
    return list(
        session.exec(
            select(Share)
            .where(col(Share.user_id) == actor.user_id)
            .order_by(col(Share.updated_at).desc())
        )
    )


def public(session: Session, token: Any) -> SharedView:
    """What /s/{token} shows to anyone; NotFound for an unknown or revoked token."""
    link = session.get(Share, token) if isinstance(token, str) and 0 < len(token) <= 64 else None
    conv = session.get(Conversation, link.conversation_id) if link is not None else None
    if link is None or conv is None or conv.deleted_at is not None:  # deleted, undo pending
        raise NotFound("share link not found", code=ErrorCode.SHARE_NOT_FOUND)
    return SharedView(
        link.token,
        link.title,
        [SharedMessage(m["role"], m["content"], m.get("model", "")) for m in link.messages],
        link.updated_at,
    )


def exists(session: Session, token: str) -> bool:
    return session.get(Share, token) is not None
