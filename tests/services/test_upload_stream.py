"""Uploads arriving in pieces (files.receive, what POST /api/files runs): judged as they
come, so a refusal ends the upload without reading the rest; stored as they come, so a
refusal after blocks were written must still leave nothing behind. Both storages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable

import pytest
from sqlmodel import select

from metogpt.models import Attachment
from metogpt.services import answers, conversations, files
from metogpt.services.catalog import get_catalog
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import ErrorCode, ServiceError
from metogpt.services.files.uploads import TOO_LONG
from metogpt.services.storage import Storage
from metogpt.services.storage.s3 import PART_BYTES
from metogpt.settings import upload_limits
from tests.conftest import Account, make_account
from tests.fixtures import documents
from tests.support.calls import user_row

MB = 1024 * 1024


@pytest.fixture
def user(database: str, storage: Storage) -> Account:
    return make_account("PRO")


async def _pieces(chunks: Iterable[bytes], then_fail: bool) -> AsyncIterator[bytes]:
    """The chunks, then (then_fail) a failure if the reader asks for more: proof that the
    refusal came before the end of the upload."""
    for chunk in chunks:
        yield chunk
    if then_fail:
        raise AssertionError("read past the refusal")


def _receive(acc: Account, name: str, chunks: Iterable[bytes], then_fail: bool = False):
    return asyncio.run(files.receive(acc.actor(), name, _pieces(chunks, then_fail)))


def _split(data: bytes, size: int = 64 * 1024) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def _nothing_left(storage: Storage) -> None:
    assert storage.keys() == []
    with read_session() as session:
        assert session.exec(select(Attachment)).all() == []


def test_a_file_in_pieces_is_stored_whole(user: Account, storage: Storage) -> None:
    line = "information management é"
    text = f"{line}\r\n".encode() * 60_000  # 1.6 MB: stored in blocks while it arrives
    found = _receive(user, "notes.md", _split(text, 10_007))  # pieces cut inside characters
    assert (found.kind, found.type, found.size) == ("text", "text/markdown", len(text))
    with read_session() as session:
        row = session.get(Attachment, found.id)
        assert row is not None and row.text == f"{line}\n" * 60_000
        assert storage.get(row.storage_key) == text
    assert storage.keys() == [row.storage_key]
    tiny = _receive(user, "a.txt", [b"h", b"i"])  # shorter than the sniffed head
    assert (tiny.kind, tiny.size) == ("text", 2)


@pytest.mark.parametrize(
    ("name", "head", "code"),
    [
        ("setup.png", documents.ELF[:64], ErrorCode.FILE_TYPE),
        ("bomb.txt", documents.zip_bomb()[:64], ErrorCode.FILE_TYPE),
        ("huge.png", documents.png_bomb()[:4096], ErrorCode.IMAGE_TOO_LARGE),
    ],
    ids=["executable", "zip-bomb", "png-bomb"],
)
def test_refused_from_the_first_bytes(
    user: Account, storage: Storage, name: str, head: bytes, code: ErrorCode
) -> None:
    with pytest.raises(ServiceError) as refused:
        _receive(user, name, [head], then_fail=True)
    assert refused.value.code == code
    _nothing_left(storage)


def test_refused_after_blocks_were_stored(user: Account, storage: Storage) -> None:
    """Past two S3 parts, so that a multipart upload was open on S3: a NUL byte near the
    end of a long text file, and the size limit crossed."""
    text = b"abcdefgh\n" * ((2 * PART_BYTES + MB) // 9)
    with pytest.raises(ServiceError) as refused:
        _receive(user, "log.txt", [*_split(text, MB), b"tail\x00"], then_fail=True)
    assert refused.value.code == ErrorCode.FILE_TYPE
    _nothing_left(storage)
    limit = upload_limits().file_bytes
    with pytest.raises(ServiceError) as refused:
        _receive(user, "big.txt", _split(b"a" * (limit + 1), MB), then_fail=True)
    assert (refused.value.code, refused.value.status) == (ErrorCode.FILE_TOO_LARGE, 413)
    _nothing_left(storage)


def test_the_quota_is_enforced_while_the_file_arrives(
    user: Account, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METOGPT_UPLOAD_QUOTA_MB", "2")
    kept = _receive(user, "first.txt", [b"a" * MB])
    with pytest.raises(ServiceError) as refused:
        _receive(user, "second.txt", _split(b"b" * (MB + 1)), then_fail=True)
    assert refused.value.code == ErrorCode.UPLOAD_QUOTA
    with read_session() as session:
        assert [r.id for r in session.exec(select(Attachment)).all()] == [kept.id]
    assert len(storage.keys()) == 1
    other = make_account("PRO")  # the quota is per user
    assert _receive(other, "third.txt", [b"c" * (MB + 1)]).size == MB + 1


def test_a_malformed_pdf_is_refused_at_the_end_and_leaves_nothing(
    user: Account, storage: Storage
) -> None:
    broken = b"%PDF-1.7\n" + b"1 0 obj << /Kids [" * 200_000  # ~3.6 MB: blocks were stored
    with pytest.raises(ServiceError) as refused:
        _receive(user, "broken.pdf", _split(broken))
    assert refused.value.code == ErrorCode.BAD_FILE
    _nothing_left(storage)


def test_a_text_no_model_could_take_is_stored_but_its_text_not_copied(
    user: Account, storage: Storage
) -> None:
    """3 MB of words: ~600,000 tokens, over twice the largest context window."""
    data = b"word " * 600_000
    found = _receive(user, "huge.txt", _split(data, MB))
    assert found.tokens > 2 * max(s.context_window for s in get_catalog().models.values())
    with read_session() as session:
        row = session.get(Attachment, found.id)
        assert row is not None and row.text == TOO_LONG.format(tokens=found.tokens)
        assert storage.get(row.storage_key) == data  # the file itself is whole
    owner = user_row(user.id)
    with write_session() as session:
        msg = conversations.post_user_message(
            session, owner, None, "Summarise", "claude-3", file_ids=[found.id]
        )
    with pytest.raises(ServiceError) as refused, write_session() as session:
        answers.begin_answer(session, owner, msg.id, "claude-3")
    assert refused.value.code == ErrorCode.FILES_TOO_LONG
