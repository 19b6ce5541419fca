"""Buying credits in Chromium (issue 18, done-when 1): a user picks a package on /account,
is sent to the fake provider's payment page, pays and comes back; the provider's webhook
(sent by the fake to the app, over HTTP) credits the package's credits once, with a
`topup` ledger row naming the payment. The same webhook delivered again credits nothing."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import Person, Screenshot, admin_headers, sign_in
from tests.fixtures.fake_payments import FakePaymentServer
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e

ACCOUNT = re.compile(r"/account/?$")


def _package(http: httpx.Client, app_server: AppServer, currency: str, credits: int) -> str:
    name = f"Pack {uuid.uuid4().hex[:6]}"
    body = {"name": name, "price": 19900, "currency": currency, "credits": credits}
    created = http.post("/api/admin/packages", json=body, headers=admin_headers(http, app_server))
    assert created.status_code == 201, created.text
    return name


def _ledger(http: httpx.Client, app_server: AppServer, email: str) -> list[dict]:
    headers = admin_headers(http, app_server)
    found = http.get("/api/admin/users", params={"search": email}, headers=headers).json()
    user_id = found["users"][0]["_id"]
    rows = http.get(f"/api/admin/users/{user_id}/transactions", headers=headers).json()
    return rows["transactions"]


def _balance(page: Page) -> int:
    return int(page.locator("#balance").inner_text().replace(",", "").replace("\u00a0", ""))


@pytest.mark.parametrize(("provider", "currency"), [("yookassa", "RUB"), ("stripe", "USD")])
def test_a_user_buys_a_package_and_is_credited_once(
    provider: str,
    currency: str,
    page: Page,
    http: httpx.Client,
    app_server: AppServer,
    fake_payments: FakePaymentServer,
    screenshot: Screenshot,
) -> None:
    credits = 700
    name = _package(http, app_server, currency, credits)
    person = Person.new(f"buy-{provider}")
    person.register_via_api(http)
    sign_in(page, person.email, person.password)
    page.locator("#account-link").click()  # present once signed in
    expect(page).to_have_url(ACCOUNT)
    offer = page.locator(f".offer[data-package='{name}']")
    expect(offer).to_contain_text("199.00 " + currency)
    before = _balance(page)
    screenshot(page, f"payments-account-{provider}")

    offer.locator(f".buy[data-provider='{provider}']").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(fake_payments.base_url)}/pay/{provider}/"))
    provider_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("#amount")).to_have_text(f"199.00 {currency}")
    page.locator("#pay").click()  # the fake notifies the app, then sends the buyer back

    expect(page).to_have_url(re.compile(r"/account/?\?payment="))
    expect(page.locator("#payment-returned")).to_have_attribute("data-status", "succeeded")
    expect(page.locator("#balance")).to_have_text(str(before + credits))
    expect(page.locator(".purchase").first).to_have_attribute("data-credited", "true")
    screenshot(page, f"payments-returned-{provider}")

    # The provider retries its webhook: nothing more is credited.
    if provider == "yookassa":
        body = fake_payments.yookassa_notification(provider_id, "payment.succeeded")
        hook: tuple[bytes, dict[str, str]] = (body, {"content-type": "application/json"})
    else:
        hook = fake_payments.stripe_event(
            "checkout.session.completed", dict(fake_payments.objects[provider_id])
        )
    for _ in range(3):
        again = http.post(f"/api/payments/{provider}/webhook", content=hook[0], headers=hook[1])
        assert again.status_code == 200, again.text
        assert again.json() == {"result": "succeeded"}

    payment_id = page.url.split("payment=", 1)[1]
    topups = [row for row in _ledger(http, app_server, person.email) if row["kind"] == "topup"]
    assert [row["amount"] for row in topups] == [credits]
    assert payment_id in topups[0]["reason"] and provider_id in topups[0]["reason"]
    page.reload()
    expect(page.locator("#balance")).to_have_text(str(before + credits))
