"""Shared by the chat navigation tests: conversations written straight into the app's
database (to give them an age), the two screen sizes, and geometry checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Locator, Page, ViewportSize, expect
from sqlmodel import select

from metogpt.models import Conversation, Message, User
from tests.e2e.helpers import Person, app_session, sign_in
from tests.support.server import AppServer

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
SIZES = {"desktop": DESKTOP, "phone": PHONE}


def seed(app_server: AppServer, email: str, title: str, text: str, age_days: float = 0) -> str:
    """A conversation of the user with one message, last active `age_days` ago; its id."""
    with app_session(app_server) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        when = datetime.now(UTC) - timedelta(days=age_days)
        conv = Conversation(user_id=user.id, title=title, created_at=when, updated_at=when)
        session.add(conv)
        session.flush()
        msg = Message(conversation_id=conv.id, role="user", content=text, created_at=when)
        session.add(msg)
        session.flush()
        conv.active_leaf_id = msg.id
        session.add(conv)
        session.commit()
        return conv.id


def set_locale(app_server: AppServer, email: str, lang: str, theme: str = "system") -> None:
    """The user's language and theme, as if they had chosen them before (signing in
    applies both)."""
    with app_session(app_server) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        user.locale, user.theme = lang, theme
        session.add(user)
        session.commit()


def open_chat(page: Page, person: Person) -> None:
    sign_in(page, person.email, person.password)
    expect(page.locator("#composer")).to_be_visible()


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def inside_viewport(page: Page, locator: Locator) -> None:
    expect(locator).to_be_visible()  # a route change may be re-rendering it
    box = locator.bounding_box()
    for _ in range(50):  # re-rendered between the two calls: measure the new one
        if box is not None:
            break
        page.wait_for_timeout(100)
        box = locator.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= size["width"] + 0.5, (box, size)
    assert box["y"] + box["height"] <= size["height"] + 0.5, (box, size)


def inside(outer: Locator, inner: Locator) -> None:
    """`inner`'s box is within `outer`'s, left to right."""
    o, i = outer.bounding_box(), inner.bounding_box()
    assert o is not None and i is not None
    assert i["x"] >= o["x"] - 0.5 and i["x"] + i["width"] <= o["x"] + o["width"] + 0.5, (o, i)
