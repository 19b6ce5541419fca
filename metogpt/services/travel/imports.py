"""Import: a MetoGPT, LibreChat or ChatGPT export file becomes the user's conversations.

All or nothing: the file is size-checked, parsed and validated whole (formats.py, tree.py)
before the first row is written, and everything is written in the caller's one transaction.
Imported conversations carry `imported=True` and their answers no charge: nothing is billed
for them, no ledger row is written. Every id is new (the file's ids only link its messages),
so a file can be imported twice without touching what is already there."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from metogpt.models import Conversation, Message, new_id, utcnow
from metogpt.services.conversations import storable
from metogpt.services.errors import ErrorCode, InvalidInput, ServiceError
from metogpt.services.permissions import Actor
from metogpt.services.travel.formats import detect
from metogpt.services.travel.tree import ParsedConversation
from metogpt.settings import settings

SKIP_EMPTY = "no_messages"  # a conversation without a message to show


class TooLarge(ServiceError):
    status = 413
    code = ErrorCode.IMPORT_TOO_LARGE


@dataclass
class Report:
    format: str
    imported: list[str] = field(default_factory=list)  # the new conversations' ids
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (title, reason)


def limit_bytes() -> int:
    return settings.import_max_bytes


def check_size(size: int) -> None:
    if size > limit_bytes():
        raise TooLarge(
            f"{size} bytes, the limit is {limit_bytes()} bytes", code=ErrorCode.IMPORT_TOO_LARGE
        )


def parse(data: bytes, user_id: str) -> tuple[str, list[ParsedConversation]]:
    """The file's format and its conversations, validated; raises before anything is written."""
    check_size(len(data))
    try:
        doc: Any = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidInput("the file is not valid JSON", code=ErrorCode.IMPORT_UNREADABLE) from None
    name, parser = detect(doc)
    return name, parser(doc, user_id)


def run(session: Session, actor: Actor, data: bytes) -> Report:
    """Import the file for the actor; a refusal raises with nothing written."""
    name, conversations = parse(data, actor.user_id)
    report = Report(name)
    for parsed in conversations:
        if not parsed.messages:
            report.skipped.append((parsed.title, SKIP_EMPTY))
            continue
        report.imported.append(_write(session, actor.user_id, parsed))
    session.flush()
    return report


def _write(session: Session, user_id: str, parsed: ParsedConversation) -> str:
    now = utcnow()
    start = parsed.created_at or now
    conv = Conversation(
        id=new_id(),
        user_id=user_id,
        title=storable(parsed.title) or "Imported",
        system_prompt=storable(parsed.system_prompt),
        model=parsed.model,
        temperature=parsed.temperature,
        top_p=parsed.top_p,
        max_tokens=parsed.max_tokens,
        archived=parsed.archived,
        imported=True,
        created_at=start,
        updated_at=parsed.updated_at or now,
    )
    ids = {m.key: new_id() for m in parsed.messages}
    conv.active_leaf_id = ids.get(parsed.active_leaf) if parsed.active_leaf else None
    session.add(conv)
    for i, m in enumerate(parsed.messages):
        session.add(
            Message(
                id=ids[m.key],
                conversation_id=conv.id,
                parent_id=ids[m.parent] if m.parent else None,
                role=m.role,
                content=storable(m.content),
                model=m.model,
                status=m.status,
                error=m.error,
                prompt_tokens=m.prompt_tokens,
                completion_tokens=m.completion_tokens,
                coefficient=m.coefficient,
                charged=None,  # never billed here
                # Without a time of its own, a message keeps its file order (siblings are
                # ordered by creation).
                created_at=m.created_at or start + timedelta(microseconds=i),
            )
        )
    return conv.id
