"""Attachments end to end: a screenshot pasted and a PDF dropped into the composer, sent to a
vision model; the estimate before sending counts them, the fake OpenAI server gets the image
as an `image_url` data URL and the PDF's text, and the charge is the formula's image tokens
plus the text tokens, × the coefficient; an edit of the message sends them again. A model
without vision refuses an image before anything is sent. On a phone, in Russian and dark,
the files fit the screen."""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from metogpt.services.files import vision
from metogpt.services.files.inspect import pdf_text
from metogpt.services.files.prompt import context_block
from metogpt.services.llm.tokens import count_text_tokens
from tests.e2e.chat_pages import PHONE, inside, inside_viewport, no_sideways_scroll, set_locale
from tests.e2e.helpers import Person, member, sign_in
from tests.fixtures import documents
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer, received_images
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e
Screenshot = Callable[[Page, str], Path]

_DISPATCH = """async ([b64, name, type, kind]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], name, { type }));
  const target = document.querySelector("#composer");
  const init = { bubbles: true, cancelable: true };
  target.dispatchEvent(
    kind === "paste"
      ? new ClipboardEvent("paste", { ...init, clipboardData: data })
      : new DragEvent("drop", { ...init, dataTransfer: data })
  );
}"""


def _give(page: Page, data: bytes, name: str, mime: str, kind: str) -> None:
    page.evaluate(_DISPATCH, [base64.b64encode(data).decode(), name, mime, kind])


def _open_chat(page: Page, person: Person, model: str) -> None:
    sign_in(page, person.email, person.password)
    expect(page.locator("#composer")).to_be_visible()
    page.click("#model-select")
    page.get_by_role("option", name=model).click()


def test_pasted_screenshot_and_dropped_pdf_reach_the_model_billed_exactly(
    page: Page,
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
    screenshot: Screenshot,
) -> None:
    person = member(http, app_server, "PRO", 50_000)
    fake_provider.behavior = FakeBehavior(reply_tokens=10, tokenize=True)
    _open_chat(page, person, "gpt-4 · ×1.5")
    _give(page, documents.image(1600, 1000), "image.png", "image/png", "paste")
    pages = ["Alpha findings page one", "Beta results page two"]
    _give(page, documents.pdf(pages), "report.pdf", "application/pdf", "drop")
    pending = page.locator("#pending-files")
    expect(pending.locator("img")).to_have_count(1)
    expect(pending.locator(".file-chip")).to_contain_text("report.pdf")
    draft = "Describe the picture and the report."
    page.fill("#composer", draft)
    # the estimate counts the files as the answer will: the PDF's text block, the image by
    # OpenAI's tile formula (one user message: 4 tokens of framing, 3 to prime the reply)
    block = context_block("report.pdf", pdf_text("report.pdf", documents.pdf(pages)))
    expected = count_text_tokens(block) + count_text_tokens(draft) + 4 + 3
    expected += vision.openai_tokens(1600, 1000)
    expect(page.locator("#cost-line")).to_have_attribute("data-tokens", str(expected))
    screenshot(page, "attachments-composer")
    before = fake_provider.request_count
    page.locator("#composer").press("Enter")
    done = page.locator(".msg-assistant[data-status=done]")
    expect(done).to_have_count(1)
    assert fake_provider.request_count == before + 1

    body = fake_provider.requests[-1]["body"]
    parts = body["messages"][-1]["content"]
    assert [p["type"] for p in parts] == ["text", "text", "image_url"]
    assert parts[0]["text"].startswith('<file name="report.pdf">')
    assert all(text in parts[0]["text"] for text in pages)
    [image] = received_images(body["messages"], "openai")
    assert (image.width, image.height, image.detail) == (1228, 768, "high")
    texts = [p["text"] for m in body["messages"] for p in m["content"] if "text" in p]
    prompt = sum(map(count_text_tokens, texts)) + 4 * len(body["messages"]) + 3 + image.tokens
    assert prompt == expected
    expect(done.locator(".msg-charge")).to_have_attribute(
        "data-charged", str(math.ceil((prompt + 10) * 1.5))
    )
    expect(page.locator("#pending-files")).to_have_count(0)
    # after a reload the message still shows its thumbnail and its chip, served to its owner
    page.reload()
    files = page.locator(".message-files")
    expect(files.locator("img")).to_have_count(1)
    expect(files.locator(".file-chip")).to_contain_text("report.pdf")
    src = files.locator("img").get_attribute("src")
    assert src and http.get(src).headers["content-type"] == "image/png"
    screenshot(page, "attachments-message")
    # edit-and-resubmit: the edited message keeps its files, and they go to the model again
    page.locator(".msg-user .msg-edit").click()
    page.locator(".edit-box textarea").fill("Only the picture, in one line.")
    page.locator(".edit-submit").click()
    expect(page.locator(".msg-user .msg-text")).to_have_text("Only the picture, in one line.")
    for _ in range(200):  # the new answer's request
        if fake_provider.request_count == before + 2:
            break
        page.wait_for_timeout(100)
    expect(page.locator(".msg-assistant[data-status=done]")).to_have_count(1)
    expect(files.locator("img")).to_have_count(1)
    expect(files.locator(".file-chip")).to_contain_text("report.pdf")
    assert fake_provider.request_count == before + 2
    again = fake_provider.requests[-1]["body"]["messages"]
    assert [p["type"] for p in again[-1]["content"]] == ["text", "text", "image_url"]
    assert again[-1]["content"][0]["text"] == block
    assert len(received_images(again, "openai")) == 1


def test_a_model_without_vision_refuses_a_pasted_image(
    page: Page,
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
) -> None:
    person = member(http, app_server, "PRO", 5000)
    _open_chat(page, person, "gpt-3.5-turbo · ×1")
    _give(page, documents.image(300, 200), "image.png", "image/png", "paste")
    expect(page.locator("#pending-files img")).to_have_count(1)
    before = fake_provider.request_count
    page.fill("#composer", "What is this?")
    page.locator("#composer").press("Enter")
    expect(page.get_by_text("cannot see images")).to_be_visible()
    assert fake_provider.request_count == before
    # an executable renamed as a picture is refused at upload, with the reason shown
    _give(page, documents.ELF, "photo.png", "image/png", "drop")
    expect(page.locator("#upload-error")).to_contain_text("photo.png")


def test_attachments_on_a_phone_in_russian_and_dark(
    new_page: Callable[[], Page],
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
    screenshot: Screenshot,
) -> None:
    person = member(http, app_server, "PRO", 50_000)
    set_locale(app_server, person.email, "ru", theme="dark")
    page = new_page()
    page.set_viewport_size(PHONE)
    fake_provider.behavior = FakeBehavior(reply_tokens=10)
    _open_chat(page, person, "gpt-4 · ×1.5")
    expect(page.locator("html")).to_have_class(re.compile(r"\bdark\b"))
    long_name = "квартальный-отчёт-по-всем-регионам-и-филиалам-компании-2026.pdf"
    _give(page, documents.image(1600, 1000), "image.png", "image/png", "paste")
    _give(page, documents.pdf(["Alpha", "Beta"]), long_name, "application/pdf", "drop")
    pending = page.locator("#pending-files")
    expect(pending.locator("img")).to_have_count(1)
    expect(pending.locator(".file-chip")).to_have_count(1)
    page.fill("#composer", "Что на картинке и в отчёте?")
    expect(page.locator("#cost-line")).to_contain_text("стоит не меньше")
    no_sideways_scroll(page)
    for part in (
        pending,
        page.locator("#attach"),
        page.locator("#send"),
        pending.locator(".file-chip"),
    ):
        inside_viewport(page, part)
    expect(page.locator(".file-remove").first).to_have_attribute("title", "Убрать этот файл")
    # the long name ends in an ellipsis on one line, and the message keeps most of the width
    chip = pending.locator(".file-chip")
    assert chip.get_attribute("title") == long_name
    name = chip.locator(".file-name")
    assert name.evaluate("e => e.scrollWidth > e.clientWidth")  # cut, not wrapped
    assert (name.bounding_box() or {}).get("height", 99) < 24
    assert (page.locator("#composer").bounding_box() or {}).get("width", 0) >= 250
    expect(page.locator("#send")).to_have_attribute("title", "Отправить")
    screenshot(page, "attachments-composer-ru-phone-dark")
    page.locator("#composer").press("Enter")
    expect(page.locator(".msg-assistant[data-status=done]")).to_have_count(1)
    shown = page.locator(".message-files")
    expect(shown.locator(".file-chip")).to_contain_text("квартальный")
    no_sideways_scroll(page)
    inside(page.locator(".msg-user").first, shown)
    screenshot(page, "attachments-message-ru-phone-dark")
    # a refused upload says why, in Russian
    _give(page, documents.ELF, "photo.png", "image/png", "drop")
    expect(page.locator("#upload-error")).to_contain_text("Такой тип файла не поддерживается")
    no_sideways_scroll(page)
    screenshot(page, "attachments-refused-ru-phone-dark")
