"""Files users attach to the chat: upload, ownership, the link to a message, deletion.

An upload is inspected as it arrives (inspect.py: the size limit, the type by its bytes,
the quota; at the end images re-encoded, PDF text extracted) and written to the storage
(services/storage/) meanwhile, then recorded as an `attachment` row, the quota checked
again. A refusal at any step leaves nothing behind: no row, no object. A file is unsent
until a message takes it (`attach`); it is deleted with its conversation
(`delete_for_conversation`), or after a day when no message took it (`sweep_unsent`). Only
its owner can fetch it: to anyone else an id is as unknown as a random one.

What the model is given (context blocks, images) is prompt.py; image sizes and token
formulas vision.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from metogpt.models import Attachment, User, new_id
from metogpt.services.catalog import ModelSpec, get_catalog
from metogpt.services.db import is_key, read_session, write_session
from metogpt.services.errors import ErrorCode, InvalidInput, NotFound
from metogpt.services.files import links
from metogpt.services.files.inspect import IMAGE, PDF, Intake, TooLarge, mb
from metogpt.services.files.prompt import context_block
from metogpt.services.llm.tokens import count_text_tokens
from metogpt.services.permissions import Actor
from metogpt.services.storage import Writer, get_storage
from metogpt.settings import upload_limits

MAX_NAME = 255
COUNT_CHUNK = 256 * 1024
STORE_BLOCK = 1024 * 1024  # an upload is written to storage in blocks of this size


@dataclass(frozen=True)
class FileInfo:
    """An attachment as the REST API and the pages show it."""

    id: str
    name: str
    size: int
    type: str  # the media type of the stored bytes
    kind: str  # image | pdf | text
    width: int
    height: int
    tokens: int  # text files and PDFs: tokens of their context block
    text_layer: bool  # False for a PDF whose text could not be read (scanned)


def info(row: Attachment) -> FileInfo:
    return FileInfo(
        id=row.id,
        name=row.name,
        size=row.size,
        type=row.media_type,
        kind=row.kind,
        width=row.width or 0,
        height=row.height or 0,
        tokens=row.text_tokens,
        text_layer=not (row.kind == PDF and not row.text),
    )


def block_tokens(block: str) -> int:
    """Tokens of a context block (cl100k_base): exact up to COUNT_CHUNK characters; a longer
    text is counted in chunks cut at line ends (+1 per cut: a cut can split a token). A text
    whose first chunk already shows it at more than twice the largest context window of the
    catalog is not counted further (it could never be sent, and counting a 20 MB file takes
    seconds): its estimate from that chunk stands, and sending it is refused."""
    if len(block) <= COUNT_CHUNK:
        return count_text_tokens(block)
    sample = count_text_tokens(block[:COUNT_CHUNK])
    estimate = sample * len(block) // COUNT_CHUNK
    if estimate > 2 * max(spec.context_window for spec in get_catalog().models.values()):
        return estimate
    total, start = 0, 0
    while start < len(block):
        end = block.rfind("\n", start, start + COUNT_CHUNK) + 1
        end = start + COUNT_CHUNK if end <= start else end
        total += count_text_tokens(block[start:end]) + 1
        start = end
    return total


def clean_name(name: Any) -> str:
    """A file name for showing and for the model: its last path part, no control characters."""
    text = name if isinstance(name, str) else ""
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if ch.isprintable()).strip()
    return text[:MAX_NAME] or "file"


def _used(session: Session, user_id: str) -> int:
    """The user's bytes in storage (a file kept by an edited message too counts once)."""
    stored = (
        select(Attachment.storage_key, Attachment.size)
        .where(Attachment.user_id == user_id)
        .distinct()
        .subquery()
    )
    return session.exec(select(func.coalesce(func.sum(stored.c.size), 0))).one()


def _begin(actor: Actor, name: Any) -> tuple[Intake, str, Writer]:
    limits = upload_limits()
    with read_session() as session:
        room = limits.quota_bytes - _used(session, actor.user_id)
    key = new_id()
    return Intake(clean_name(name), limits, room), key, get_storage().writer(key)


def upload(actor: Actor, name: Any, data: bytes) -> FileInfo:
    """Store one file for `actor` (unsent); `receive` for a file arriving in pieces."""
    intake, key, out = _begin(actor, name)
    try:
        intake.feed(data)
        return _complete(actor, intake, key, out)
    except BaseException:
        out.abort()
        raise


async def receive(actor: Actor, name: Any, chunks: AsyncIterator[bytes]) -> FileInfo:
    """`upload` for a file arriving in pieces (a request body): each is inspected as it
    comes, so a refusal (size, quota, type, an image's pixel count) ends the upload at once,
    and what is stored as uploaded is written meanwhile, STORE_BLOCK at a time by a thread
    while the next pieces arrive. A refusal leaves nothing behind."""
    intake, key, out = await asyncio.to_thread(_begin, actor, name)
    writing: asyncio.Future[None] | None = None
    try:
        async for chunk in chunks:
            intake.feed(chunk)
            if intake.ready_bytes >= STORE_BLOCK:
                if writing is not None:
                    await writing
                writing = asyncio.ensure_future(asyncio.to_thread(out.write, intake.take()))
        if writing is not None:
            await writing
        return await asyncio.to_thread(_complete, actor, intake, key, out)
    except BaseException:
        if writing is not None:
            await asyncio.wait([writing])  # never two threads on one writer
        await asyncio.to_thread(out.abort)
        raise


def _complete(actor: Actor, intake: Intake, key: str, out: Writer) -> FileInfo:
    """Judge the whole file, record it and finish its storing, in one transaction (the
    quota checked again under the user's row lock: two uploads at once cannot both pass)."""
    found = intake.finish()
    out.write(found.tail)
    tokens = 0 if found.kind == IMAGE else block_tokens(context_block(intake.name, found.text))
    stored = False
    try:
        with write_session() as session:
            session.exec(select(User.id).where(User.id == actor.user_id).with_for_update())
            if _used(session, actor.user_id) + found.size > intake.limits.quota_bytes:
                raise TooLarge(mb(intake.limits.quota_bytes), code=ErrorCode.UPLOAD_QUOTA)
            row = Attachment(
                user_id=actor.user_id,
                name=intake.name,
                size=found.size,
                kind=found.kind,
                media_type=found.media_type,
                storage_key=key,
                width=found.width,
                height=found.height,
                text=found.text,
                text_tokens=tokens,
            )
            session.add(row)
            session.flush()
            out.commit()
            stored = True
    except BaseException:
        if stored:  # the row was rolled back: so goes its object
            get_storage().delete(key)
        raise
    return info(row)


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
    session.delete(row)
    session.flush()
    get_storage().delete(row.storage_key)


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


def delete_for_conversation(session: Session, conversation_id: str) -> None:
    """With its conversation go its files: the rows, then the stored bytes."""
    rows = session.exec(
        select(Attachment).where(Attachment.conversation_id == conversation_id)
    ).all()
    keys = [row.storage_key for row in rows]
    for row in rows:
        session.delete(row)
    session.flush()
    storage = get_storage()
    for key in keys:
        storage.delete(key)
