"""/account's API keys in Chromium, desktop and phone, English and Russian: a key is
created, its secret shown once (and works on /v1), listed by its prefix, and revoked after
a confirmation (and refused on /v1 from then on)."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import Person, Screenshot, sign_in

pytestmark = pytest.mark.e2e

HOME = re.compile(r"/$")
TEXTS = {
    "en": {"create": "Create key", "revoke": "Revoke", "title": "Revoke this key?"},
    "ru": {"create": "Создать ключ", "revoke": "Отозвать", "title": "Отозвать этот ключ?"},
}


def _models(http: httpx.Client, secret: str) -> int:
    return http.get("/v1/models", headers={"Authorization": f"Bearer {secret}"}).status_code


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_create_see_once_list_and_revoke_a_key(
    page: Page, http: httpx.Client, screenshot: Screenshot, lang: str, size: tuple[int, int]
) -> None:
    person = Person.new("keys")
    person.register_via_api(http)
    sign_in(page, person.email, person.password)
    expect(page).to_have_url(HOME)
    if lang == "ru":
        page.locator("#lang-switch").click()
        expect(page.locator("#lang-switch")).to_have_text("English")
    page.locator("#account-link").click()  # (the phone's header keeps it in its menu)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    texts = TEXTS[lang]
    expect(page.locator("#keys-empty")).to_be_visible()
    create = page.locator("#key-create")
    expect(create).to_be_enabled()
    expect(create).to_have_text(texts["create"])
    create.click()
    page.fill("#key_name", "my script")
    page.locator("#key-create-submit").click()

    secret_box = page.locator("#key-secret")
    expect(secret_box).to_have_text(re.compile(r"^mgpt-[A-Za-z0-9_-]{43}$"))
    secret = secret_box.inner_text()
    tag = f"{lang}-{'phone' if size[0] < 500 else 'desktop'}"
    screenshot(page, f"account-keys-secret-{tag}")
    assert _models(http, secret) == 200
    page.locator("#key-secret-done").click()
    expect(secret_box).to_have_count(0)
    # shown once: not on the page any more, only its prefix
    assert secret not in page.content()
    row = page.locator(".key-row")
    expect(row).to_have_count(1)
    expect(row.locator(".key-prefix")).to_have_text(secret[:12] + "…")
    expect(row).to_contain_text("my script")
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    screenshot(page, f"account-keys-list-{tag}")

    row.locator(".key-revoke").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(texts["title"])
    expect(dialog).to_contain_text(secret[:12])
    page.locator("#key-revoke-confirm").click()
    expect(page.locator(".key-row")).to_have_count(0)
    expect(page.locator("#keys-empty")).to_be_visible()
    assert _models(http, secret) == 401
