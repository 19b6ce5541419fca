"""Signing in keeps the deep link: a signed-out visitor who opens a conversation, the account
page or the dashboard is sent to sign in and, once signed in, lands on the page they asked
for (its query included). Only paths of this site: a crafted `next` naming another host
leads to the chat. At 1280×800 and 390×844, in English and Russian."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.e2e.chat_pages import DESKTOP, PHONE, no_sideways_scroll, seed, set_locale
from tests.e2e.helpers import Person, Screenshot, member
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e

SCREENS = pytest.mark.parametrize(
    ("size", "lang"),
    [(DESKTOP, "en"), (PHONE, "ru"), (PHONE, "en"), (DESKTOP, "ru")],
    ids=["desktop-en", "phone-ru", "phone-en", "desktop-ru"],
)
SIGN_IN = {"en": "Sign in", "ru": "Войти"}


def _visitor(new_page: Callable[[], Page], size: ViewportSize) -> Page:
    page = new_page()
    page.set_viewport_size(size)
    return page


def _member(http: httpx.Client, app_server: AppServer, lang: str) -> Person:
    """A user whose language (applied when they sign in) is `lang`."""
    person = member(http, app_server, "USER", 1000)
    set_locale(app_server, person.email, lang)
    return person


def _sign_in_here(page: Page, email: str, password: str) -> None:
    """Fill the sign-in form the page was sent to (not a fresh /login)."""
    submit = page.locator("#login-submit")
    expect(submit).to_be_enabled()  # hydrated: the click reaches the app
    page.fill("#email", email)
    page.fill("#password", password)
    submit.click()


def _sent_to_sign_in(page: Page, wanted: str) -> None:
    """On the sign-in page, with `wanted` (its path as served: a page's path may end with a
    "/") as where to go next."""
    path, _, query = wanted.partition("?")
    rest = quote(f"?{query}") if query else ""
    target = re.escape(quote(path, safe="/")) + "/?" + re.escape(rest)
    expect(page).to_have_url(re.compile(rf"/login/?\?next={target}$"))
    expect(page.locator("#login-submit")).to_be_visible()


def _use_language(page: Page, lang: str) -> None:
    switch = page.locator("#lang-switch")
    expect(switch).to_have_text(re.compile("^(Русский|English)$"))
    if (switch.inner_text() == "English") != (lang == "ru"):
        switch.click()
    expect(switch).to_have_text("English" if lang == "ru" else "Русский")


@SCREENS
def test_signing_in_lands_on_the_conversation_asked_for(
    new_page: Callable[[], Page],
    http: httpx.Client,
    app_server: AppServer,
    screenshot: Screenshot,
    size: ViewportSize,
    lang: str,
) -> None:
    person = _member(http, app_server, lang)
    conv_id = seed(app_server, person.email, "Deep link", "Where the link pointed")
    page = _visitor(new_page, size)

    page.goto(f"/c/{conv_id}")
    _sent_to_sign_in(page, f"/c/{conv_id}")
    _use_language(page, lang)
    expect(page.locator("#login-submit")).to_have_text(SIGN_IN[lang])
    no_sideways_scroll(page)
    screenshot(page, f"sign-in-next-{lang}-{'phone' if size == PHONE else 'desktop'}")
    _sign_in_here(page, person.email, person.password)

    expect(page).to_have_url(re.compile(rf"/c/{conv_id}$"))
    expect(page.locator(".msg-user .msg-text")).to_have_text(["Where the link pointed"])
    page.reload()  # the address is the conversation's own
    expect(page.locator(".msg-user .msg-text")).to_have_text(["Where the link pointed"])


@pytest.mark.parametrize(("size", "lang"), [(DESKTOP, "en"), (PHONE, "ru")], ids=["en", "ru"])
def test_the_account_page_and_the_dashboard_keep_their_address_and_query(
    new_page: Callable[[], Page],
    http: httpx.Client,
    app_server: AppServer,
    size: ViewportSize,
    lang: str,
) -> None:
    person = _member(http, app_server, lang)
    page = _visitor(new_page, size)
    page.goto("/account?tab=keys")
    _sent_to_sign_in(page, "/account?tab=keys")
    _sign_in_here(page, person.email, person.password)
    expect(page).to_have_url(re.compile(r"/account/?\?tab=keys$"))
    expect(page.locator("#account-email")).to_have_text(person.email)

    admin = _visitor(new_page, size)
    admin.goto("/admin")
    _sent_to_sign_in(admin, "/admin")
    _sign_in_here(admin, app_server.admin_email, app_server.admin_password)
    expect(admin).to_have_url(re.compile(r"/admin/?$"))
    expect(admin.locator(".user-row").first).to_be_visible()

    # already signed in: the sign-in page with a `next` goes straight there
    page.goto("/login?next=/admin")
    expect(page).to_have_url(re.compile(r"/admin/?$"))


@pytest.mark.parametrize(
    "target",
    ["//evil.example.com/c/x", "https://evil.example.com", "/\\evil.example.com", "javascript:1"],
)
def test_a_crafted_next_naming_another_site_leads_to_the_chat(
    new_page: Callable[[], Page], http: httpx.Client, app_server: AppServer, target: str
) -> None:
    person = member(http, app_server, "USER", 1000)
    page = new_page()
    leaving: list[str] = []
    page.on(
        "request", lambda r: leaving.append(r.url) if "evil" in urlsplit(r.url).netloc else None
    )
    page.goto(f"/login?next={quote(target, safe='')}")
    _sign_in_here(page, person.email, person.password)
    expect(page).to_have_url(re.compile(r"^" + re.escape(app_server.base_url) + r"/$"))
    expect(page.locator("#composer")).to_be_visible()
    assert urlsplit(page.url).netloc == urlsplit(app_server.base_url).netloc
    assert leaving == []


def test_registering_from_a_deep_link_keeps_it(
    new_page: Callable[[], Page], app_server: AppServer
) -> None:
    person = Person.new("deep")
    page = new_page()
    page.goto("/account")
    _sent_to_sign_in(page, "/account")
    page.click("#to-register")
    expect(page).to_have_url(re.compile(r"/register/?\?next=/account/?$"))
    submit = page.locator("#register-submit")
    expect(submit).to_be_enabled()
    for name, value in (
        ("email", person.email),
        ("username", person.username),
        ("name", person.name),
        ("password", person.password),
    ):
        page.fill(f"#{name}", value)
    submit.click()
    expect(page).to_have_url(re.compile(r"/account/?$"))
    expect(page.locator("#account-email")).to_have_text(person.email)
