"""Attachments end to end: a screenshot pasted and a PDF dropped into the composer, sent to a
vision model; the fake OpenAI server gets the image as an `image_url` data URL and the PDF's
text, and the charge is the formula's image tokens plus the text tokens, × the coefficient.
A model without vision refuses an image before anything is sent."""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from metogpt.services.llm.tokens import count_text_tokens
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
    screenshot(page, "attachments-composer")
    before = fake_provider.request_count
    page.fill("#composer", "Describe the picture and the report.")
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
