"""A file after its upload: an edited message keeps its files (the answer to the edit is
given them, the bytes are stored once), and uploads never sent are swept by the loop that
runs beside the app. Real storage (local and S3), both databases."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from metogpt.models import Attachment, Message, utcnow
from metogpt.services import answers, conversations, files, setup
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import ErrorCode, ServiceError
from metogpt.services.storage import Storage
from metogpt.services.storage.local import LocalStorage
from metogpt.services.storage.s3 import PART_BYTES
from tests.conftest import Account, make_account
from tests.fixtures import documents
from tests.support.calls import user_row


@pytest.fixture
def acc(database: str, storage: Storage) -> Account:
    return make_account("PRO", balance=100_000)


def _rows() -> list[Attachment]:
    with read_session() as session:
        return list(session.exec(select(Attachment).order_by(col(Attachment.position))).all())


def _post(acc: Account, file_ids: list[str], text: str = "Compare these") -> Message:
    with write_session() as session:
        return conversations.post_user_message(
            session, user_row(acc.id), None, text, "gpt-4", file_ids=file_ids
        )


def _edit(acc: Account, message_id: str, text: str) -> Message:
    with write_session() as session:
        return conversations.edit_user_message(session, user_row(acc.id), message_id, text)


def test_an_edited_message_keeps_its_files(acc: Account, storage: Storage) -> None:
    note = files.upload(acc.actor(), "note.md", b"# The budget is 42")
    shot = files.upload(acc.actor(), "shot.png", documents.image(64, 48))
    first = _post(acc, [note.id, shot.id])
    edited = _edit(acc, first.id, "Compare them, briefly")
    assert edited.id != first.id and edited.parent_id == first.parent_id
    with read_session() as session:
        thread = conversations.thread(session, user_row(acc.id), first.conversation_id)
    [shown] = [m for m in thread if m.id == edited.id]
    assert [(f.name, f.kind) for f in shown.files] == [("note.md", "text"), ("shot.png", "image")]
    assert all(f.id not in (note.id, shot.id) for f in shown.files)  # rows of its own
    # the answer to the edit is given the files: the text as a context block, the image
    with write_session() as session:
        prepared = answers.begin_answer(session, user_row(acc.id), edited.id, "gpt-4")
    last = prepared.messages[-1]
    assert last.content == "Compare them, briefly"
    assert len(last.files) == 1 and "The budget is 42" in last.files[0]
    assert [image.media_type for image in last.images] == ["image/png"]
    assert len(storage.keys()) == 2 and len({r.storage_key for r in _rows()}) == 2
    # only files: the edit may clear the text, as the first send could have had none
    assert _edit(acc, edited.id, "  ").content == ""


def test_an_edit_without_files_still_needs_text(acc: Account) -> None:
    msg = _post(acc, [])
    with pytest.raises(ServiceError) as refused:
        _edit(acc, msg.id, " ")
    assert refused.value.code == ErrorCode.EMPTY_MESSAGE


def test_kept_files_are_stored_once_counted_once_and_deleted_with_the_conversation(
    acc: Account, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METOGPT_UPLOAD_QUOTA_MB", "1")
    note = files.upload(acc.actor(), "note.md", b"a" * 600_000)
    msg = _post(acc, [note.id])
    _edit(acc, msg.id, "again")
    assert len(_rows()) == 2 and len(storage.keys()) == 1
    more = files.upload(acc.actor(), "more.md", b"b" * 400_000)  # 1.2 MB if counted twice
    with write_session() as session:
        files.delete_unsent(session, acc.actor(), more.id)
    with write_session() as session:
        conversations.remove(session, user_row(acc.id), msg.conversation_id)
    with write_session() as session:
        later = utcnow() + timedelta(seconds=conversations.UNDO_SECONDS + 1)
        assert conversations.purge(session, now=later) == 1
    assert _rows() == [] and storage.keys() == []


def _age(file_id: str, hours: float) -> None:
    with write_session() as session:
        session.exec(
            update(Attachment)
            .where(col(Attachment.id) == file_id)
            .values(created_at=utcnow() - timedelta(hours=hours))
        )


def test_uploads_never_sent_are_swept_by_the_recovery_loop(acc: Account, storage: Storage) -> None:
    stale = files.upload(acc.actor(), "forgotten.txt", b"left in a closed tab")
    young = files.upload(acc.actor(), "draft.txt", b"still in the composer")
    sent = files.upload(acc.actor(), "sent.png", documents.image(30, 30))
    _post(acc, [sent.id])
    for file_id in (stale.id, sent.id):
        _age(file_id, files.UNSENT_HOURS + 1)
    _age(young.id, files.UNSENT_HOURS - 1)
    half = storage.writer("0123abcd")  # an upload a dead worker left a day ago
    half.write(b"x" * (2 * PART_BYTES + 1))  # S3: a multipart upload is open
    if isinstance(storage, LocalStorage):  # (moto dates every multipart upload 2010)
        [partial] = storage.root.glob("*/.upload-*")
        day_ago = time.time() - 3600 * (files.UNSENT_HOURS + 1)
        os.utime(partial, (day_ago, day_ago))
    assert len(storage.keys()) == 4
    assert setup.purge_deleted() == 1  # what the loop beside the app runs each pass
    assert sorted(r.id for r in _rows()) == sorted([young.id, sent.id])
    assert storage.keys() == sorted(r.storage_key for r in _rows())
    assert setup.purge_deleted() == 0
