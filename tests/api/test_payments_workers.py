"""Two real worker processes serving the REST API on one database (SQLite file, and
PostgreSQL when TEST_POSTGRES_URL is set): the same webhook sent 10 times at once, half to
each worker, credits once; a grant asked for at once through both, and again after both
restart, is given once."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from metogpt.services import db
from tests.api.helpers import balance_of, ledger_of
from tests.conftest import Account, make_account
from tests.fixtures.fake_payments import FakePaymentServer
from tests.support.workers import REQUEST_TIMEOUT, Workers


class PaymentWorkers(Workers):
    def at_once(self, send: Callable[[str], httpx.Response], times: int = 10) -> list[Any]:
        """`send(worker_url)` from `times` threads at once, alternating between the workers."""
        gate = threading.Barrier(times)

        def one(i: int) -> Any:
            gate.wait()
            r = send(self.urls[i % 2])
            assert r.status_code == 200, r.text
            return r.json()

        with ThreadPoolExecutor(max_workers=times) as pool:
            return list(pool.map(one, range(times)))


@pytest.fixture
def workers(database: str, providers: FakePaymentServer) -> Iterator[PaymentWorkers]:
    env = os.environ | {
        "DATABASE_URL": db.engines().url,
        "METOGPT_YOOKASSA_SHOP_ID": providers.shop_id,
        "METOGPT_YOOKASSA_SECRET_KEY": providers.yookassa_secret,
        "METOGPT_YOOKASSA_API_URL": providers.yookassa_api_url,
        "METOGPT_STRIPE_SECRET_KEY": providers.stripe_key,
        "METOGPT_STRIPE_WEBHOOK_SECRET": providers.stripe_webhook_secret,
        "METOGPT_STRIPE_API_BASE": providers.stripe_api_base,
    }
    pool = PaymentWorkers(env)
    pool.start()
    yield pool
    pool.stop()


def _buy(workers: PaymentWorkers, admin: Account, buyer: Account, currency: str) -> str:
    package = {"name": "Pack", "price": 19900, "currency": currency, "credits": 5000}
    r = httpx.post(
        f"{workers.urls[0]}/api/admin/packages",
        json=package,
        headers=admin.headers,
        timeout=REQUEST_TIMEOUT,
    )
    assert r.status_code == 201, r.text
    r = httpx.post(
        f"{workers.urls[1]}/api/payments",
        json={"package_id": r.json()["id"]},
        headers=buyer.headers,
        timeout=REQUEST_TIMEOUT,
    )
    assert r.status_code == 201, r.text
    return r.json()["confirmation_url"].rsplit("/", 1)[1]


@pytest.mark.parametrize("provider", ["yookassa", "stripe"])
def test_one_webhook_ten_times_at_once_to_two_workers_credits_once(
    workers: PaymentWorkers, admin: Account, providers: FakePaymentServer, provider: str
) -> None:
    buyer = make_account(balance=0)
    provider_id = _buy(workers, admin, buyer, "RUB" if provider == "yookassa" else "USD")
    body, headers = providers.pay(provider, provider_id)  # type: ignore[arg-type]
    results = workers.at_once(
        lambda url: httpx.post(
            f"{url}/api/payments/{provider}/webhook",
            content=body,
            headers=headers,
            timeout=REQUEST_TIMEOUT,
        )
    )
    assert results == [{"result": "succeeded"}] * 10
    assert balance_of(buyer.id) == 5000
    assert [e.kind for e in ledger_of(buyer.id)] == ["topup"]


def test_a_grant_asked_for_through_two_workers_and_after_restarts_is_given_once(
    workers: PaymentWorkers, admin: Account
) -> None:
    grant = {"amount": 1000, "every": 1, "unit": "days", "mode": "add"}
    r = httpx.put(
        f"{workers.urls[0]}/api/admin/roles/USER",
        json={"grant": grant},
        headers=admin.headers,
        timeout=REQUEST_TIMEOUT,
    )
    assert r.status_code == 200, r.text
    user = make_account(balance=0)

    def ask(url: str) -> httpx.Response:
        return httpx.get(f"{url}/api/me/grant", headers=user.headers, timeout=REQUEST_TIMEOUT)

    first = workers.at_once(ask)
    assert {r["nextGrantAt"] for r in first} == {first[0]["nextGrantAt"]}
    assert balance_of(user.id) == 1000
    workers.stop()
    workers.start()
    workers.at_once(ask)
    assert balance_of(user.id) == 1000
    assert [(e.kind, e.amount) for e in ledger_of(user.id)] == [("grant", 1000)]
