"""Shared by the dashboard's e2e tests: the screen sizes and languages they run at (and
their names in screenshots), the admin's page at one of them (`open_admin`), a user's row
found by a search, and the checks on geometry."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.helpers import sign_in
from tests.support.server import AppServer

DESKTOP, PHONE = (1280, 800), (390, 844)
SCREENS = pytest.mark.parametrize(
    ("size", "lang"),
    [(DESKTOP, "en"), (PHONE, "ru"), (PHONE, "en"), (DESKTOP, "ru")],
    ids=["desktop-en", "phone-ru", "phone-en", "desktop-ru"],
)

# Elements inside the page that scroll sideways (or the page itself): none may.
SIDEWAYS = """() => {
  const out = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) out.push('html ' + root.scrollWidth);
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (!['auto', 'scroll'].includes(style.overflowX)) continue;
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
      out.push((el.id || el.className || el.tagName) + ' ' + el.scrollWidth + '>' + el.clientWidth);
  }
  return out;
}"""


def no_sideways_scroll(page: Page, where: str) -> None:
    body = page.evaluate(
        "(b => b.scrollWidth - b.clientWidth)(document.getElementById('page-body'))"
    )
    assert body <= 1, f"{where}: the page body scrolls sideways by {body}px"
    scrollers = page.evaluate(SIDEWAYS)
    assert scrollers == [], f"{where}: scrolls sideways: {scrollers}"


def inside_viewport(page: Page, locator: Locator, what: str, vertical: bool = True) -> None:
    # measured once its opening animation (a dialog's zoom, a toast's slide) is over
    locator.evaluate("el => Promise.all(el.getAnimations().map(a => a.finished))")
    box = locator.bounding_box()
    assert box is not None, f"{what} is not rendered"
    width, height = page.viewport_size["width"], page.viewport_size["height"]  # type: ignore[index]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, f"{what}: {box}"
    if vertical:
        assert box["y"] >= 0 and box["y"] + box["height"] <= height + 0.5, f"{what}: {box}"


def open_admin(
    new_page: Callable[[], Page], app_server: AppServer, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """The admin on /admin at the test's screen size and in its language; the language is
    put back afterwards (it is remembered on the admin's account)."""
    (width, height), lang = (
        request.node.callspec.params["size"],
        request.node.callspec.params["lang"],
    )
    page = new_page()
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, app_server.admin_email, app_server.admin_password)
    expect(page.locator("#composer")).to_be_visible()
    page.goto("/admin")
    expect(page.locator(".user-row").first).to_be_visible()
    use_language(page, lang)
    yield page
    page.keyboard.press("Escape")  # a dialog left open by a failure
    use_language(page, "en")


def use_language(page: Page, lang: str) -> None:
    """The switch names the other language."""
    switch = page.locator("#lang-switch")
    other = {"en": "Русский", "ru": "English"}
    expect(switch).to_have_text(re.compile("^(Русский|English)$"))
    if switch.inner_text() != other[lang]:
        switch.click()
    expect(switch).to_have_text(other[lang])


def text(lang: str, en: str, ru: str) -> str:
    return ru if lang == "ru" else en


def search(page: Page, query: str, rows: int) -> None:
    page.fill("#user-search", query)
    expect(page.locator(".user-row")).to_have_count(rows)


def user_row(page: Page, email: str) -> Locator:
    """The user's row in the users' table, found by a search for their email."""
    search(page, email, 1)
    return page.locator(f".user-row[data-email='{email}']")


def screen(size: tuple[int, int], lang: str) -> str:
    """The test's screen in a screenshot's name: `en-phone`, `ru-desktop`…"""
    return f"{lang}-{'phone' if size == PHONE else 'desktop'}"
