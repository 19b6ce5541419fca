"""The admin dashboard end to end: a new role, its assignment and a balance set in the
browser, the user chatting under it, and the charge showing in the admin's ledger and
charts; then every admin page in both languages on a desktop and a phone screen."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import Person, Screenshot, admin_headers, charges, sign_in
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e


def _admin_page(page: Page, app_server: AppServer) -> None:
    sign_in(page, app_server.admin_email, app_server.admin_password)
    expect(page.locator("#composer")).to_be_visible()
    page.goto("/admin")
    expect(page.locator(".user-row").first).to_be_visible()


def _find_user(page: Page, email: str):  # type: ignore[no-untyped-def]
    page.fill("#user-search", email)
    row = page.locator(f".user-row[data-email='{email}']")
    expect(row).to_have_count(1)
    expect(page.locator(".user-row")).to_have_count(1)
    return row


def test_admin_creates_role_assigns_it_sets_balance_and_sees_the_charge(
    new_page: Callable[[], Page],
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
    screenshot: Screenshot,
) -> None:
    person = Person.new("pro2")
    person.register_via_api(http)
    admin = new_page()
    _admin_page(admin, app_server)
    screenshot(admin, "admin-users")

    # a role PRO2 with gpt-4 at 2.0
    admin.click("#tab-roles")
    expect(admin.locator(".role-row[data-role=ADMIN]")).to_be_visible()
    admin.click("#new-role")
    admin.fill("#role-name", "PRO2")
    gpt4 = admin.locator("tr[data-model='gpt-4']")
    gpt4.get_by_role("checkbox").click()
    gpt4.locator("input").fill("2.0")
    screenshot(admin, "admin-role-editor")
    admin.click("#role-save")
    expect(admin.locator(".role-row[data-role=PRO2]")).to_be_visible()
    screenshot(admin, "admin-roles")

    # assign it, then set the balance with a reason
    admin.click("#tab-users")
    row = _find_user(admin, person.email)
    row.locator("select.role-select").select_option("PRO2")
    admin.click("#role-confirm-ok")  # a role change asks first (test_admin_ux.py)
    expect(admin.get_by_text("now has the role PRO2")).to_be_visible()
    row = _find_user(admin, person.email)
    row.locator(".open-balance").click()
    admin.fill("#balance-amount", "5000")
    admin.fill("#balance-reason", "Paid invoice 42")
    admin.click("#balance-save")
    expect(admin.locator("#dialog-balance")).to_contain_text("5000")
    expect(admin.locator(".ledger-row[data-kind=adjustment]")).to_contain_text("Paid invoice 42")
    screenshot(admin, "admin-balance")
    admin.keyboard.press("Escape")

    # the user sees gpt-4 at 2.0 and is billed with it
    fake_provider.behavior = FakeBehavior(reply_tokens=30, prompt_tokens=20)
    user = new_page()
    sign_in(user, person.email, person.password)
    expect(user.locator("#user-role")).to_have_text("PRO2")
    expect(user.locator("#balance")).to_have_text("5000")
    user.click("#model-select")
    expect(user.get_by_role("option")).to_have_count(1)
    user.get_by_role("option", name="gpt-4 · ×2").click()
    user.fill("#composer", "Hello from PRO2")
    user.locator("#composer").press("Enter")
    cost = math.ceil((20 + 30) * 2.0)
    answer = user.locator(".msg-assistant[data-status=done] .msg-charge")
    expect(answer).to_have_attribute("data-charged", str(cost))
    expect(user.locator("#balance")).to_have_text(str(5000 - cost))
    assert [c["amount"] for c in charges(http, app_server, person.email)] == [-cost]

    # the admin sees the charge in the user's ledger and in the usage charts
    admin.reload()
    row = _find_user(admin, person.email)
    expect(row.locator(".user-balance")).to_have_text(str(5000 - cost))
    row.locator(".open-balance").click()
    charge = admin.locator(".ledger-row[data-kind=charge]")
    expect(charge).to_contain_text(f"-{cost}")
    expect(charge).to_contain_text("gpt-4")
    admin.keyboard.press("Escape")
    admin.click("#tab-usage")
    expect(admin.locator(".top-user", has_text=person.email)).to_contain_text(str(cost))
    expect(admin.locator("#chart-model .recharts-bar-rectangle").first).to_be_visible()
    expect(admin.locator("#chart-day .recharts-bar-rectangle").first).to_be_visible()
    screenshot(admin, "admin-usage")


def test_admin_disables_and_enables_a_user_with_the_switch(
    new_page: Callable[[], Page], http: httpx.Client, app_server: AppServer
) -> None:
    person = Person.new("switch")
    person.register_via_api(http)
    admin = new_page()
    _admin_page(admin, app_server)

    def enabled() -> bool:
        found = http.get(
            "/api/admin/users",
            params={"search": person.email},
            headers=admin_headers(http, app_server),
        ).json()
        return found["users"][0]["enabled"]

    row = _find_user(admin, person.email)
    expect(row.locator(".user-active")).to_have_text("Never")  # registered, never signed in
    switch = row.get_by_role("switch")
    expect(switch).to_have_attribute("aria-checked", "true")
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "false")
    expect(switch).to_have_attribute("data-state", "unchecked")
    assert not enabled()
    login = http.post("/api/auth/login", json={"email": person.email, "password": person.password})
    assert login.status_code == 401 and "account_disabled" in login.text, login.text
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "true")
    assert enabled()


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_admin_pages_in_both_languages(
    new_page: Callable[[], Page],
    app_server: AppServer,
    screenshot: Screenshot,
    width: int,
    height: int,
) -> None:
    page = new_page()
    page.set_viewport_size({"width": width, "height": height})
    _admin_page(page, app_server)
    size = "desktop" if width > 500 else "phone"
    for lang, labels in (
        ("en", {"users": "Users", "roles": "Roles", "usage": "Usage", "title": "Administration"}),
        (
            "ru",
            {
                "users": "Пользователи",
                "roles": "Роли",
                "usage": "Статистика",
                "title": "Администрирование",
            },
        ),
    ):
        if lang == "ru":
            page.click("#lang-switch")
        expect(page.get_by_role("heading", name=labels["title"])).to_be_visible()
        for tab in ("users", "roles", "usage"):
            page.get_by_role("tab", name=labels[tab]).click()
            expect(page.locator(f"#tab-{tab}")).to_have_attribute("aria-selected", "true")
            marker = {"users": ".user-row", "roles": ".role-row", "usage": "#usage-credits"}[tab]
            expect(page.locator(marker).first).to_be_visible()
            # Nothing may stick out sideways: neither the page nor its body scrolls
            # horizontally (a wide table scrolls inside its own box).
            overflow = page.evaluate(
                "Math.max(document.documentElement.scrollWidth - window.innerWidth,"
                " (b => b.scrollWidth - b.clientWidth)(document.getElementById('page-body')))"
            )
            assert overflow <= 1, f"{tab} overflows by {overflow}px at {width}px"
            screenshot(page, f"admin-{tab}-{lang}-{size}")
    page.click("#lang-switch")  # leave the admin's language as it was for other tests
    expect(page.locator("#lang-switch")).to_have_text("Русский")


def test_build_files_are_cached_for_good_and_pages_are_not(app_server: AppServer) -> None:
    page = httpx.get(f"{app_server.base_url}/admin", follow_redirects=True)
    scripts = re.findall(r"/assets/[\w.-]+\.js", page.text)
    assert scripts, "the page names its scripts"
    script = httpx.get(f"{app_server.base_url}{scripts[0]}")
    assert script.status_code == 200
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "immutable" not in page.headers.get("cache-control", "")
