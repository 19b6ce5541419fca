"""Empty results say so on the dashboard (issue 13), at 1280×800 and 390×844, in English and
Russian: the ledger of a user with no rows, and the usage of a user who was never charged
(the usage screen's filter by email), each in words rather than as an empty table or a flat
chart; an email of nobody is said by the filter."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect

from metogpt.models import User
from tests.e2e.admin_pages import (
    SCREENS,
    inside_viewport,
    no_sideways_scroll,
    screen,
    text,
    user_row,
)
from tests.e2e.helpers import Person, Screenshot, app_session
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e

NO_USAGE = ("No usage in this range.", "За этот период расходов нет.")


def _user_without_ledger(app_server: AppServer) -> str:
    """A user with no ledger row at all (every registration is granted its start balance,
    so this one is written straight into the app's database, with a zero balance)."""
    n = uuid.uuid4().hex[:8]
    with app_session(app_server) as session:
        user = User(
            email=f"empty-{n}@e2e.example.com",
            username=f"empty_{n}",
            name=f"Empty {n}",
            password_hash="!",  # cannot sign in: nobody needs to
            role="USER",
        )
        session.add(user)
        session.commit()
        return user.email


@SCREENS
def test_an_empty_ledger_says_so(
    admin: Page,
    app_server: AppServer,
    screenshot: Screenshot,
    size: tuple[int, int],
    lang: str,
) -> None:
    email = _user_without_ledger(app_server)
    user_row(admin, email).locator(".open-balance").click()
    dialog = admin.locator("#balance-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#ledger-empty")).to_have_text(
        text(lang, "No ledger rows yet.", "Записей пока нет.")
    )
    expect(dialog.locator(".ledger-row")).to_have_count(0)
    expect(admin.locator("#dialog-balance")).to_contain_text("0")
    inside_viewport(admin, dialog, "the balance dialog")  # its opening animation done
    no_sideways_scroll(admin, "an empty ledger")
    screenshot(admin, f"admin-ledger-empty-{screen(size, lang)}")
    admin.keyboard.press("Escape")
    expect(dialog).to_have_count(0)


@SCREENS
def test_the_usage_of_a_user_never_charged_says_so(
    admin: Page,
    http: httpx.Client,
    screenshot: Screenshot,
    size: tuple[int, int],
    lang: str,
) -> None:
    person = Person.new("idle")
    person.register_via_api(http)
    admin.click("#tab-usage")
    expect(admin.locator("#usage-credits")).to_be_visible()
    expect(admin.locator("#top-loading")).to_have_count(0)
    everyone = admin.locator("#usage-answers").inner_text()

    admin.fill("#usage-user", person.email)
    admin.click("#usage-user-show")
    empty = text(lang, *NO_USAGE)
    # a range of days at zero is no chart: it says so, as the models' chart does
    expect(admin.locator("#chart-day-empty")).to_have_text(empty)
    expect(admin.locator("#chart-model-empty")).to_have_text(empty)
    expect(admin.locator("#chart-day")).to_have_count(0)
    for figure in ("#usage-credits", "#usage-tokens", "#usage-answers"):
        expect(admin.locator(figure)).to_have_text("0")
    # top spenders are everyone's: not shown for one user
    expect(admin.locator("#top-empty")).to_have_count(0)
    expect(admin.locator(".top-user")).to_have_count(0)
    no_sideways_scroll(admin, "the usage of one user")
    screenshot(admin, f"admin-usage-empty-{screen(size, lang)}")

    # an email of nobody is said by the filter
    admin.fill("#usage-user", "nobody-" + person.email)
    admin.click("#usage-user-show")
    expect(admin.locator("#usage-user-error")).to_have_text(
        text(lang, "No user has this email.", "Нет пользователя с таким email.")
    )
    # emptied: everyone's usage again, with its top spenders
    admin.fill("#usage-user", "")
    admin.click("#usage-user-show")
    expect(admin.locator("#usage-user-error")).to_have_count(0)
    expect(admin.locator("#usage-answers")).to_have_text(everyone)
    expect(admin.locator("#top-loading")).to_have_count(0)
    expect(admin.locator(".top-user").first.or_(admin.locator("#top-empty"))).to_be_visible()
