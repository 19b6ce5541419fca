"""Issue 13: the conversation list — grouped by date, titles cut with an ellipsis inside
the 260 px column, every row's "…" menu reachable by pointer and keyboard with its box on
screen, nothing scrolling sideways; a drawer on phones, with the composer always on screen;
delete confirmed, then undoable for a few seconds; a search without matches says so."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect

from metogpt.i18n import MESSAGES
from tests.e2e.chat_pages import (
    PHONE,
    SIZES,
    inside,
    inside_viewport,
    no_sideways_scroll,
    open_chat,
    seed,
    set_locale,
)
from tests.e2e.helpers import Screenshot, member
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e

LONG = "A conversation whose title is far too long for the sidebar's two hundred sixty pixels"
AGES = [0, 1, 3, 20, 75]  # today, yesterday, previous 7 days, previous 30 days, a month
GROUPS = {
    "en": ["Today", "Yesterday", "Previous 7 days", "Previous 30 days"],
    "ru": ["Сегодня", "Вчера", "Предыдущие 7 дней", "Предыдущие 30 дней"],
}


def _month(lang: str, days_ago: int) -> str:
    when = datetime.now(UTC) - timedelta(days=days_ago)
    names = MESSAGES["chatnav.months"][0 if lang == "en" else 1].split(",")
    return f"{names[when.month - 1]} {when.year}"


def _list_does_not_scroll_sideways(page: Page) -> None:
    scroll = page.locator("#conv-list").evaluate(
        "e => [e.scrollLeft, e.scrollWidth - e.clientWidth]"
    )
    assert scroll == [0, 0], scroll


@pytest.mark.parametrize(
    ("size", "lang"), [("desktop", "en"), ("desktop", "ru"), ("phone", "en"), ("phone", "ru")]
)
def test_groups_ellipsis_and_every_rows_menu_by_pointer_and_keyboard(
    new_page: Callable[[], Page],
    http: httpx.Client,
    app_server: AppServer,
    size: str,
    lang: str,
    screenshot: Screenshot,
) -> None:
    person = member(http, app_server, "USER", 100)
    set_locale(app_server, person.email, lang)
    ids = [
        seed(app_server, person.email, f"{LONG} #{i}", f"Text {i}", age)
        for i, age in enumerate(AGES)
    ]
    page = new_page()
    page.set_viewport_size(SIZES[size])
    open_chat(page, person)
    sidebar = page.locator("#sidebar")
    if size == "phone":
        expect(sidebar).to_be_hidden()  # a drawer, closed
        inside_viewport(page, page.locator("#drawer-toggle"))
        page.click("#drawer-toggle")
        expect(sidebar).to_be_visible()
        page.wait_for_timeout(300)  # the slide-in
        inside_viewport(page, sidebar)
    else:
        assert sidebar.bounding_box()["width"] == 260  # type: ignore[index]

    expect(page.locator(".conv-group")).to_have_text([*GROUPS[lang], _month(lang, AGES[-1])])
    rows = page.locator(".conversation")
    expect(rows).to_have_count(len(AGES))
    for i in range(len(AGES)):
        title, menu = rows.nth(i).locator(".conv-title"), rows.nth(i).locator(".conv-menu")
        assert title.evaluate("e => e.scrollWidth > e.clientWidth")  # cut ...
        assert title.evaluate("e => getComputedStyle(e).textOverflow") == "ellipsis"  # ... with …
        inside(sidebar, title)
        inside(sidebar, menu)
        inside_viewport(page, menu)
    _list_does_not_scroll_sideways(page)
    no_sideways_scroll(page)
    screenshot(page, f"chat-sidebar-{size}-{lang}")

    # Keyboard: from the search box, Tab reaches each row's link, then its "…" button.
    page.locator("#conv-search").focus()
    for i in range(len(AGES)):
        page.keyboard.press("Tab")
        expect(rows.nth(i).locator(".conv-title")).to_be_focused()
        page.keyboard.press("Tab")
        expect(rows.nth(i).locator(".conv-menu")).to_be_focused()
        page.keyboard.press("Enter")
        menu = page.get_by_role("menu")
        expect(menu.locator(".conv-rename")).to_be_visible()
        expect(menu.locator(".conv-delete")).to_be_visible()
        inside_viewport(page, menu)
        page.keyboard.press("Escape")
        expect(menu).to_have_count(0)
        _list_does_not_scroll_sideways(page)
    # Pointer: the last row's menu, at the bottom of the list.
    rows.last.locator(".conv-menu").click()
    menu = page.get_by_role("menu")
    expect(menu.locator(".conv-delete")).to_be_visible()
    inside_viewport(page, menu)
    screenshot(page, f"chat-row-menu-{size}-{lang}")
    page.keyboard.press("Escape")

    page.fill("#conv-search", "nothing like this anywhere")
    no_match = {"en": "No matching conversations", "ru": "Подходящих разговоров нет"}[lang]
    expect(page.locator("#conv-empty")).to_have_text(no_match)
    page.fill("#conv-search", "")
    expect(rows).to_have_count(len(AGES))

    rows.nth(2).locator(".conv-title").click()  # picking one opens it (and closes the drawer)
    expect(page).to_have_url(re.compile(f"/c/{ids[2]}$"))
    expect(page.locator(".msg-user .msg-text")).to_have_text("Text 2")
    if size == "phone":
        expect(sidebar).to_be_hidden()
    inside_viewport(page, page.locator("#composer"))
    no_sideways_scroll(page)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_on_a_phone_only_the_messages_scroll_and_the_composer_stays_on_screen(
    new_page: Callable[[], Page],
    http: httpx.Client,
    app_server: AppServer,
    lang: str,
    screenshot: Screenshot,
) -> None:
    person = member(http, app_server, "USER", 100)
    set_locale(app_server, person.email, lang)
    long_text = "\n\n".join(f"Paragraph {n}: " + "words " * 30 for n in range(40))
    conv = seed(app_server, person.email, "A long one", long_text)
    page = new_page()
    page.set_viewport_size(PHONE)
    open_chat(page, person)
    page.goto(f"/c/{conv}")
    expect(page.locator(".msg-user")).to_have_count(1)
    composer = page.locator("#composer")
    inside_viewport(page, composer)
    inside_viewport(page, page.locator("#send"))
    # One scroll area: neither the document nor the page body scrolls, the messages do.
    assert page.evaluate(
        "document.documentElement.scrollHeight <= document.documentElement.clientHeight"
    )
    body = page.locator("#page-body").evaluate("e => e.scrollHeight <= e.clientHeight")
    assert body
    no_sideways_scroll(page)
    composer.click()
    inside_viewport(page, composer)
    screenshot(page, f"chat-phone-long-{lang}")


@pytest.mark.parametrize(("size", "lang"), [("desktop", "en"), ("phone", "ru")])
def test_delete_asks_first_then_offers_undo_for_a_few_seconds(
    new_page: Callable[[], Page],
    http: httpx.Client,
    app_server: AppServer,
    size: str,
    lang: str,
    screenshot: Screenshot,
) -> None:
    person = member(http, app_server, "USER", 100)
    set_locale(app_server, person.email, lang)
    seed(app_server, person.email, "Keep this one", "Kept text", 1)
    doomed = seed(app_server, person.email, "Delete me please", "Doomed text")
    page = new_page()
    page.set_viewport_size(SIZES[size])
    open_chat(page, person)
    page.goto(f"/c/{doomed}")
    expect(page.locator(".msg-user .msg-text")).to_have_text("Doomed text")
    rows = page.locator(".conversation")

    def ask() -> None:
        if size == "phone" and not page.locator("#sidebar").is_visible():
            page.click("#drawer-toggle")  # the drawer stays open after a cancel
        rows.filter(has_text="Delete me please").locator(".conv-menu").click()
        page.locator(".conv-delete").click()
        dialog = page.get_by_role("alertdialog")
        expect(dialog).to_contain_text(
            {"en": "Delete this conversation?", "ru": "Удалить этот разговор?"}[lang]
        )
        expect(dialog).to_contain_text("Delete me please")
        inside_viewport(page, dialog)

    ask()
    page.click("#delete-cancel")
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(rows).to_have_count(2)

    ask()
    screenshot(page, f"chat-delete-confirm-{size}-{lang}")
    page.click("#delete-confirm")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/$"))  # the open conversation went: a new chat
    undo = page.locator("#undo-bar")
    expect(undo).to_contain_text({"en": "Conversation deleted", "ru": "Разговор удалён"}[lang])
    inside_viewport(page, undo)
    no_sideways_scroll(page)
    screenshot(page, f"chat-undo-{size}-{lang}")
    undo.get_by_role("button").click()
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(f"/c/{doomed}$"))  # back where the user was
    expect(page.locator(".msg-user .msg-text")).to_have_text("Doomed text")

    ask()
    page.click("#delete-confirm")
    expect(undo).to_be_visible()
    expect(undo).to_be_hidden(timeout=10_000)  # offered for a few seconds only
    page.reload()
    expect(page.locator(".conversation")).to_have_count(1)
    page.goto(f"/c/{doomed}")
    expect(page.locator("#not-found")).to_be_visible()
