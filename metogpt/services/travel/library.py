"""A user's conversations as a list: pages of it (REST), archive and unarchive.

Archived conversations leave the sidebar (conversations.listing shows only the others) and
stay whole: the Archived view restores or deletes them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from metogpt.models import Conversation
from metogpt.services.conversations import get
from metogpt.services.permissions import Actor
from metogpt.services.users import get as get_user
from metogpt.services.users import page_args


@dataclass(frozen=True)
class Page:
    conversations: list[Conversation]
    total: int


def page(
    session: Session,
    actor: Actor,
    *,
    archived: bool | None = None,
    limit: Any = 50,
    offset: Any = 0,
) -> Page:
    """The user's conversations, most recently updated first; `archived` None: all of them."""
    limit, offset = page_args(limit, offset)
    where = [col(Conversation.user_id) == actor.user_id]
    if archived is not None:
        where.append(col(Conversation.archived) == archived)
    total = session.exec(select(func.count()).select_from(Conversation).where(*where)).one()
    rows = session.exec(
        select(Conversation)
        .where(*where)
        .order_by(col(Conversation.updated_at).desc(), col(Conversation.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return Page(list(rows), int(total))


def set_archived(
    session: Session, actor: Actor, conversation_id: Any, archived: bool
) -> Conversation:
    """Archive (or restore) one of the user's conversations; its messages are untouched."""
    conv = get(session, get_user(session, actor.user_id), conversation_id)
    conv.archived = archived
    session.add(conv)
    session.flush()
    return conv
