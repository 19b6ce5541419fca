"""/account's profile, usage and ledger (issue 17), at 1280×800 and 390×844, in English and
Russian, light and dark: after a chat answer the page shows the usage and the ledger rows the
database holds, the CSV download has exactly those rows, the profile saves name, language
and theme together, and nothing scrolls sideways."""

from __future__ import annotations

import csv
import io
import math
import re

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.helpers import Person, Screenshot, sign_in
from tests.e2e.test_theme import SIZES, no_sideways_scroll, pick_theme
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e

HOME = re.compile(r"/$")
DARK = re.compile(r"\bdark\b")


def _me(http: httpx.Client, page: Page, path: str) -> dict:
    token = page.evaluate("() => localStorage.getItem('metogpt_token')")
    response = http.get(f"/api/me/{path}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("size", list(SIZES))
def test_account_shows_the_usage_and_ledger_of_the_database(
    browser: Browser,
    app_server: AppServer,
    http: httpx.Client,
    fake_provider: FakeProviderServer,
    screenshot: Screenshot,
    lang: str,
    size: str,
) -> None:
    person = Person.new("acct")
    person.register_via_api(http)
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        base_url=app_server.base_url,
        accept_downloads=True,
    )
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        sign_in(page, person.email, person.password)
        expect(page.locator("#composer")).to_be_visible()
        if lang == "ru":
            page.locator("#lang-switch").click()
            expect(page.locator("#lang-switch")).to_have_text("English")
        fake_provider.behavior = FakeBehavior(reply_tokens=12, prompt_tokens=9)
        page.fill("#composer", "How much does this cost?")
        page.locator("#composer").press("Enter")
        expect(page.locator(".msg-assistant[data-status=done]")).to_have_count(1)
        cost = math.ceil(9 + 12)  # gpt-3.5-turbo, ×1 for USER

        page.goto("/account")
        expect(page.locator("#my-usage-credits")).to_have_text(str(cost))
        usage = _me(http, page, "usage?days=30")
        assert usage["total"]["credits"] == cost and usage["total"]["answers"] == 1
        expect(page.locator("#my-usage-tokens")).to_have_text(str(usage["total"]["tokens"]))
        model_rows = page.locator(".my-usage-model")
        expect(model_rows).to_have_count(len(usage["byModel"]))
        expect(model_rows.first).to_contain_text("gpt-3.5-turbo")
        expect(model_rows.first).to_contain_text(str(cost))
        expect(page.locator("#my-usage-chart .recharts-bar-rectangle").first).to_be_attached()

        ledger = _me(http, page, "transactions")["transactions"]
        assert [t["kind"] for t in ledger] == ["charge", "grant"]
        rows = page.locator(".ledger-row")
        expect(rows).to_have_count(len(ledger))
        for row, entry in zip(rows.all(), ledger, strict=True):
            expect(row).to_have_attribute("data-id", str(entry["id"]))
            expect(row.locator(".amount")).to_have_text(str(entry["amount"]))
        charge_label = {"en": "Charge", "ru": "Списание"}[lang]
        expect(rows.first).to_contain_text(charge_label)
        expect(rows.first.locator(".details")).to_contain_text("gpt-3.5-turbo")
        expect(page.locator("#ledger-page")).to_contain_text(
            {"en": "Page 1 of 1", "ru": "Страница 1 из 1"}[lang]
        )

        with page.expect_download() as info:
            page.locator("#ledger-export").click()
        download = info.value
        assert download.suggested_filename == "metogpt-transactions.csv"
        path = download.path()
        exported = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        body, total = exported[1:-1], exported[-1]
        assert [int(r[0]) for r in body] == [t["id"] for t in reversed(ledger)]
        assert [int(r[4]) for r in body] == [t["amount"] for t in reversed(ledger)]
        assert [r[3] for r in body] == ["grant", "charge"]
        assert total[0] == "total" and int(total[4]) == 2000 - cost

        no_sideways_scroll(page)
        page.evaluate("() => document.getElementById('page-body').scrollTo(0, 0)")
        screenshot(page, f"account-sections-light-{lang}-{size}")
        pick_theme(page, "dark")
        expect(page.locator("html")).to_have_class(DARK)
        no_sideways_scroll(page)
        screenshot(page, f"account-sections-dark-{lang}-{size}")
    finally:
        context.close()


def test_profile_saves_name_language_and_theme_together(
    page: Page, http: httpx.Client, screenshot: Screenshot
) -> None:
    person = Person.new("prof")
    person.register_via_api(http)
    sign_in(page, person.email, person.password)
    expect(page).to_have_url(HOME)
    page.goto("/account")
    name = page.locator("#profile-name")
    expect(name).to_have_value(person.name)

    name.fill("   ")
    page.locator("#profile-save").click()
    expect(page.get_by_role("alert")).to_contain_text("name must be 1–128 characters")
    expect(page.locator("#user-name")).to_have_text(person.name)  # nothing changed

    name.fill("Ada Lovelace")
    page.locator("#profile-language").click()
    page.get_by_role("option", name="Русский").click()
    page.locator("#profile-theme").click()
    page.get_by_role("option", name="Dark").click()
    page.locator("#profile-save").click()
    expect(page.locator("#profile-saved")).to_have_text("Профиль сохранён.")
    expect(page.locator("#user-name")).to_have_text("Ada Lovelace")
    expect(page.locator("#lang-switch")).to_have_text("English")
    expect(page.locator("html")).to_have_class(DARK)
    screenshot(page, "account-profile-saved-dark")

    page.reload()
    expect(page.locator("#profile-name")).to_have_value("Ada Lovelace")
    expect(page.locator("#lang-switch")).to_have_text("English")
    expect(page.locator("html")).to_have_class(DARK)
    token = page.evaluate("() => localStorage.getItem('metogpt_token')")
    user = http.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).json()["user"]
    assert (user["name"], user["locale"]) == ("Ada Lovelace", "ru")
