"""Files users attach to the chat: upload, ownership, the link to a message, deletion.

An upload is inspected and stored as it arrives (uploads.py); a refusal leaves nothing
behind. A file is unsent until a message takes it (`attach`); an edit of that message keeps
it (`carry`); it is deleted with its conversation (`delete_for_conversation`), or when no
message took it within UNSENT_HOURS (`sweep_unsent`). Only its owner can fetch it: to
anyone else an id is as unknown as a random one.

What the model is given (context blocks, images) is prompt.py; image sizes and token
formulas vision.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from metogpt.models import Attachment, utcnow
from metogpt.services.catalog import ModelSpec
from metogpt.services.db import is_key
from metogpt.services.errors import ErrorCode, InvalidInput, NotFound
from metogpt.services.files import links
from metogpt.services.files.inspect import IMAGE
from metogpt.services.files.uploads import (
    FileInfo,
    block_tokens,
    clean_name,
    info,
    receive,
    upload,
)
from metogpt.services.permissions import Actor
from metogpt.services.storage import get_storage
from metogpt.settings import upload_limits

__all__ = ["FileInfo", "block_tokens", "clean_name", "info", "receive", "upload"]

# An upload no message took within this long is deleted (the composer's draft is gone by
# then: a closed tab, a file removed from a message never sent).
UNSENT_HOURS = 24
SWEEP_BATCH = 500


def _own(session: Session, user_id: str, file_id: Any) -> Attachment:
    row = session.get(Attachment, file_id) if is_key(file_id) else None
    if row is None or row.user_id != user_id:
        raise NotFound("file not found", code=ErrorCode.FILE_NOT_FOUND)
    return row


def describe(session: Session, actor: Actor, file_id: Any) -> FileInfo:
    return info(_own(session, actor.user_id, file_id))


def content(session: Session, actor: Actor, file_id: Any) -> tuple[FileInfo, bytes]:
    """The stored bytes of one of the actor's files (404 for anyone else's)."""
    return _content(session, actor.user_id, file_id)


def content_by_link(session: Session, file_id: Any, signature: str) -> tuple[FileInfo, bytes]:
    """The same through a signed link (links.py): for the owner's live session only."""
    return _content(session, links.owner_by_link(session, str(file_id), signature), file_id)


def _content(session: Session, user_id: str, file_id: Any) -> tuple[FileInfo, bytes]:
    row = _own(session, user_id, file_id)
    try:
        return info(row), get_storage().get(row.storage_key)
    except FileNotFoundError as exc:
        raise NotFound("file not found", code=ErrorCode.FILE_NOT_FOUND) from exc


def delete_unsent(session: Session, actor: Actor, file_id: Any) -> None:
    """Remove a file before sending it; a sent one stays with its message."""
    row = _own(session, actor.user_id, file_id)
    if row.message_id is not None:
        raise InvalidInput("the file was sent with a message", code=ErrorCode.FILE_IN_USE)
    _forget(session, [row])


def check_unsent(session: Session, user_id: str, file_ids: Any) -> list[Attachment]:
    """The user's unsent files named by `file_ids`, in that order; refused (nothing
    changed) when one is not theirs, already sent, or there are too many."""
    if file_ids is None:
        return []
    if not isinstance(file_ids, list | tuple) or not all(isinstance(i, str) for i in file_ids):
        raise InvalidInput("files must be a list of file ids", code=ErrorCode.INVALID)
    ids = list(dict.fromkeys(file_ids))
    limit = upload_limits().files_per_message
    if len(ids) > limit:
        raise InvalidInput(f"{len(ids)} > {limit}", code=ErrorCode.TOO_MANY_FILES)
    rows = []
    for file_id in ids:
        row = session.get(Attachment, file_id) if is_key(file_id) else None
        if row is None or row.user_id != user_id:
            raise NotFound("file not found", code=ErrorCode.FILE_NOT_FOUND)
        if row.message_id is not None:
            raise InvalidInput("the file was sent already", code=ErrorCode.FILE_IN_USE)
        rows.append(row)
    return rows


def require_vision(spec: ModelSpec, rows: Sequence[Attachment]) -> None:
    """A model without vision gets no images: refused before anything is sent."""
    if not spec.vision and any(row.kind == IMAGE for row in rows):
        raise InvalidInput(spec.label, code=ErrorCode.NO_VISION)


def attach(
    session: Session, rows: Sequence[Attachment], conversation_id: str, message_id: str
) -> None:
    """Link checked files (check_unsent) to the message that sends them."""
    for position, row in enumerate(rows):
        row.conversation_id, row.message_id, row.position = conversation_id, message_id, position
        session.add(row)
    session.flush()


def of_messages(session: Session, message_ids: Sequence[str]) -> dict[str, list[Attachment]]:
    """The attachments of these messages, each message's in order."""
    if not message_ids:
        return {}
    rows = session.exec(
        select(Attachment)
        .where(col(Attachment.message_id).in_(list(message_ids)))
        .order_by(col(Attachment.message_id), col(Attachment.position))
    ).all()
    found: dict[str, list[Attachment]] = {}
    for row in rows:
        found.setdefault(row.message_id or "", []).append(row)
    return found


def carry(session: Session, source_id: str, message_id: str) -> None:
    """An edited message keeps the files of the message it replaces: new rows for the new
    message over the same stored bytes (one object, counted once in the quota, deleted
    with the conversation)."""
    for row in of_messages(session, [source_id]).get(source_id, []):
        kept = row.model_dump(exclude={"id", "message_id", "created_at"})
        session.add(Attachment(**kept, message_id=message_id))
    session.flush()


def _forget(session: Session, rows: Sequence[Attachment]) -> None:
    """Delete these rows, then their stored bytes. Bytes are shared only by the rows
    `carry` makes, all sent in one conversation and deleted together with it."""
    keys = {row.storage_key for row in rows}
    for row in rows:
        session.delete(row)
    session.flush()
    storage = get_storage()
    for key in keys:
        storage.delete(key)


def delete_for_conversation(session: Session, conversation_id: str) -> None:
    """With its conversation go its files: the rows, then the stored bytes."""
    _forget(
        session,
        session.exec(select(Attachment).where(Attachment.conversation_id == conversation_id)).all(),
    )


def sweep_unsent(session: Session, now: datetime | None = None) -> int:
    """Delete the uploads no message took within UNSENT_HOURS, rows and bytes, and what
    uploads never finished left in the storage (a worker that died mid-upload); how many
    files. Runs beside the app (setup.recovery_loop), a batch per pass."""
    cutoff = (now or utcnow()) - timedelta(hours=UNSENT_HOURS)
    rows = session.exec(
        select(Attachment)
        .where(col(Attachment.message_id).is_(None), col(Attachment.created_at) < cutoff)
        .limit(SWEEP_BATCH)
    ).all()
    _forget(session, rows)
    get_storage().drop_unfinished(cutoff)
    return len(rows)
