"""/api/me/usage and /api/me/transactions: the caller's own figures with a bearer token, the
API's error shape for a missing token and bad input, and never another user's rows."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from metogpt.services import auth, billing, holds
from metogpt.services.db import write_session
from tests.api.helpers import assert_error, assert_utc, ledger_of
from tests.conftest import Account, make_account

USAGE, TRANSACTIONS = "/api/me/usage", "/api/me/transactions"


def _charge(user_id: str, model: str, prompt: int, completion: int) -> None:
    with write_session() as s:
        hold = holds.reserve(
            s, user_id, model=model, coefficient="1.5", prompt_tokens=prompt, max_output=100
        )
    with write_session() as s:
        holds.settle(s, hold.reservation_id, prompt, completion)


@pytest.mark.parametrize("url", [USAGE, TRANSACTIONS])
def test_me_needs_a_valid_bearer_token(api: TestClient, url: str) -> None:
    assert_error(api.get(url), 401)
    assert_error(api.get(url, headers={"Authorization": "Bearer not-a-token"}), 401)
    alice = make_account()
    with write_session() as s:  # a signed-out token is refused too
        auth.logout(s, alice.token)
    assert_error(api.get(url, headers=alice.headers), 401)


def test_usage_is_the_callers_own_by_day_and_model(api: TestClient) -> None:
    alice, bob = make_account(balance=10_000), make_account(balance=10_000)
    _charge(alice.id, "gpt-4", 100, 41)  # ceil(141 × 1.5) = 212
    _charge(alice.id, "claude-3", 10, 10)  # 30
    _charge(bob.id, "gpt-4", 1000, 1000)  # 3000, Bob's: never in Alice's answer
    r = api.get(USAGE, params={"days": 7}, headers=alice.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"days", "byDay", "byModel", "total"} and body["days"] == 7
    assert len(body["byDay"]) == 7
    assert body["byDay"][-1]["credits"] == 242 and body["byDay"][-1]["answers"] == 2
    assert sum(d["credits"] for d in body["byDay"][:-1]) == 0
    assert body["byModel"] == [
        {"key": "gpt-4", "tokens": 141, "credits": 212, "answers": 1},
        {"key": "claude-3", "tokens": 20, "credits": 30, "answers": 1},
    ]
    assert body["total"] == {"key": "total", "tokens": 161, "credits": 242, "answers": 2}
    # The default range is 30 days; Bob sees his own figure only.
    default = api.get(USAGE, headers=bob.headers).json()
    assert default["days"] == 30 and len(default["byDay"]) == 30
    assert default["total"]["credits"] == 3000 and [m["key"] for m in default["byModel"]] == [
        "gpt-4"
    ]


@pytest.mark.parametrize("days", ["0", "367", "-1", "abc", "1.5", ""])
def test_usage_days_must_be_1_to_366(api: TestClient, days: str) -> None:
    alice = make_account()
    body = assert_error(api.get(USAGE, params={"days": days}, headers=alice.headers), 422)
    assert body["error"] == "invalid" and "days" in body["message"]


def test_usage_accepts_the_range_ends(api: TestClient) -> None:
    alice = make_account()
    for days in (1, 366):
        r = api.get(USAGE, params={"days": days}, headers=alice.headers)
        assert r.status_code == 200 and len(r.json()["byDay"]) == days


def test_transactions_are_the_callers_own_newest_first(api: TestClient, admin: Account) -> None:
    alice, bob = make_account(balance=1000), make_account(balance=1000)
    with write_session() as s:
        billing.change_balance(s, admin.actor(), alice.id, "add", 250, "refund for an outage")
    _charge(alice.id, "gpt-4", 10, 10)
    _charge(bob.id, "gpt-4", 10, 10)
    mine = ledger_of(alice.id)
    r = api.get(TRANSACTIONS, headers=alice.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"transactions", "total"} and body["total"] == len(mine) == 3
    rows = body["transactions"]
    assert [t["id"] for t in rows] == [e.id for e in reversed(mine)]
    assert [t["kind"] for t in rows] == ["charge", "adjustment", "grant"]
    assert rows[0]["amount"] == -30 and rows[0]["model"] == "gpt-4"
    assert rows[0]["balanceAfter"] == 1220
    assert rows[1]["reason"] == "refund for an outage" and rows[1]["amount"] == 250
    for t in rows:
        assert_utc(t["createdAt"])
    bobs = {e.id for e in ledger_of(bob.id)}
    assert not bobs & {t["id"] for t in rows}


def test_transactions_are_paginated(api: TestClient) -> None:
    alice = make_account(balance=1000)
    for _ in range(4):
        _charge(alice.id, "gpt-4", 1, 1)
    ids = [e.id for e in reversed(ledger_of(alice.id))]
    pages = [
        api.get(TRANSACTIONS, params={"limit": 2, "offset": o}, headers=alice.headers).json()
        for o in (0, 2, 4, 10)
    ]
    assert [p["total"] for p in pages] == [5, 5, 5, 5]
    assert [[t["id"] for t in p["transactions"]] for p in pages] == [ids[:2], ids[2:4], ids[4:], []]


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "x"}, {"offset": "1e3"}]
)
def test_transactions_paging_is_validated(api: TestClient, params: dict) -> None:
    alice = make_account()
    body = assert_error(api.get(TRANSACTIONS, params=params, headers=alice.headers), 422)
    assert body["error"] == "invalid"


def test_no_way_to_name_another_user(api: TestClient) -> None:
    """The routes take no user id: a query naming someone else is ignored, not obeyed."""
    alice, bob = make_account(balance=1000), make_account(balance=1000)
    _charge(bob.id, "gpt-4", 10, 10)
    for url in (USAGE, TRANSACTIONS):
        r = api.get(url, params={"user_id": bob.id, "userId": bob.id}, headers=alice.headers)
        assert r.status_code == 200
        assert bob.id not in r.text
    assert (
        api.get(USAGE, params={"userId": bob.id}, headers=alice.headers).json()["total"]["credits"]
        == 0
    )
    assert_error(api.get(f"{TRANSACTIONS}/{bob.id}", headers=alice.headers), 404)
