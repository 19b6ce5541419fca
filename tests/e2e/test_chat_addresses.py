"""Issue 13: every conversation has its address (/c/{id}, / for a new one); opening,
creating and switching push history, so Back, Forward and reload show the right one; an
address that is not one of the user's conversations shows "not found" and nothing of it;
every page has its own title, in the user's language."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.e2e.chat_pages import (
    DESKTOP,
    PHONE,
    no_sideways_scroll,
    open_chat,
    seed,
    set_locale,
)
from tests.e2e.helpers import Screenshot, member, sign_in
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e

NEW_CHAT = re.compile(r"/$")
A_CONVERSATION = re.compile(r"/c/[0-9a-f]+$")


def _send(page: Page, text: str) -> None:
    page.fill("#composer", text)
    page.locator("#composer").press("Enter")
    expect(page.locator(".msg-assistant[data-status=done]")).to_have_count(1)


def _shows(page: Page, text: str) -> None:
    expect(page.locator(".msg-user .msg-text")).to_have_text([text])


def test_addresses_back_forward_reload_and_deep_links(
    new_page: Callable[[], Page],
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
    screenshot: Screenshot,
) -> None:
    person = member(http, app_server, "USER", 5000)
    page = new_page()
    open_chat(page, person)
    expect(page).to_have_url(NEW_CHAT)
    expect(page).to_have_title("MetoGPT")

    fake_provider.behavior = FakeBehavior(reply_text="About giraffes")
    _send(page, "Tell me about giraffes")  # creating the conversation gives it its address
    expect(page).to_have_url(A_CONVERSATION)
    giraffes = page.url
    expect(page).to_have_title("Tell me about giraffes")

    page.click("#new-chat")
    expect(page).to_have_url(NEW_CHAT)
    expect(page.locator(".msg")).to_have_count(0)
    expect(page).to_have_title("MetoGPT")
    fake_provider.behavior = FakeBehavior(reply_text="About otters")
    _send(page, "Tell me about otters")
    expect(page).to_have_url(A_CONVERSATION)
    otters = page.url
    assert otters != giraffes

    page.locator(".conversation", has_text="giraffes").locator(".conv-title").click()
    expect(page).to_have_url(giraffes)
    _shows(page, "Tell me about giraffes")

    page.go_back()
    expect(page).to_have_url(otters)
    _shows(page, "Tell me about otters")
    expect(page).to_have_title("Tell me about otters")
    page.go_back()
    expect(page).to_have_url(NEW_CHAT)
    expect(page.locator(".msg")).to_have_count(0)
    page.go_forward()
    expect(page).to_have_url(otters)
    _shows(page, "Tell me about otters")
    page.go_forward()
    expect(page).to_have_url(giraffes)
    _shows(page, "Tell me about giraffes")

    page.reload()
    expect(page).to_have_url(giraffes)
    _shows(page, "Tell me about giraffes")
    expect(page.locator(".msg-assistant .msg-text")).to_have_text("About giraffes")

    # A deep link in another browser: after signing in, the address opens that conversation.
    other = new_page()
    open_chat(other, person)
    other.goto(otters)
    _shows(other, "Tell me about otters")
    expect(other).to_have_title("Tell me about otters")
    screenshot(other, "chat-deep-link")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_someone_elses_or_an_unknown_conversation_is_not_found(
    new_page: Callable[[], Page],
    http: httpx.Client,
    app_server: AppServer,
    lang: str,
    screenshot: Screenshot,
) -> None:
    owner = member(http, app_server, "USER", 100)
    secret = seed(app_server, owner.email, "Owner's secret plans", "The launch code is 7731")
    intruder = member(http, app_server, "USER", 100)
    set_locale(app_server, intruder.email, lang)
    page = new_page()
    page.set_viewport_size(DESKTOP if lang == "en" else PHONE)
    open_chat(page, intruder)
    heading = {"en": "Conversation not found", "ru": "Разговор не найден"}[lang]
    title = {"en": "Not found · MetoGPT", "ru": "Не найдено · MetoGPT"}[lang]
    for address in (f"/c/{secret}", "/c/0123456789abcdef0123456789abcdef", "/c/not-an-id"):
        page.goto(address)
        expect(page.locator("#not-found")).to_contain_text(heading)
        expect(page).to_have_title(title)
        expect(page.locator("#chat-bottom")).to_be_hidden()
        html = page.content()
        assert "secret plans" not in html and "7731" not in html
        no_sideways_scroll(page)
    screenshot(page, f"chat-not-found-{lang}")
    # The owner sees it at the same address.
    page = new_page()
    open_chat(page, owner)
    page.goto(f"/c/{secret}")
    _shows(page, "The launch code is 7731")
    expect(page).to_have_title("Owner's secret plans")


@pytest.mark.parametrize(("lang", "size"), [("en", DESKTOP), ("ru", PHONE)])
def test_every_page_has_its_title(
    new_page: Callable[[], Page],
    http: httpx.Client,
    app_server: AppServer,
    lang: str,
    size: ViewportSize,
    screenshot: Screenshot,
) -> None:
    titles = {
        "en": ("Sign in · MetoGPT", "MetoGPT", "Account · MetoGPT", "Admin · MetoGPT"),
        "ru": ("Вход · MetoGPT", "MetoGPT", "Аккаунт · MetoGPT", "Администрирование · MetoGPT"),
    }[lang]
    admin = member(http, app_server, "ADMIN", 100)
    set_locale(app_server, admin.email, lang)
    page = new_page()
    page.set_viewport_size(size)
    page.goto("/login")
    expect(page.locator("#login-submit")).to_be_enabled()
    if lang == "ru":
        page.locator("#lang-switch").click()
    expect(page).to_have_title(titles[0])
    no_sideways_scroll(page)
    screenshot(page, f"login-{lang}-{size['width']}")
    sign_in(page, admin.email, admin.password)
    expect(page.locator("#composer")).to_be_visible()
    expect(page).to_have_title(titles[1])
    no_sideways_scroll(page)
    page.goto("/account")
    expect(page).to_have_title(titles[2])
    no_sideways_scroll(page)
    screenshot(page, f"account-{lang}-{size['width']}")
    page.goto("/admin")
    expect(page).to_have_title(titles[3])
