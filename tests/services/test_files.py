"""Uploads: the type by content, images re-encoded, PDF text, limits and refusals that leave
nothing behind; files attached to messages, refused to models without vision, deleted with
their conversation. Each test runs on both storages and both databases."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlmodel import select

from metogpt.models import Attachment, Message, utcnow
from metogpt.services import conversations, files
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import ErrorCode, NotFound, ServiceError
from metogpt.services.files import vision
from metogpt.services.files.prompt import NO_TEXT_LAYER, context_block
from metogpt.services.llm.tokens import count_text_tokens
from metogpt.services.storage import Storage
from tests.conftest import Account, make_account
from tests.fixtures import documents


def _rows() -> list[Attachment]:
    with read_session() as session:
        return list(session.exec(select(Attachment)).all())


def _stored(storage: Storage, info: files.FileInfo) -> bytes:
    with read_session() as session:
        row = session.get(Attachment, info.id)
        assert row is not None
        return storage.get(row.storage_key)


@pytest.fixture
def user(database: str, storage: Storage) -> Account:
    return make_account("PRO", balance=10_000)


def test_images_are_reencoded_without_metadata(user: Account, storage: Storage) -> None:
    raw = documents.image(300, 200, "JPEG", exif=True)
    raw += b"<script>hidden payload after the image</script>"
    assert b"SecretCam" in raw
    found = files.upload(user.actor(), "../../holiday.JPG", raw)
    assert (found.name, found.kind, found.type) == ("holiday.JPG", "image", "image/jpeg")
    assert (found.width, found.height) == (300, 200)
    stored = _stored(storage, found)
    assert b"SecretCam" not in stored and b"hidden payload" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert found.size == len(stored)


def test_gif_keeps_its_first_frame_as_png_and_webp_stays_webp(
    user: Account, storage: Storage
) -> None:
    gif = files.upload(user.actor(), "anim.gif", documents.animated_gif())
    assert gif.type == "image/png"
    frame = Image.open(io.BytesIO(_stored(storage, gif))).convert("RGB")
    assert frame.getpixel((5, 5)) == (255, 0, 0)  # the first frame is the red one
    webp = files.upload(user.actor(), "pic.webp", documents.image(64, 64, "WEBP"))
    assert webp.type == "image/webp"


def test_pdf_text_is_extracted_and_a_scan_is_said_to_have_none(user: Account) -> None:
    found = files.upload(user.actor(), "report.pdf", documents.pdf(["Quarterly revenue 42"]))
    assert (found.kind, found.type, found.text_layer) == ("pdf", "application/pdf", True)
    with read_session() as session:
        row = session.get(Attachment, found.id)
        assert row is not None and row.text == "Quarterly revenue 42"
    assert found.tokens == count_text_tokens(context_block("report.pdf", "Quarterly revenue 42"))
    scan = files.upload(user.actor(), "scan.pdf", documents.pdf(["", ""]))
    assert scan.text_layer is False
    assert NO_TEXT_LAYER in context_block("scan.pdf", "")


def test_text_and_code_files_by_content(user: Account) -> None:
    code = files.upload(user.actor(), "main.py", b"def f():\n    return 'h\xc3\xa9'\n")
    assert (code.kind, code.type) == ("text", "text/plain")
    data = files.upload(user.actor(), "data.json", b'{"a": 1}')
    assert data.type == "application/json"
    # a text file named like an image is still text (the name never decides)
    assert files.upload(user.actor(), "notes.png", b"just text").kind == "text"


@pytest.mark.parametrize(
    ("name", "make", "code"),
    [
        ("setup.png", lambda: documents.ELF, ErrorCode.FILE_TYPE),  # a renamed executable
        ("bomb.txt", documents.zip_bomb, ErrorCode.FILE_TYPE),
        ("huge.png", documents.png_bomb, ErrorCode.IMAGE_TOO_LARGE),  # 20,000 × 20,000
        ("broken.pdf", lambda: b"%PDF-1.7\n1 0 obj << /Kids [", ErrorCode.BAD_FILE),
        ("cut.png", lambda: documents.image(50, 50)[:60], ErrorCode.BAD_FILE),
        ("latin1.txt", lambda: "café".encode("latin-1"), ErrorCode.FILE_TYPE),
        ("empty.txt", lambda: b"", ErrorCode.BAD_FILE),
    ],
)
def test_refusals_leave_nothing_behind(
    user: Account, storage: Storage, name: str, make, code: ErrorCode
) -> None:
    with pytest.raises(ServiceError) as refused:
        files.upload(user.actor(), name, make())
    assert refused.value.code == code
    assert 400 <= refused.value.status < 500
    assert storage.keys() == [] and _rows() == []


def test_size_and_quota_limits(
    user: Account, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METOGPT_UPLOAD_MAX_MB", "1")
    with pytest.raises(ServiceError) as refused:
        files.upload(user.actor(), "big.txt", b"a" * (1024 * 1024 + 1))
    assert (refused.value.code, refused.value.status) == (ErrorCode.FILE_TOO_LARGE, 413)
    monkeypatch.setenv("METOGPT_UPLOAD_QUOTA_MB", "1")
    files.upload(user.actor(), "first.txt", b"a" * 700_000)
    with pytest.raises(ServiceError) as refused:
        files.upload(user.actor(), "second.txt", b"b" * 700_000)
    assert refused.value.code == ErrorCode.UPLOAD_QUOTA
    assert len(storage.keys()) == 1 and len(_rows()) == 1
    # the quota is per user
    files.upload(make_account().actor(), "other.txt", b"c" * 700_000)


def _post(acc: Account, model: str, file_ids: list[str], text: str = "What is this?") -> Message:
    with write_session() as session:
        user = session.get(type(acc.user), acc.id)
        assert user is not None
        return conversations.post_user_message(session, user, None, text, model, file_ids=file_ids)


def test_a_model_without_vision_refuses_images_and_stores_nothing(user: Account) -> None:
    picture = files.upload(user.actor(), "shot.png", documents.image(100, 100))
    with pytest.raises(ServiceError) as refused:
        _post(user, "gpt-3.5-turbo", [picture.id])
    assert refused.value.code == ErrorCode.NO_VISION and "GPT-3.5" in refused.value.message
    with read_session() as session:
        assert session.exec(select(Message)).all() == []
    # text files are fine for it; the image goes to a vision model
    note = files.upload(user.actor(), "note.md", b"# hi")
    assert _post(user, "gpt-3.5-turbo", [note.id]).content == "What is this?"
    msg = _post(user, "gpt-4", [picture.id], text="  ")  # only an image: no text needed
    assert msg.content == ""
    [row] = [r for r in _rows() if r.id == picture.id]
    assert (row.message_id, row.conversation_id) == (msg.id, msg.conversation_id)


def test_files_of_a_message_are_checked(user: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METOGPT_UPLOAD_MAX_FILES", "2")
    ids = [files.upload(user.actor(), f"{i}.txt", b"x").id for i in range(3)]
    with pytest.raises(ServiceError) as refused:
        _post(user, "gpt-4", ids)
    assert refused.value.code == ErrorCode.TOO_MANY_FILES
    other = make_account("PRO")
    with pytest.raises(NotFound):
        _post(other, "gpt-4", ids[:1])  # someone else's file is unknown
    _post(user, "gpt-4", ids[:1])
    with pytest.raises(ServiceError) as refused:
        _post(user, "gpt-4", ids[:1])  # sent once, it stays with its message
    assert refused.value.code == ErrorCode.FILE_IN_USE


def test_another_users_file_is_not_found_and_unsent_files_can_be_removed(
    user: Account, storage: Storage
) -> None:
    found = files.upload(user.actor(), "a.txt", b"mine")
    other = make_account()
    with read_session() as session, pytest.raises(NotFound):
        files.content(session, other.actor(), found.id)
    with read_session() as session:
        assert files.content(session, user.actor(), found.id)[1] == b"mine"
    with write_session() as session, pytest.raises(NotFound):
        files.delete_unsent(session, other.actor(), found.id)
    with write_session() as session:
        files.delete_unsent(session, user.actor(), found.id)
    assert storage.keys() == [] and _rows() == []


def test_deleting_a_conversation_deletes_its_files_and_not_the_ledger(
    user: Account, storage: Storage
) -> None:
    kept = files.upload(user.actor(), "unsent.txt", b"later")
    sent = [files.upload(user.actor(), n, documents.image(30, 30)) for n in ("a.png", "b.png")]
    msg = _post(user, "gpt-4", [f.id for f in sent])
    assert len(storage.keys()) == 3
    with write_session() as session:
        user_row = session.get(type(user.user), user.id)
        assert user_row is not None
        conversations.remove(session, user_row, msg.conversation_id)
    assert len(storage.keys()) == 3  # a deleted conversation can be restored for a while
    with write_session() as session:
        later = utcnow() + timedelta(seconds=conversations.UNDO_SECONDS + 1)
        assert conversations.purge(session, now=later) == 1
    assert [r.id for r in _rows()] == [kept.id]
    assert len(storage.keys()) == 1


@pytest.mark.parametrize(
    ("size", "openai", "anthropic"),
    [
        ((1024, 1024), 765, 1399),  # OpenAI's own example: 768 × 768, 4 tiles
        ((2048, 4096), 1105, 1599),  # OpenAI's example: 768 × 1536, 6 tiles; 774 × 1549
        ((4096, 8192), 1105, 1599),  # the same, from further up
        ((200, 200), 255, 54),  # Anthropic's example: ~54 tokens
        ((1092, 1092), 765, 1590),  # Anthropic's 1:1 maximum: ~1,590 tokens
        ((5000, 100), 765, 65),  # 2048 × 40: 4 tiles; 1568 × 31
    ],
)
def test_image_token_formulas(size: tuple[int, int], openai: int, anthropic: int) -> None:
    assert vision.openai_tokens(*size) == openai
    assert vision.openai_tokens(*size, detail="low") == 85
    assert vision.anthropic_tokens(*size) == anthropic
    width, height = vision.anthropic_size(*size)
    assert max(width, height) <= 1568 and width * height <= 1_200_000
    width, height = vision.openai_size(*size)
    assert max(width, height) <= 2048 and min(width, height) <= 768
