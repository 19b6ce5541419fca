"""The admin's money screens in Chromium (issue 18): a package created in the packages tab
(with a validation message first) is on sale on a user's account page and gone once taken
off sale; the payments tab filters by status and reconciles a payment whose webhook never
came; the role editor's grant field; every screen in English and Russian on a desktop and a
phone screen, nothing scrolling sideways."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import Person, Screenshot, admin_headers, member, sign_in
from tests.fixtures.fake_payments import FakePaymentServer
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e

ACCOUNT = re.compile(r"/account/?$")


def _open_admin(page: Page, person: Person, tab: str) -> None:
    sign_in(page, person.email, person.password)
    expect(page.locator("#composer")).to_be_visible()
    page.goto("/admin")
    page.locator(f"#tab-{tab}").click()
    expect(page.locator(f"#tab-{tab}")).to_have_attribute("aria-selected", "true")


def _no_sideways_scroll(page: Page, what: str) -> None:
    overflow = page.evaluate(
        "Math.max(document.documentElement.scrollWidth - document.documentElement.clientWidth,"
        " (b => b ? b.scrollWidth - b.clientWidth : 0)(document.getElementById('page-body')))"
    )
    assert overflow <= 1, f"{what} overflows by {overflow}px"


def _pending_payment(
    http: httpx.Client, app_server: AppServer, name: str
) -> tuple[Person, str, dict]:
    """A new user who started paying for a new 50.00 RUB package of 250 credits through
    YooKassa: the user, their token and POST /api/payments' answer."""
    created = http.post(
        "/api/admin/packages",
        json={"name": name, "price": 5000, "currency": "RUB", "credits": 250},
        headers=admin_headers(http, app_server),
    )
    assert created.status_code == 201, created.text
    buyer = Person.new("buyer")
    buyer.register_via_api(http)
    login = http.post("/api/auth/login", json={"email": buyer.email, "password": buyer.password})
    token = login.json()["token"]
    started = http.post(
        "/api/payments",
        json={"package_id": created.json()["id"], "provider": "yookassa"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert started.status_code == 201, started.text
    return buyer, token, started.json()


def test_a_new_package_is_on_sale_for_users_until_taken_off(
    new_page: Callable[[], Page], http: httpx.Client, app_server: AppServer
) -> None:
    admin = new_page()
    _open_admin(admin, member(http, app_server, "ADMIN", 0), "packages")
    name = f"Bundle {uuid.uuid4().hex[:6]}"
    admin.locator("#new-package").click()
    admin.fill("#package-name", name)
    admin.fill("#package-price", "12,3x")
    admin.fill("#package-credits", "300")
    admin.locator("#package-save").click()
    expect(admin.get_by_role("alert").first).to_contain_text("The price must be a positive")
    admin.fill("#package-price", "149,50")
    admin.locator("#package-save").click()
    row = admin.locator(f".package-row[data-package='{name}']")
    expect(row).to_contain_text("149.50 RUB")
    expect(row).to_have_attribute("data-active", "true")

    buyer = new_page()
    person = Person.new("shopper")
    person.register_via_api(http)
    sign_in(buyer, person.email, person.password)
    buyer.locator("#account-link").click()
    expect(buyer).to_have_url(ACCOUNT)
    offer = buyer.locator(f".offer[data-package='{name}']")
    expect(offer).to_contain_text("149.50 RUB")
    expect(offer.locator(".buy")).to_have_count(2)  # YooKassa and Stripe are both set up

    row.locator(".package-toggle").click()
    expect(row).to_have_attribute("data-active", "false")
    buyer.reload()
    expect(buyer.locator("#billing")).to_be_visible()
    expect(buyer.locator(f".offer[data-package='{name}']")).to_have_count(0)
    row.locator(".package-delete").click()
    expect(row).to_have_count(0)


def test_payments_are_filtered_by_status_and_reconciled_with_the_provider(
    new_page: Callable[[], Page],
    http: httpx.Client,
    app_server: AppServer,
    fake_payments: FakePaymentServer,
) -> None:
    headers = admin_headers(http, app_server)
    buyer, token, started = _pending_payment(http, app_server, f"Late {uuid.uuid4().hex[:6]}")
    payment_id = started["payment_id"]
    provider_id = started["confirmation_url"].rsplit("/", 1)[1]

    def balance() -> int:
        me = http.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        return me.json()["user"]["balance"]

    before = balance()
    fake_payments.yookassa_webhook_url = None  # the buyer pays; the notification is lost
    fake_payments.pay("yookassa", provider_id)

    admin = new_page()
    _open_admin(admin, member(http, app_server, "ADMIN", 0), "payments")
    row = admin.locator(f".payment-row[data-id='{payment_id}']")
    expect(row).to_have_attribute("data-status", "pending")
    admin.locator("#payments-filter").click()
    admin.get_by_role("option", name="Paid").click()
    expect(row).to_have_count(0)
    for status in admin.locator(".payment-row").evaluate_all("r => r.map(e => e.dataset.status)"):
        assert status == "succeeded"
    admin.locator("#payments-filter").click()
    admin.get_by_role("option", name="Pending").click()
    expect(row).to_have_attribute("data-status", "pending")
    expect(row).to_contain_text(buyer.email)

    row.locator(".reconcile").click()
    expect(admin.get_by_text("Checked with the provider.")).to_be_visible()
    expect(row).to_have_count(0)  # no longer pending
    admin.locator("#payments-filter").click()
    admin.get_by_role("option", name="Paid").click()
    expect(row).to_have_attribute("data-status", "succeeded")
    expect(row).to_contain_text("+250")
    assert balance() == before + 250
    mine = http.get("/api/me/payments", headers={"Authorization": f"Bearer {token}"}).json()
    assert [(p["id"], p["status"], p["credited"]) for p in mine["payments"]] == [
        (payment_id, "succeeded", True)
    ]
    # Asked again (the REST twin of the button): nothing more is credited.
    again = http.post(f"/api/admin/payments/{payment_id}/reconcile", headers=headers)
    assert again.status_code == 200 and again.json()["credited"], again.text
    assert balance() == before + 250


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_the_money_screens_in_both_languages(
    new_page: Callable[[], Page],
    http: httpx.Client,
    app_server: AppServer,
    fake_payments: FakePaymentServer,
    screenshot: Screenshot,
    width: int,
    height: int,
) -> None:
    size = "desktop" if width > 500 else "phone"
    _pending_payment(http, app_server, f"Большой пакет кредитов с длинным названием, {size}")
    admin = member(http, app_server, "ADMIN", 0)  # its own admin: switching languages sticks
    page = new_page()
    page.set_viewport_size({"width": width, "height": height})
    _open_admin(page, admin, "packages")
    for lang in ("en", "ru"):
        if lang == "ru":
            page.click("#lang-switch")
            expect(page.get_by_role("tab", name="Пакеты")).to_be_visible()
        page.locator("#tab-packages").click()
        expect(page.locator(".package-row").first).to_be_visible()
        page.locator("#new-package").click()
        expect(page.locator("#package-name")).to_be_visible()
        _no_sideways_scroll(page, f"packages {lang} {size}")
        screenshot(page, f"admin-packages-{lang}-{size}")
        page.locator("#tab-payments").click()
        expect(page.locator("#payments-total")).to_be_visible()
        _no_sideways_scroll(page, f"payments {lang} {size}")
        screenshot(page, f"admin-payments-{lang}-{size}")
        page.locator("#tab-roles").click()
        page.locator(".role-row[data-role=USER]").get_by_role("button").first.click()
        page.locator("#grant-on").click()
        expect(page.locator("#grant-amount")).to_be_visible()
        page.locator("#grant-field").scroll_into_view_if_needed()
        _no_sideways_scroll(page, f"grant field {lang} {size}")
        screenshot(page, f"admin-grant-{lang}-{size}")
        page.goto("/account")
        expect(page.locator(".offer").first).to_be_visible()
        _no_sideways_scroll(page, f"account {lang} {size}")
        screenshot(page, f"account-billing-{lang}-{size}")
        page.goto("/admin")
        expect(page.locator("#tab-packages")).to_be_visible()
