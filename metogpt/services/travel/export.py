"""Export: one conversation as Markdown (the branch on screen) or as MetoGPT JSON (every
branch, models, token counts and charges), and all of a user's conversations as one JSON
document produced piece by piece.

The JSON document is `{"format": "metogpt", "version": 1, "exported_at", "user_id",
"conversations": [...]}` whatever the number of conversations; imports.py reads it back.
Attachments are not part of it yet: MetoGPT has no attachment table to reference."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, col, select

from metogpt.models import Conversation, Message, iso, utcnow
from metogpt.services.conversations import branch, get
from metogpt.services.db import read_session
from metogpt.services.permissions import Actor
from metogpt.services.users import get as get_user

FORMAT, VERSION = "metogpt", 1
BATCH = 200  # conversations read per query while streaming


def message_json(m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "parent_id": m.parent_id,
        "role": m.role,
        "content": m.content,
        "model": m.model,
        "status": m.status,
        "error": m.error,
        "prompt_tokens": m.prompt_tokens,
        "completion_tokens": m.completion_tokens,
        "charged": m.charged,
        "coefficient": m.coefficient,
        "created_at": iso(m.created_at),
    }


def conversation_json(conv: Conversation, messages: list[Message]) -> dict[str, Any]:
    return {
        "id": conv.id,
        "title": conv.title,
        "model": conv.model,
        "system_prompt": conv.system_prompt,
        "temperature": conv.temperature,
        "top_p": conv.top_p,
        "max_tokens": conv.max_tokens,
        "archived": conv.archived,
        "imported": conv.imported,
        "active_leaf_id": conv.active_leaf_id,
        "created_at": iso(conv.created_at),
        "updated_at": iso(conv.updated_at),
        "messages": [message_json(m) for m in messages],
    }


def _header(user_id: str) -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "exported_at": iso(utcnow()), "user_id": user_id}


def _messages(session: Session, conversation_ids: list[str]) -> dict[str, list[Message]]:
    by_conv: dict[str, list[Message]] = {cid: [] for cid in conversation_ids}
    rows = session.exec(
        select(Message)
        .where(col(Message.conversation_id).in_(conversation_ids))
        .order_by(col(Message.created_at), col(Message.id))
    )
    for m in rows:
        by_conv[m.conversation_id].append(m)
    return by_conv


def as_json(session: Session, actor: Actor, conversation_id: Any) -> dict[str, Any]:
    """One conversation, every branch, as a MetoGPT export document."""
    conv = get(session, get_user(session, actor.user_id), conversation_id)
    messages = _messages(session, [conv.id])[conv.id]
    return {**_header(actor.user_id), "conversations": [conversation_json(conv, messages)]}


def as_markdown(session: Session, actor: Actor, conversation_id: Any) -> tuple[str, str]:
    """The branch on screen as Markdown, and the conversation's title (for a file name)."""
    conv = get(session, get_user(session, actor.user_id), conversation_id)
    parts = [f"# {conv.title or 'Conversation'}\n"]
    if conv.system_prompt.strip():
        parts.append(f"> System: {conv.system_prompt.strip()}\n")
    for m in branch(session, conv.id, conv.active_leaf_id):
        who = "User" if m.role == "user" else f"Assistant ({m.model})" if m.model else "Assistant"
        parts.append(f"## {who}\n\n{m.content}\n")
    return "\n".join(parts), conv.title


def stream_all(actor: Actor, batch: int = BATCH) -> Iterator[bytes]:
    """Every conversation of the user as one JSON document, in pieces: `batch` conversations
    (and their messages) are read at a time, each batch in its own short read, walking the
    conversations by id (keyset), so memory stays the same for 10 or 10,000 of them."""
    head = json.dumps(_header(actor.user_id), ensure_ascii=False)
    yield (head[:-1] + ', "conversations": [').encode()
    after, first = "", True
    while True:
        with read_session() as session:
            convs = list(
                session.exec(
                    select(Conversation)
                    .where(col(Conversation.user_id) == actor.user_id, col(Conversation.id) > after)
                    .order_by(col(Conversation.id))
                    .limit(batch)
                )
            )
            if not convs:
                break
            by_conv = _messages(session, [c.id for c in convs])
            chunk = ",".join(
                json.dumps(conversation_json(c, by_conv[c.id]), ensure_ascii=False) for c in convs
            )
        yield (chunk if first else "," + chunk).encode()
        first, after = False, convs[-1].id
        del convs, by_conv, chunk
    yield b"]}"
