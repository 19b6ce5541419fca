"""Presets, archive, share and import in Chromium (issue 16): a preset saved from the chat
is picked and applied (the fake provider receives its temperature and max tokens); a
preset whose model the role lost shows unavailable and cannot be picked; the sidebar's
menu archives, restores and shares; the account page imports a file and revokes a link."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import Person, Screenshot, admin_headers, sign_in, user_headers
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e
EXPORTS = Path(__file__).parent.parent / "fixtures" / "exports"


def _member_of_new_role(http: httpx.Client, app_server: AppServer) -> tuple[Person, str]:
    """A user (balance 5000) with a role of their own: gpt-3.5-turbo and gpt-4."""
    admin = admin_headers(http, app_server)
    role = f"Trav{uuid.uuid4().hex[:8]}"
    access = {
        "gpt-3.5-turbo": {"enabled": True, "coefficient": 1},
        "gpt-4": {"enabled": True, "coefficient": 1},
    }
    made = http.post(
        "/api/admin/roles",
        json={"name": role, "permissions": {}, "modelAccess": access},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    person = Person.new("trav")
    user_id = person.register_via_api(http)
    assert http.put(
        f"/api/admin/users/{user_id}/role", json={"role": role}, headers=admin
    ).is_success
    balance = {"balance": 5000, "reason": "e2e"}
    assert http.put(f"/api/admin/users/{user_id}/balance", json=balance, headers=admin).is_success
    return person, role  # fmt: skip


def test_a_preset_is_saved_picked_and_applied(
    page: Page,
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
    screenshot: Screenshot,
) -> None:
    person, role = _member_of_new_role(http, app_server)
    fake_provider.behavior = FakeBehavior(reply_tokens=5, prompt_tokens=10)
    sign_in(page, person.email, person.password)
    expect(page.locator("#composer")).to_be_visible()
    page.click("#model-select")
    page.get_by_role("option", name="gpt-4 · ×1").click()

    page.click("#preset-menu")
    page.click("#preset-save")
    page.fill("#preset-name", "Precise")
    page.fill("#preset-temperature", "0.3")
    page.fill("#preset-max-tokens", "64")
    page.click("#preset-submit")
    expect(page.locator("#preset-name")).to_have_count(0)  # the dialog closed: saved

    page.click("#model-select")
    page.get_by_role("option", name="gpt-3.5-turbo · ×1").click()
    page.click("#preset-menu")
    screenshot(page, "presets-menu")
    page.locator(".preset-item[data-name=Precise]").click()
    expect(page.locator("#preset-menu")).to_contain_text("Precise")
    expect(page.locator("#model-select")).to_contain_text("gpt-4")  # the preset's model
    before = fake_provider.request_count
    page.fill("#composer", "Hello with a preset")
    page.locator("#composer").press("Enter")
    expect(page.locator(".msg-assistant[data-status=done]")).to_have_count(1)
    body = fake_provider.requests[before]["body"]
    assert body["model"] == "gpt-4" and body["temperature"] == 0.3 and body["max_tokens"] == 64

    # The role loses gpt-4: the preset stays, shown unavailable, and cannot start a chat.
    admin = admin_headers(http, app_server)
    access = {
        "gpt-3.5-turbo": {"enabled": True, "coefficient": 1},
        "gpt-4": {"enabled": False, "coefficient": 1},
    }
    lost = http.put(f"/api/admin/roles/{role}", json={"modelAccess": access}, headers=admin)
    assert lost.is_success, lost.text
    presets = http.get("/api/presets", headers=user_headers(http, person)).json()["presets"]
    assert [(p["name"], p["available"]) for p in presets] == [("Precise", False)]
    page.reload()
    expect(page.locator("#composer")).to_be_visible()
    page.click("#preset-menu")
    item = page.locator(".preset-item[data-name=Precise]")
    expect(item).to_have_attribute("data-available", "false")
    expect(item).to_contain_text("unavailable")
    expect(item).to_have_attribute("data-disabled", "")
    screenshot(page, "presets-unavailable")


def test_archive_share_and_import_from_the_browser(
    new_page, http: httpx.Client, screenshot: Screenshot
) -> None:
    person = Person.new("travui")
    person.register_via_api(http)
    headers = user_headers(http, person)
    files = {
        "file": ("lc.json", (EXPORTS / "librechat_export.json").read_bytes(), "application/json")
    }
    assert http.post("/api/conversations/import", files=files, headers=headers).is_success

    page: Page = new_page()
    sign_in(page, person.email, person.password)
    row = page.locator(".conversation").filter(has_text="Rivers")
    expect(row).to_have_count(1)
    row.locator(".conv-menu").click()
    screenshot(page, "sidebar-menu")
    page.locator(".conv-share").click()
    expect(page.locator("#share-url")).to_have_value(re.compile(r"/s/[A-Za-z0-9_-]+$"))
    url = page.locator("#share-url").input_value()
    page.keyboard.press("Escape")

    row.locator(".conv-menu").click()
    page.locator(".conv-archive").click()
    expect(page.locator(".conversation").filter(has_text="Rivers")).to_have_count(0)
    page.click("#archived-open")
    archived = page.locator(".archived-row[data-title=Rivers]")
    expect(archived).to_have_count(1)
    screenshot(page, "archived-view")
    archived.locator(".archived-restore").click()
    expect(page.locator(".archived-row")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(page.locator(".conversation").filter(has_text="Rivers")).to_have_count(1)

    page.goto("/account")
    expect(page.locator(".share-row")).to_have_count(1)
    page.locator("#import-upload input[type=file]").set_input_files(
        str(EXPORTS / "chatgpt_conversations.json")
    )
    expect(page.locator("#import-report")).to_contain_text("Imported: 1.")
    expect(page.locator("#import-report")).to_contain_text("Only a hidden system message")
    screenshot(page, "account-travel")
    page.locator(".share-revoke").click()
    expect(page.locator(".share-row")).to_have_count(0)
    assert http.get(url).status_code == 404


_OVERFLOW = (
    "Math.max(document.documentElement.scrollWidth - window.innerWidth,"
    " (b => b ? b.scrollWidth - b.clientWidth : 0)(document.getElementById('page-body')))"
)


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_travel_screens_in_both_languages(
    new_page, http: httpx.Client, screenshot: Screenshot, width: int, height: int
) -> None:
    person = Person.new("travlang")
    person.register_via_api(http)
    headers = user_headers(http, person)
    files = {
        "file": ("lc.json", (EXPORTS / "librechat_export.json").read_bytes(), "application/json")
    }
    conv = http.post("/api/conversations/import", files=files, headers=headers).json()
    token = http.post(
        f"/api/conversations/{conv['conversations'][0]}/share", headers=headers
    ).json()["token"]
    page: Page = new_page()
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, person.email, person.password)
    expect(page.locator("#composer")).to_be_visible()
    size = "desktop" if width > 500 else "phone"
    for lang, label in (("en", "Presets"), ("ru", "Пресеты")):
        if lang == "ru":
            page.click("#lang-switch")
        page.goto("/")
        expect(page.locator("#preset-menu")).to_contain_text(label)
        page.click("#preset-menu")
        page.click("#preset-save")
        expect(page.locator("#preset-name")).to_be_visible()
        assert page.evaluate(_OVERFLOW) <= 1, f"the chat overflows at {width}px"
        screenshot(page, f"preset-dialog-{lang}-{size}")
        page.keyboard.press("Escape")
        page.goto("/account")
        expect(page.locator(".share-row")).to_have_count(1)
        assert page.evaluate(_OVERFLOW) <= 1, f"the account page overflows at {width}px"
        screenshot(page, f"account-travel-{lang}-{size}")
        page.goto(f"/s/{token}")
        expect(page.locator(".share-title")).to_have_text("Rivers")
        assert page.evaluate(_OVERFLOW) <= 1, f"the share page overflows at {width}px"
        screenshot(page, f"share-page-{lang}-{size}")  # fmt: skip
