"""Top-ups through the real yookassa and stripe SDKs against the fake providers on loopback:
created, succeeded, cancelled, refunded; webhooks repeated in parallel, reordered, forged,
for amounts that do not match; refunds while answers hold credits. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import stripe
import yookassa
from sqlmodel import col, select

from metogpt.models import LedgerEntry, Payment
from metogpt.services import billing, gateways, holds, payments, topups
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    ProviderError,
    ServiceError,
)
from tests.conftest import Account, make_account
from tests.fixtures.fake_payments import FakePaymentServer
from tests.support.calls import user_row, with_ledger_sum


def _package(admin: Account, price: int = 19900, currency: str = "RUB", credits: int = 5000):
    with write_session() as s:
        return payments.create_package(s, admin.actor(), "Starter", price, currency, credits)


def _started(buyer: Account, package_id: str, provider: str | None) -> Payment:
    """The buyer's payment for the package, started (None: the provider by currency)."""
    return payments.start_payment(user_row(buyer.id), package_id, provider, "http://app")


def _paying(admin: Account, balance: int) -> tuple[Account, Payment, str]:
    """A buyer holding `balance`, their YooKassa payment for a new package (not paid yet),
    and the payment's id at YooKassa."""
    buyer = make_account(balance=balance)
    payment = _started(buyer, _package(admin).id, "yookassa")
    return buyer, payment, payment.provider_payment_id or ""


def _books(user_id: str) -> tuple[int, int, int, int]:
    """balance, reserved, owed and the ledger's sum; the first always equals the last."""
    user, total = with_ledger_sum(user_id)
    assert user.balance == total, (user.balance, total)
    return user.balance, user.reserved, user.owed, total


def _kinds(user_id: str) -> list[tuple[str, int]]:
    with read_session() as s:
        rows = s.exec(
            select(LedgerEntry).where(LedgerEntry.user_id == user_id).order_by(col(LedgerEntry.id))
        ).all()
        return [(r.kind, r.amount) for r in rows]


def _payment(payment_id: str) -> Payment:
    with read_session() as s:
        p = s.get(Payment, payment_id)
        assert p is not None
        return p


def _parallel(times: int, call: Any, *args: Any) -> list[Any]:
    gate = threading.Barrier(times)

    def one(_: int) -> Any:
        gate.wait()
        return call(*args)

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(one, range(times)))


def _stripe(fake: FakePaymentServer) -> stripe.StripeClient:
    return stripe.StripeClient(fake.stripe_key, base_addresses={"api": fake.stripe_api_base})


# ---- YooKassa --------------------------------------------------------------------------------


def test_yookassa_payment_credits_once_for_ten_parallel_webhooks(
    database: str, admin: Account, providers: FakePaymentServer
) -> None:
    buyer = make_account(balance=100)
    package = _package(admin)
    payment = _started(buyer, package.id, "yookassa")
    assert payment.status == "pending" and payment.confirmation_url
    assert payment.confirmation_url.startswith(providers.base_url + "/pay/yookassa/")
    created = providers.requests[-1]
    assert created["path"] == "/v3/payments"
    assert created["body"]["amount"] == {"value": "199.00", "currency": "RUB"}
    assert created["headers"]["idempotence-key"] == payment.id
    assert created["body"]["confirmation"]["return_url"] == f"http://app/?payment={payment.id}"

    body, _ = providers.pay("yookassa", payment.provider_payment_id or "")
    results = _parallel(10, payments.yookassa_webhook, body, "127.0.0.1")
    assert results == ["succeeded"] * 10
    assert _books(buyer.id) == (5100, 0, 0, 5100)
    assert _kinds(buyer.id) == [("grant", 100), ("topup", 5000)]
    done = _payment(payment.id)
    assert done.status == "succeeded" and done.credited_at is not None
    with read_session() as s:
        entry = s.get(LedgerEntry, done.credit_entry_id)
        assert entry is not None and payment.id in (entry.reason or "")


def test_yookassa_cancel_credits_nothing(
    database: str, admin: Account, providers: FakePaymentServer
) -> None:
    buyer = make_account(balance=0)
    payment = _started(buyer, _package(admin).id, "yookassa")
    body, _ = providers.cancel("yookassa", payment.provider_payment_id or "")
    assert payments.yookassa_webhook(body, "127.0.0.1") == "canceled"
    assert _payment(payment.id).status == "canceled"
    assert _books(buyer.id) == (0, 0, 0, 0)


def test_a_notification_the_api_does_not_confirm_credits_nothing_and_is_logged(
    database: str, admin: Account, providers: FakePaymentServer, caplog: pytest.LogCaptureFixture
) -> None:
    buyer = make_account(balance=0)
    payment = _started(buyer, _package(admin).id, "yookassa")
    forged = json.dumps({
        "type": "notification", "event": "payment.succeeded",
        "object": {"id": payment.provider_payment_id, "status": "succeeded", "paid": True,
                   "amount": {"value": "199.00", "currency": "RUB"}},
    }).encode()  # fmt: skip
    with caplog.at_level(logging.WARNING, "metogpt.payments"):
        assert payments.yookassa_webhook(forged, "127.0.0.1") == "unconfirmed"
    assert "not confirmed by the API" in caplog.text
    assert _payment(payment.id).status == "pending"
    assert _books(buyer.id) == (0, 0, 0, 0)
    # A notification for a payment that is not ours changes nothing either.
    stranger = forged.replace((payment.provider_payment_id or "").encode(), b"not-ours")
    assert payments.yookassa_webhook(stranger, "127.0.0.1") == "ignored"


def test_notifications_from_untrusted_addresses_are_refused(
    database: str, admin: Account, providers: FakePaymentServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    buyer = make_account(balance=0)
    payment = _started(buyer, _package(admin).id, "yookassa")
    body, _ = providers.pay("yookassa", payment.provider_payment_id or "")
    trusted = dataclasses.replace(
        gateways.settings, yookassa_trusted_ips=["yookassa", "10.1.0.0/16"]
    )
    monkeypatch.setattr(gateways, "settings", trusted)
    with pytest.raises(Forbidden):
        payments.yookassa_webhook(body, "127.0.0.1")
    assert _books(buyer.id) == (0, 0, 0, 0)
    assert payments.yookassa_webhook(body, "185.71.76.5") == "succeeded"  # YooKassa's network
    assert payments.yookassa_webhook(body, "10.1.2.3") == "succeeded"
    assert _books(buyer.id)[0] == 5000


def test_an_amount_that_does_not_match_the_package_credits_nothing(
    database: str, admin: Account, providers: FakePaymentServer
) -> None:
    buyer, payment, pid = _paying(admin, balance=0)
    providers.objects[pid]["amount"] = {"value": "1.99", "currency": "RUB"}
    body, _ = providers.pay("yookassa", pid)
    assert payments.yookassa_webhook(body, "127.0.0.1") == "unconfirmed"
    stored = _payment(payment.id)
    assert stored.status == "pending" and stored.credited_at is None
    assert stored.problem and "amount mismatch" in stored.problem
    providers.objects[pid]["amount"] = {"value": "199.00", "currency": "USD"}
    payments.yookassa_webhook(body, "127.0.0.1")
    assert _books(buyer.id) == (0, 0, 0, 0)


def test_a_yookassa_refund_reverses_exactly_even_before_the_success_arrives(
    database: str, admin: Account, providers: FakePaymentServer
) -> None:
    buyer, payment, pid = _paying(admin, balance=700)
    success, _ = providers.pay("yookassa", pid)
    refund = yookassa.Refund.create(
        {"payment_id": pid, "amount": {"value": "199.00", "currency": "RUB"}}
    )
    assert refund.id is not None
    # Reordered: the refund's notification comes first, the success after it.
    note = providers.yookassa_notification(refund.id, "refund.succeeded")
    assert payments.yookassa_webhook(note, "127.0.0.1") == "refunded"
    assert payments.yookassa_webhook(success, "127.0.0.1") == "refunded"
    assert payments.yookassa_webhook(note, "127.0.0.1") == "refunded"
    assert _books(buyer.id) == (700, 0, 0, 700)
    assert _kinds(buyer.id) == [("grant", 700), ("topup", 5000), ("refund", -5000)]
    stored = _payment(payment.id)
    assert (stored.status, stored.refunded_amount, stored.reversed_credits) == (
        "refunded",
        19900,
        5000,
    )


def test_a_partial_refund_takes_back_its_share(
    database: str, admin: Account, providers: FakePaymentServer
) -> None:
    buyer, payment, pid = _paying(admin, balance=0)
    payments.yookassa_webhook(providers.pay("yookassa", pid)[0], "127.0.0.1")
    for value in ("49.75", "49.75"):  # a quarter of 199.00, twice
        yookassa.Refund.create({"payment_id": pid, "amount": {"value": value, "currency": "RUB"}})
        payments.yookassa_webhook(providers.yookassa_notification(pid, "payment.succeeded"), "::1")
    assert _books(buyer.id) == (2500, 0, 0, 2500)
    assert _payment(payment.id).status == "succeeded"


# ---- Stripe ------------------------------------------------------------------------------------


def test_stripe_checkout_credits_once_for_ten_parallel_events(
    database: str, admin: Account, providers: FakePaymentServer
) -> None:
    buyer = make_account(balance=0)
    package = _package(admin, price=999, currency="USD", credits=3000)
    payment = _started(buyer, package.id, None)
    assert payment.provider == "stripe"  # the default for a currency other than rubles
    created = providers.requests[-1]["body"]
    assert created["line_items"][0]["price_data"] == {
        "currency": "usd", "unit_amount": "999", "product_data": {"name": "MetoGPT: Starter"},
    }  # fmt: skip
    assert created["metadata"] == {"payment_id": payment.id}
    body, headers = providers.pay("stripe", payment.provider_payment_id or "")
    results = _parallel(10, payments.stripe_webhook, body, headers["stripe-signature"])
    assert results == ["succeeded"] * 10
    assert _books(buyer.id) == (3000, 0, 0, 3000)
    assert _kinds(buyer.id) == [("topup", 3000)]


def test_forged_stripe_events_credit_nothing_and_are_logged(
    database: str, admin: Account, providers: FakePaymentServer, caplog: pytest.LogCaptureFixture
) -> None:
    buyer = make_account(balance=0)
    package = _package(admin, price=999, currency="USD", credits=3000)
    payment = _started(buyer, package.id, "stripe")
    session = dict(providers.objects[payment.provider_payment_id or ""])
    session.update(status="complete", payment_status="paid")
    body, headers = providers.stripe_event(
        "checkout.session.completed", session, secret="whsec_not_the_secret"
    )
    good = providers.sign(body, providers.stripe_webhook_secret)
    stale = providers.sign(body, providers.stripe_webhook_secret, timestamp=1_000_000_000)
    with caplog.at_level(logging.WARNING, "metogpt.payments"):
        for signature in (headers["stripe-signature"], None, "t=1,v1=00", stale):
            with pytest.raises(ServiceError) as err:
                payments.stripe_webhook(body, signature)
            assert err.value.code == "bad_signature"
        tampered = body.replace(b'"paid"', b'"PAID"')
        with pytest.raises(ServiceError):
            payments.stripe_webhook(tampered, good)
    assert caplog.text.count("bad or missing signature") == 5
    # Correctly signed, but the session at Stripe is unpaid: still nothing.
    assert payments.stripe_webhook(body, good) == "pending"
    assert _books(buyer.id) == (0, 0, 0, 0)


def test_a_stripe_refund_reverses_and_an_expired_session_cancels(
    database: str, admin: Account, providers: FakePaymentServer
) -> None:
    buyer = make_account(balance=0)
    package = _package(admin, price=999, currency="USD", credits=3000)
    paid = _started(buyer, package.id, "stripe")
    body, headers = providers.pay("stripe", paid.provider_payment_id or "")
    payments.stripe_webhook(body, headers["stripe-signature"])
    session = _stripe(providers).v1.checkout.sessions.retrieve(paid.provider_payment_id or "")
    intent = session.payment_intent
    assert isinstance(intent, str)
    _stripe(providers).v1.refunds.create(params={"payment_intent": intent})
    charge = providers.objects[providers.objects[intent]["latest_charge"]]
    body, headers = providers.stripe_event("charge.refunded", dict(charge))
    assert payments.stripe_webhook(body, headers["stripe-signature"]) == "refunded"
    assert _books(buyer.id) == (0, 0, 0, 0)
    assert _kinds(buyer.id) == [("topup", 3000), ("refund", -3000)]

    expired = _started(buyer, package.id, "stripe")
    body, headers = providers.cancel("stripe", expired.provider_payment_id or "")
    assert payments.stripe_webhook(body, headers["stripe-signature"]) == "canceled"
    assert _books(buyer.id) == (0, 0, 0, 0)


# ---- refunds while answers hold credits, reconciliation, errors --------------------------------


def test_a_refund_takes_what_is_free_and_blocks_answers_until_the_rest_is_paid(
    database: str, admin: Account, providers: FakePaymentServer
) -> None:
    buyer, _, pid = _paying(admin, balance=0)
    payments.yookassa_webhook(providers.pay("yookassa", pid)[0], "127.0.0.1")
    with write_session() as s:  # an answer in progress holds 4000 of the 5000
        hold = holds.reserve(
            s, buyer.id, model="gpt-4", coefficient="1", prompt_tokens=10, max_output=3990
        )
    assert hold.amount == 4000
    refund = yookassa.Refund.create(
        {"payment_id": pid, "amount": {"value": "199.00", "currency": "RUB"}}
    )
    assert refund.id is not None
    payments.yookassa_webhook(providers.yookassa_notification(refund.id, "refund.succeeded"), "::1")
    assert _books(buyer.id) == (4000, 4000, 4000, 4000)  # 1000 taken, 4000 owed
    with write_session() as s, pytest.raises(Conflict) as err:
        holds.reserve(s, buyer.id, model="gpt-4", coefficient="1", prompt_tokens=1, max_output=1)
    assert err.value.code == "credits_owed"
    with write_session() as s:  # the answer ends having used 600 credits
        holds.settle(s, hold.reservation_id, 100, 500)
    assert _books(buyer.id) == (3400, 0, 4000, 3400)
    assert topups.collect_all_owed() == 3400
    assert _books(buyer.id) == (0, 0, 600, 0)
    with write_session() as s:  # an admin's credit pays the rest off, the surplus stays
        billing.change_balance(s, admin.actor(), buyer.id, "add", 1000, "goodwill")
    assert topups.collect_all_owed() == 600
    assert _books(buyer.id) == (400, 0, 0, 400)
    with write_session() as s:
        holds.reserve(s, buyer.id, model="gpt-4", coefficient="1", prompt_tokens=1, max_output=1)


def test_reconciliation_credits_a_payment_whose_webhook_was_lost(
    database: str, admin: Account, providers: FakePaymentServer
) -> None:
    buyer = make_account(balance=0)
    payment = _started(buyer, _package(admin).id, "yookassa")
    providers.pay("yookassa", payment.provider_payment_id or "")  # no webhook URL: lost
    with pytest.raises(Forbidden):
        payments.reconcile(buyer.actor(), payment.id)
    assert payments.reconcile(admin.actor(), payment.id).status == "succeeded"
    assert payments.reconcile(admin.actor(), payment.id).status == "succeeded"
    assert _books(buyer.id) == (5000, 0, 0, 5000)
    with write_session() as s:
        rows, total = payments.all_payments(s, admin.actor(), "succeeded")
    assert total == 1 and rows[0].payment.id == payment.id and rows[0].user_email


def test_providers_are_off_until_configured_and_failures_are_recorded(
    database: str, admin: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    buyer = make_account(balance=0)
    package = _package(admin)
    with pytest.raises(NotFound) as err:
        _started(buyer, package.id, "stripe")
    assert err.value.code == "provider_off"
    with pytest.raises(NotFound):
        payments.stripe_webhook(b"{}", "t=1,v1=00")
    unreachable = dataclasses.replace(
        gateways.settings, stripe_secret_key="sk_test_x", stripe_api_base="http://127.0.0.1:9"
    )
    monkeypatch.setattr(gateways, "settings", unreachable)
    with pytest.raises(ProviderError):
        _started(buyer, package.id, "stripe")
    with read_session() as s:
        failed = s.exec(select(Payment).where(Payment.user_id == buyer.id)).one()
    assert failed.status == "failed" and failed.problem
    assert _books(buyer.id) == (0, 0, 0, 0)


def test_packages_need_the_balance_permission_and_valid_fields(
    database: str, admin: Account
) -> None:
    user = make_account()
    with write_session() as s, pytest.raises(Forbidden):
        payments.create_package(s, user.actor(), "X", 100, "RUB", 10)
    for bad in (
        {"price": 0}, {"price": 1.5}, {"credits": True}, {"currency": "RUBL"}, {"name": " "},
        {"currency": 12}, {"name": "a\x00b"},
    ):  # fmt: skip
        fields: dict[str, Any] = {"name": "P", "price": 100, "currency": "rub", "credits": 10}
        with write_session() as s, pytest.raises(InvalidInput):
            payments.create_package(s, admin.actor(), **(fields | bad))
    with write_session() as s:
        package = payments.create_package(s, admin.actor(), "P", 100, "rub", 10)
        assert package.currency == "RUB"
        payments.update_package(s, admin.actor(), package.id, active=False, price=200)
    with read_session() as s:
        assert payments.list_packages(s) == []
        assert [p.price for p in payments.list_packages(s, admin.actor())] == [200]
