"""The payments REST surface: packages (admin and buyers), starting a payment, the two
webhooks, the payment lists, reconciliation, a role's grant and the caller's next grant."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import assert_error, assert_utc, balance_of, ledger_of, snapshot
from tests.conftest import Account, make_account
from tests.fixtures.fake_payments import FakePaymentServer

PACKAGES = "/api/admin/packages"
STARTER = {"name": "Starter", "price": 19900, "currency": "rub", "credits": 5000}


def _create(api: TestClient, admin: Account, **fields: Any) -> dict:
    r = api.post(PACKAGES, json=STARTER | fields, headers=admin.headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_packages_crud_and_what_buyers_see(api: TestClient, admin: Account) -> None:
    starter = _create(api, admin)
    assert starter["currency"] == "RUB" and starter["active"] is True
    assert_utc(starter["createdAt"])
    hidden = _create(api, admin, name="Old", active=False)
    buyer = make_account()
    r = api.get("/api/packages", headers=buyer.headers)
    assert r.status_code == 200 and [p["id"] for p in r.json()["packages"]] == [starter["id"]]
    r = api.get(PACKAGES, headers=admin.headers)
    assert {p["id"] for p in r.json()["packages"]} == {starter["id"], hidden["id"]}

    r = api.put(f"{PACKAGES}/{starter['id']}", json={"price": 29900.0}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["price"] == 29900 and r.json()["credits"] == 5000
    r = api.delete(f"{PACKAGES}/{hidden['id']}", headers=admin.headers)
    assert r.status_code == 204
    assert_error(api.delete(f"{PACKAGES}/{hidden['id']}", headers=admin.headers), 404)
    assert_error(api.get("/api/packages"), 401)


def test_bad_packages_are_refused_and_change_nothing(api: TestClient, admin: Account) -> None:
    before = snapshot()
    for bad in (
        {"price": 0}, {"price": 10.5}, {"price": "100"}, {"credits": -1}, {"currency": "RUBL"},
        {"currency": "R1B"}, {"name": ""}, {"name": "   "}, {"extra": 1}, {"active": "yes"},
    ):  # fmt: skip
        r = api.post(PACKAGES, json=STARTER | bad, headers=admin.headers)
        assert_error(r, 422, "invalid")
    assert snapshot() == before
    assert_error(api.post(PACKAGES, json=STARTER, headers=make_account().headers), 403)


def test_a_yookassa_purchase_end_to_end(
    api: TestClient, admin: Account, providers: FakePaymentServer
) -> None:
    package = _create(api, admin)
    buyer = make_account(balance=0)
    r = api.post("/api/payments", json={"package_id": package["id"]}, headers=buyer.headers)
    assert r.status_code == 201, r.text
    started = r.json()
    assert set(started) == {"payment_id", "confirmation_url"}
    assert started["confirmation_url"].startswith(f"{providers.base_url}/pay/yookassa/")
    provider_id = started["confirmation_url"].rsplit("/", 1)[1]
    assert providers.objects[provider_id]["confirmation"]["return_url"] == (
        f"http://testserver/?payment={started['payment_id']}"
    )
    body, headers = providers.pay("yookassa", provider_id)
    for _ in range(3):
        r = api.post("/api/payments/yookassa/webhook", content=body, headers=headers)
        assert r.status_code == 200 and r.json() == {"result": "succeeded"}
    assert balance_of(buyer.id) == 5000
    assert [e.kind for e in ledger_of(buyer.id)] == ["topup"]
    assert started["payment_id"] in (ledger_of(buyer.id)[0].reason or "")

    mine = api.get("/api/me/payments", headers=buyer.headers).json()["payments"]
    assert [(p["id"], p["status"], p["credited"]) for p in mine] == [
        (started["payment_id"], "succeeded", True)
    ]
    r = api.get("/api/admin/payments?status=succeeded", headers=admin.headers)
    assert r.json()["total"] == 1 and r.json()["payments"][0]["userEmail"] == buyer.user.email
    r = api.get("/api/admin/payments?status=pending", headers=admin.headers)
    assert r.json() == {"payments": [], "total": 0}
    assert_error(api.get("/api/admin/payments?status=lost", headers=admin.headers), 422)
    r = api.post(f"/api/admin/payments/{started['payment_id']}/reconcile", headers=admin.headers)
    assert r.status_code == 200 and r.json()["status"] == "succeeded"
    assert balance_of(buyer.id) == 5000
    assert_error(api.post("/api/payments/yookassa/webhook", content=b"[1]"), 422)


def test_a_stripe_purchase_and_a_forged_event(
    api: TestClient, admin: Account, providers: FakePaymentServer
) -> None:
    package = _create(api, admin, price=999, currency="USD", credits=3000)
    buyer = make_account(balance=0)
    r = api.post(
        "/api/payments",
        json={"package_id": package["id"], "provider": "stripe"},
        headers=buyer.headers,
    )
    assert r.status_code == 201, r.text
    session_id = r.json()["confirmation_url"].rsplit("/", 1)[1]
    body, headers = providers.pay("stripe", session_id)
    forged = {**headers, "stripe-signature": providers.sign(body, "whsec_wrong")}
    assert_error(
        api.post("/api/payments/stripe/webhook", content=body, headers=forged), 400, "bad_signature"
    )
    assert balance_of(buyer.id) == 0
    r = api.post("/api/payments/stripe/webhook", content=body, headers=headers)
    assert r.status_code == 200 and r.json() == {"result": "succeeded"}
    assert balance_of(buyer.id) == 3000


def test_payments_refuse_what_cannot_be_bought(
    api: TestClient, admin: Account, providers: FakePaymentServer
) -> None:
    buyer = make_account()
    hidden = _create(api, admin, active=False)
    for body, status in (
        ({"package_id": hidden["id"]}, 404),
        ({"package_id": "nope"}, 404),
        ({"package_id": hidden["id"], "provider": "paypal"}, 422),
        ({}, 422),
    ):
        assert_error(api.post("/api/payments", json=body, headers=buyer.headers), status)
    assert_error(api.post("/api/payments", json={"package_id": hidden["id"]}), 401)


def test_providers_off_until_configured(api: TestClient, admin: Account) -> None:
    package = _create(api, admin)
    buyer = make_account()
    r = api.post("/api/payments", json={"package_id": package["id"]}, headers=buyer.headers)
    assert_error(r, 404, "provider_off")
    assert_error(api.post("/api/payments/stripe/webhook", content=b"{}"), 404, "provider_off")
    assert_error(api.post("/api/payments/yookassa/webhook", content=b"{}"), 404, "provider_off")


def test_a_role_grant_over_rest_and_the_callers_next_grant(api: TestClient, admin: Account) -> None:
    grant = {"amount": 1000, "every": 1, "unit": "days", "mode": "add"}
    r = api.put("/api/admin/roles/USER", json={"grant": grant}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["grant"] == grant
    r = api.put("/api/admin/roles/USER", json={"modelAccess": {}}, headers=admin.headers)
    assert r.json()["grant"] == grant  # left out: kept
    bad = grant | {"unit": "years"}
    assert_error(api.put("/api/admin/roles/USER", json={"grant": bad}, headers=admin.headers), 422)

    user = make_account(balance=0)
    r = api.get("/api/me/grant", headers=user.headers)
    assert r.status_code == 200 and r.json()["grant"] == grant
    next_at = assert_utc(r.json()["nextGrantAt"])
    assert (next_at.hour, next_at.minute) == (0, 0)
    assert balance_of(user.id) == 1000  # the due grant was given on the way
    api.get("/api/me/grant", headers=user.headers)
    assert balance_of(user.id) == 1000

    r = api.put("/api/admin/roles/USER", json={"grant": None}, headers=admin.headers)
    assert r.json()["grant"] is None
    assert api.get("/api/me/grant", headers=user.headers).json() == {
        "grant": None,
        "nextGrantAt": None,
    }
