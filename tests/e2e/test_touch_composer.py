"""On a touch screen Enter adds a line to the message (its keyboard has no Shift+Enter) and
Send sends it. With a keyboard Enter sends (the other chat tests send that way)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlmodel import col, select

from metogpt.models import Conversation, Message, User
from tests.e2e.chat_pages import PHONE, open_chat, set_locale
from tests.e2e.helpers import Screenshot, app_session, member
from tests.fixtures.fake_providers import FakeProviderServer
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_on_a_touch_screen_enter_adds_a_line_and_send_sends(
    new_page: Callable[..., Page],
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
    screenshot: Screenshot,
    lang: str,
) -> None:
    person = member(http, app_server, "USER", 1000)
    # seen light in English, dark in Russian
    set_locale(app_server, person.email, lang, "dark" if lang == "ru" else "light")
    page = new_page(viewport=PHONE, has_touch=True, is_mobile=True)
    assert page.evaluate("matchMedia('(pointer: coarse)').matches")
    open_chat(page, person)
    composer = page.locator("#composer")
    placeholder = {"en": "Message MetoGPT…", "ru": "Сообщение для MetoGPT…"}[lang]
    expect(composer).to_have_attribute("placeholder", placeholder)
    composer.tap()
    composer.press_sequentially("first line")
    composer.press("Enter")
    composer.press_sequentially("second line")
    expect(composer).to_have_value("first line\nsecond line")
    screenshot(page, f"touch-composer-{lang}")
    expect(page.locator(".msg-user")).to_have_count(0)  # Enter sent nothing

    page.locator("#send").tap()
    expect(page.locator(".msg-user .msg-text")).to_have_text("first line\nsecond line")
    expect(page.locator(".msg-assistant[data-status=done]")).to_have_count(1)
    expect(composer).to_have_value("")
    with app_session(app_server) as session:
        user = session.exec(select(User).where(User.email == person.email)).one()
        sent = session.exec(
            select(Message.content)
            .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
            .where(col(Conversation.user_id) == user.id, col(Message.role) == "user")
        ).all()
    assert sent == ["first line\nsecond line"]
