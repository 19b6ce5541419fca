"""A file's way in: an upload inspected and stored as it arrives, then recorded.

An upload is inspected as it arrives (inspect.py: the size limit, the type by its bytes,
the quota; at the end images re-encoded, PDF text extracted) and written to the storage
(services/storage/) meanwhile, then recorded as an `attachment` row, the quota checked
again. A refusal at any step leaves nothing behind: no row, no object.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from metogpt.models import Attachment, User, new_id
from metogpt.services.catalog import get_catalog
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import ErrorCode
from metogpt.services.files.inspect import IMAGE, PDF, TEXT, Intake, TooLarge, mb
from metogpt.services.files.prompt import context_block
from metogpt.services.llm.tokens import count_text_tokens
from metogpt.services.permissions import Actor
from metogpt.services.storage import Writer, get_storage
from metogpt.settings import upload_limits

MAX_NAME = 255
COUNT_CHUNK = 256 * 1024
TOO_LONG = "(This file is too long for any model: about {tokens} tokens. Its text was not kept.)"
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


def unsendable(tokens: int) -> bool:
    """A context block this long could never be sent: it is over twice the largest context
    window of the catalog (sending it is refused, files_too_long, and it is the first turn
    dropped from a longer prompt)."""
    return tokens > 2 * max(spec.context_window for spec in get_catalog().models.values())


def block_tokens(block: str) -> int:
    """Tokens of a context block (cl100k_base): exact up to COUNT_CHUNK characters; a longer
    text is counted in chunks cut at line ends (+1 per cut: a cut can split a token). A text
    whose first chunk already shows it `unsendable` is not counted further (counting a 20 MB
    file takes seconds): its estimate from that chunk stands."""
    if len(block) <= COUNT_CHUNK:
        return count_text_tokens(block)
    sample = count_text_tokens(block[:COUNT_CHUNK])
    estimate = sample * len(block) // COUNT_CHUNK
    if unsendable(estimate):
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
    text = found.text
    if found.kind == TEXT and unsendable(tokens):
        # Megabytes the model could never be given are not copied into the database (where
        # each read of the message's files would load them again): the bytes stay in the
        # storage, the note stands in for them, and the token count still refuses them.
        text = TOO_LONG.format(tokens=tokens)
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
                text=text,
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
