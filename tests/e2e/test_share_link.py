"""A share link in Chromium: a fresh context (nobody signed in) reads the snapshot, sees
no personal data, Markdown is rendered and an XSS payload in an answer stays inert; the
page is `noindex`; once revoked the link answers 404 (issue 16)."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import Person, Screenshot

pytestmark = pytest.mark.e2e

XSS = (
    "Here is **bold** and a list:\n\n- one\n- two\n\n"
    '<img src="x" onerror="window.__xss = 1">\n\n'
    "<script>window.__xss = 2</script>\n\n"
    "[click me](javascript:window.__xss=3)"
)


def _conversation_with_payload(http: httpx.Client, headers: dict[str, str]) -> str:
    """A LibreChat export with an answer carrying the payload, imported over REST."""
    doc = {
        "conversationId": "e2e-share",
        "title": "Shared on purpose",
        "options": {"model": "gpt-3.5-turbo"},
        "messages": [
            {"messageId": "q", "parentMessageId": None, "isCreatedByUser": True,
             "text": "Show me some Markdown"},
            {"messageId": "a", "parentMessageId": "q", "isCreatedByUser": False,
             "model": "gpt-3.5-turbo", "text": XSS},
        ],
    }  # fmt: skip
    reply = http.post(
        "/api/conversations/import",
        files={"file": ("lc.json", json.dumps(doc).encode(), "application/json")},
        headers=headers,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()["conversations"][0]


def test_share_link_is_public_read_only_safe_and_revocable(
    new_page, http: httpx.Client, screenshot: Screenshot
) -> None:
    person = Person.new("share")
    person.register_via_api(http)
    login = http.post("/api/auth/login", json={"email": person.email, "password": person.password})
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    conv = _conversation_with_payload(http, headers)
    link = http.post(f"/api/conversations/{conv}/share", headers=headers).json()
    path = f"/s/{link['token']}"

    page: Page = new_page()  # a fresh context: no token in its storage
    response = page.goto(path)
    assert response is not None and response.status == 200
    expect(page.locator(".share-title")).to_have_text("Shared on purpose")
    expect(page.locator(".msg-user")).to_have_text("Show me some Markdown")
    answer = page.locator(".msg-assistant .msg-text")
    expect(answer.locator("strong")).to_have_text("bold")  # the chat's Markdown rendering
    expect(answer.locator("li")).to_have_count(2)
    assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex"

    # The payload is inert: no element from raw HTML, no script ran, no javascript: link.
    expect(answer.locator("img")).to_have_count(0)
    expect(answer.locator("script")).to_have_count(0)
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__xss") is None
    hrefs = answer.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert not any((h or "").strip().lower().startswith("javascript") for h in hrefs)

    body = page.locator("body").inner_text()
    assert person.email not in body and person.name not in body
    assert "balance" not in body.lower() and "charged" not in body.lower()
    assert page.evaluate("() => localStorage.getItem('metogpt_token')") in (None, "")
    screenshot(page, "share-link")

    assert http.delete(f"/api/shares/{link['token']}", headers=headers).status_code == 204
    gone = page.goto(path)
    assert gone is not None and gone.status == 404
    assert "revoked" in page.locator("body").inner_text()
