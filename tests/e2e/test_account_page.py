"""/account in Chromium: a user changes their password (errors shown by the form, in the
user's language), signs out, and signs in with the new one; the sign-out also revoked the
token the browser held (issue 12)."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import Person, Screenshot, sign_in
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e

HOME = re.compile(r"/$")
ACCOUNT = re.compile(r"/account/?$")
LOGIN = re.compile(r"/login/?$")


def _change(page: Page, current: str, new: str) -> None:
    page.fill("#current_password", current)
    page.fill("#new_password", new)
    page.locator("#password-submit").click()


def _token(page: Page) -> str:
    return page.evaluate("() => localStorage.getItem('metogpt_token')")


def test_a_user_changes_the_password_and_signs_in_with_it(
    page: Page, http: httpx.Client, screenshot: Screenshot
) -> None:
    person = Person.new("pw")
    person.register_via_api(http)
    sign_in(page, person.email, person.password)
    expect(page).to_have_url(HOME)
    page.locator("#account-link").click()
    expect(page).to_have_url(ACCOUNT)
    expect(page.locator("#account-email")).to_have_text(person.email)
    expect(page.locator("#password-submit")).to_be_enabled()

    _change(page, "not-my-password", "brand-new-password")
    expect(page.get_by_role("alert")).to_have_text("The current password is wrong.")
    _change(page, person.password, person.email.upper())
    expect(page.get_by_role("alert")).to_have_text("The password must not be your email.")

    _change(page, person.password, "brand-new-password")
    expect(page.locator("#password-changed")).to_have_text("Your password has been changed.")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.locator("#current_password")).to_have_value("")  # not left on screen

    token = _token(page)
    assert http.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).is_success
    page.locator("#logout").click()
    expect(page).to_have_url(LOGIN)
    # The token the tab held is dead on the server, not only forgotten by the browser.
    revoked = http.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401 and revoked.json()["error"] == "token_revoked"

    sign_in(page, person.email, person.password)
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    sign_in(page, person.email, "brand-new-password")
    expect(page).to_have_url(HOME)
    expect(page.locator("#user-name")).to_have_text(person.name)


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_account_page_screenshots(
    browser: Browser,
    app_server: AppServer,
    http: httpx.Client,
    screenshot: Screenshot,
    lang: str,
    size: tuple[int, int],
) -> None:
    person = Person.new("look")
    person.register_via_api(http)
    width, height = size
    context = browser.new_context(
        viewport={"width": width, "height": height}, base_url=app_server.base_url
    )
    try:
        page = context.new_page()
        sign_in(page, person.email, person.password)
        expect(page).to_have_url(HOME)
        # Signed in once the chat shows the balance (the token is stored by then).
        expect(page.get_by_text("2000", exact=True)).to_be_visible()
        if lang == "ru":
            page.locator("#lang-switch").click()
            expect(page.locator("#lang-switch")).to_have_text("English")
        page.goto("/account")
        expect(page.locator("#password-submit")).to_be_enabled()
        _change(page, "wrong-password-1", "brand-new-password")
        wrong = {"en": "The current password is wrong.", "ru": "Текущий пароль указан неверно."}
        expect(page.get_by_role("alert")).to_have_text(wrong[lang])
        screenshot(page, f"account-{lang}-{width}")
        if width < 768:  # the phone's menu leads to the page too
            page.locator("#mobile-nav").click()
            name = {"en": "Account", "ru": "Аккаунт"}[lang]
            expect(page.get_by_role("menuitem", name=name)).to_be_visible()
    finally:
        context.close()
