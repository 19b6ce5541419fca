"""Attachments on their way to the providers, with the real SDKs against the fake servers:
the wire formats (OpenAI image_url data URLs, Anthropic image blocks, files as context
blocks), images scaled to each provider's limits, and billing known before the request."""

from __future__ import annotations

import asyncio
import base64
import io

import pytest
from PIL import Image
from sqlmodel import select

from metogpt.models import LedgerEntry, Reservation
from metogpt.services import answers, coefficients, conversations, files, relay
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import ErrorCode, ServiceError
from metogpt.services.files import vision
from metogpt.services.storage import Storage
from tests.conftest import Account, make_account
from tests.fixtures import documents
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer, received_images
from tests.support.calls import user_row

PAGES = [f"Page {n}: the revenue of region {n} grew by {n * 7} percent." for n in range(1, 6)]


@pytest.fixture
def acc(database: str, storage: Storage) -> Account:
    return make_account("PRO", balance=100_000)


def _ask(acc: Account, model: str, file_ids: list[str], text: str) -> answers.PreparedAnswer:
    with write_session() as session:
        msg = conversations.post_user_message(
            session, user_row(acc.id), None, text, model, file_ids=file_ids
        )
    with write_session() as session:
        return answers.begin_answer(session, user_row(acc.id), msg.id, model)


def _charge(user_id: str) -> LedgerEntry:
    with read_session() as session:
        [entry] = session.exec(
            select(LedgerEntry).where(LedgerEntry.user_id == user_id, LedgerEntry.kind == "charge")
        ).all()
        return entry


def test_openai_gets_image_url_parts_and_the_pdf_text_billed_as_estimated(
    acc: Account, fake: FakeProviderServer
) -> None:
    fake.behavior = FakeBehavior(reply_tokens=12, tokenize=True)
    shot = files.upload(acc.actor(), "screenshot.png", documents.image(3000, 2000))
    report = files.upload(acc.actor(), "report.pdf", documents.pdf(PAGES))
    prepared = _ask(acc, "gpt-4", [shot.id, report.id], "Summarise both, please.")
    with read_session() as session:
        hold = session.get(Reservation, prepared.reservation_id)
        assert hold is not None and hold.prompt_tokens == prepared.prompt_tokens
    outcome = asyncio.run(relay.stream_answer(prepared))

    [request] = fake.requests
    [message] = request["body"]["messages"]
    parts = message["content"]
    assert [p["type"] for p in parts] == ["text", "text", "image_url"]
    assert parts[0]["text"].startswith('<file name="report.pdf">\n')
    assert all(page in parts[0]["text"] for page in PAGES)
    assert parts[1]["text"] == "Summarise both, please."
    [image] = received_images(request["body"]["messages"], "openai")
    # scaled by us to what OpenAI would scale it to: 2048 × 1365, then 1152 × 768
    assert (image.media_type, image.width, image.height, image.detail) == (
        "image/png",
        1152,
        768,
        "high",
    )
    assert image.tokens == vision.openai_tokens(3000, 2000) == 85 + 170 * 3 * 2
    # the reservation's count is what OpenAI (the fake, with cl100k_base) reports, exactly
    entry = _charge(acc.id)
    assert entry.prompt_tokens == prepared.prompt_tokens
    assert entry.completion_tokens == 12
    assert outcome.charged == -entry.amount == coefficients.cost(prepared.prompt_tokens + 12, "1.5")


def test_anthropic_gets_image_blocks_scaled_to_its_limit(
    acc: Account, fake: FakeProviderServer
) -> None:
    fake.behavior = FakeBehavior(reply_tokens=5)
    photo = files.upload(acc.actor(), "photo.jpg", documents.image(2400, 1800, "JPEG"))
    notes = files.upload(acc.actor(), "notes.md", b"# Notes\nremember the milk")
    prepared = _ask(acc, "claude-3", [photo.id, notes.id], "What do you see?")
    outcome = asyncio.run(relay.stream_answer(prepared))

    [request] = fake.requests
    blocks = request["body"]["messages"][0]["content"]
    assert [b["type"] for b in blocks] == ["image", "text", "text"]
    assert blocks[0]["source"]["type"] == "base64"
    assert blocks[1]["text"] == '<file name="notes.md">\n# Notes\nremember the milk\n</file>'
    [image] = received_images(request["body"]["messages"], "anthropic")
    assert (image.media_type, image.width, image.height) == ("image/jpeg", 1264, 948)
    assert image.tokens == vision.anthropic_tokens(2400, 1800)
    sent = Image.open(io.BytesIO(base64.b64decode(blocks[0]["source"]["data"])))
    assert sent.format == "JPEG" and not sent.getexif()
    # the estimate holds the image at the formula's count and the text with the margin
    [estimated] = prepared.messages[-1].images
    assert estimated.tokens == image.tokens
    entry = _charge(acc.id)
    assert entry.prompt_tokens is not None
    words = sum(len(b["text"].split()) for b in blocks[1:])  # the fake counts text by words
    assert entry.prompt_tokens == image.tokens + words
    assert outcome.charged == coefficients.cost(entry.prompt_tokens + 5, "1.8")
    assert prepared.prompt_tokens >= entry.prompt_tokens  # reserved enough


def test_a_model_without_vision_sends_nothing(acc: Account, fake: FakeProviderServer) -> None:
    shot = files.upload(acc.actor(), "shot.png", documents.image(64, 64))
    with pytest.raises(ServiceError) as refused:
        _ask(acc, "gpt-3.5-turbo", [shot.id], "see?")
    assert refused.value.code == ErrorCode.NO_VISION
    # sent to a vision model, then asked again of one without: refused before reserving
    prepared = _ask(acc, "gpt-4", [shot.id], "see?")
    asyncio.run(relay.stream_answer(prepared))
    assert fake.request_count == 1
    with write_session() as session, pytest.raises(ServiceError) as refused:
        answers.begin_answer(session, user_row(acc.id), prepared.user_message_id, "gpt-3.5-turbo")
    assert refused.value.code == ErrorCode.NO_VISION
    assert fake.request_count == 1
    with read_session() as session:
        assert session.exec(select(Reservation)).all() == []


def test_files_larger_than_the_context_window_are_refused(
    acc: Account, fake: FakeProviderServer
) -> None:
    text = ("lorem ipsum dolor sit amet " * 2000).encode()  # ~10,000 tokens > gpt-4's 8,192
    big = files.upload(acc.actor(), "big.txt", text)
    with pytest.raises(ServiceError) as refused:
        _ask(acc, "gpt-4", [big.id], "read it")
    assert refused.value.code == ErrorCode.FILES_TOO_LONG
    assert fake.request_count == 0
