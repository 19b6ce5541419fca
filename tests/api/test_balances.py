"""/api/admin/users/{userId}/balance and /transactions: setting and adjusting a balance, each
of its refusals (bad input, overdrafts, holds, permissions, oversized bodies) changing
nothing, and the user's ledger (PRODUCT.md §3, §4)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from metogpt.services import holds
from metogpt.services.billing import MAX_BALANCE
from metogpt.services.db import write_session
from tests.api.helpers import (
    USERS,
    assert_error,
    assert_user_json,
    balance_of,
    each,
    ledger_of,
    make_role,
    only,
    snapshot,
)
from tests.conftest import Account, make_account


def _balance_url(user_id: str) -> str:
    return f"{USERS}/{user_id}/balance"


# ---- PUT /api/admin/users/{userId}/balance --------------------------------------------------


def test_set_balance_writes_one_adjustment_with_reason_and_actor(
    api: TestClient, admin: Account
) -> None:
    acc = make_account(balance=2000)
    r = api.put(
        _balance_url(acc.id), json={"balance": 5000, "reason": " top-up "}, headers=admin.headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert_user_json(body["user"], _id=acc.id, balance=5000)
    tx = body["transaction"]
    assert tx["kind"] == "adjustment" and tx["amount"] == 3000 and tx["balanceAfter"] == 5000
    assert tx["reason"] == "top-up" and tx["actorId"] == admin.id
    rows = ledger_of(acc.id)
    assert [(e.kind, e.amount) for e in rows] == [("grant", 2000), ("adjustment", 3000)]
    assert balance_of(acc.id) == sum(e.amount for e in rows) == 5000


def test_set_balance_to_zero_and_to_the_maximum(api: TestClient, admin: Account) -> None:
    acc = make_account(balance=2000)
    r = api.put(_balance_url(acc.id), json={"balance": 0, "reason": "r"}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["transaction"]["amount"] == -2000
    r = api.put(
        _balance_url(acc.id), json={"balance": MAX_BALANCE, "reason": "r"}, headers=admin.headers
    )
    assert r.status_code == 200 and r.json()["user"]["balance"] == MAX_BALANCE
    assert balance_of(acc.id) == sum(e.amount for e in ledger_of(acc.id)) == MAX_BALANCE


def test_set_balance_to_the_same_value_writes_nothing(api: TestClient, admin: Account) -> None:
    acc = make_account(balance=2000)
    r = api.put(_balance_url(acc.id), json={"balance": 2000, "reason": "r"}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["transaction"] is None
    assert len(ledger_of(acc.id)) == 1


@pytest.mark.parametrize("delta", [250, -2000, 7.0], ids=["credit", "to zero", "whole float"])
def test_adjust_balance_by_delta(api: TestClient, admin: Account, delta: float) -> None:
    acc = make_account(balance=2000)
    r = api.put(_balance_url(acc.id), json={"delta": delta, "reason": "r"}, headers=admin.headers)
    assert r.status_code == 200, r.text
    assert r.json()["transaction"]["amount"] == int(delta)
    assert r.json()["user"]["balance"] == balance_of(acc.id) == 2000 + int(delta)
    assert [e.amount for e in ledger_of(acc.id)] == [2000, int(delta)]


def _refused_balance(api: TestClient, admin: Account, user_id: str, **kw: Any) -> dict:
    """Send a balance request that must be refused; return the error after checking that
    nothing at all changed."""
    before = snapshot()
    r = api.put(_balance_url(user_id), headers={**admin.headers, **kw.pop("headers", {})}, **kw)
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    body = assert_error(r, r.status_code)
    assert snapshot() == before
    return {"status": r.status_code, **body}


BAD_BALANCE_JSON: list[Any] = [
    {"balance": -1, "reason": "r"},
    {"delta": -(10**15), "reason": "r"},
    {"balance": 10**15, "reason": "r"},
    {"delta": 10**15, "reason": "r"},
    {"balance": MAX_BALANCE + 1, "reason": "r"},
    {"balance": 10.5, "reason": "r"},
    {"delta": 0.5, "reason": "r"},
    {"balance": 1e300, "reason": "r"},
    {"balance": "100", "reason": "r"},
    {"delta": "5", "reason": "r"},
    {"balance": True, "reason": "r"},
    {"balance": None, "reason": "r"},
    {"balance": [5], "reason": "r"},
    {"balance": {"$gt": 0}, "reason": "r"},
    {"delta": 0, "reason": "r"},
    {},
    {"reason": "only a reason"},
    {"balance": 5, "delta": 5, "reason": "r"},
    {"balance": 5, "extra": 1, "reason": "r"},
    {"delta": 5, "reason": 5},
    {"delta": 5, "reason": "r" * 501},
    {"delta": 5, "reason": "nul\x00byte"},
    [5],
    "5",
    5,
    None,
    {"delta": 5},  # no reason
    {"delta": 5, "reason": " \t "},  # a blank reason
    {"balance": 5, "reason": None},
]


def test_bad_balance_input_is_422_and_changes_nothing(api: TestClient, admin: Account) -> None:
    acc = make_account(balance=2000)

    def check(body: Any) -> None:
        err = _refused_balance(api, admin, acc.id, json=body)
        assert err["status"] == 422, err

    each(BAD_BALANCE_JSON, check)
    assert balance_of(acc.id) == 2000 and len(ledger_of(acc.id)) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"delta": 5}, "reason_required"),
        ({"balance": 5, "reason": None}, "reason_required"),
        ({"delta": 5, "reason": "   "}, "reason_required"),
        ({"balance": 5, "reason": "r" * 501}, "invalid"),  # the schema's limit speaks first
    ],
    ids=["missing", "null", "blank", "too long"],
)
def test_every_balance_change_needs_a_reason(
    api: TestClient, admin: Account, body: dict[str, Any], code: str
) -> None:
    acc = make_account(balance=2000)
    err = _refused_balance(api, admin, acc.id, json=body)
    assert (err["status"], err["error"]) == (422, code)


def test_the_openapi_schema_says_a_reason_is_required(api: TestClient) -> None:
    schema = api.get("/api/openapi.json").json()["components"]["schemas"]["BalanceIn"]
    assert "reason" in schema["required"]


RAW_BAD_BALANCE: list[bytes] = [
    b'{"balance": NaN}',
    b'{"delta": NaN}',
    b'{"delta": Infinity}',
    b'{"balance": -Infinity}',
    b'{"balance": 1e999}',
    b'{"balance": 1',
    b"",
    b"balance=5",
    b'{"balance": 5, "balance": "x"}',
    '{"delta": 5, "reason": "\ud800"}'.encode("utf-8", "surrogatepass"),
    b'{"delta": 5, "reason": "\\ud800"}',
]


def test_raw_bad_balance_bodies_are_4xx_and_change_nothing(api: TestClient, admin: Account) -> None:
    acc = make_account(balance=2000)

    def check(raw: bytes) -> None:
        err = _refused_balance(
            api, admin, acc.id, content=raw, headers={"Content-Type": "application/json"}
        )
        assert err["status"] in (400, 422), err

    each(RAW_BAD_BALANCE, check)


def test_a_balance_body_with_the_wrong_content_type_is_refused(
    api: TestClient, admin: Account
) -> None:
    acc = make_account(balance=2000)
    err = _refused_balance(
        api, admin, acc.id, content=b'{"delta": 5}', headers={"Content-Type": "text/plain"}
    )
    assert err["status"] in (415, 422), err


def test_a_10_mb_body_is_413_and_changes_nothing(api: TestClient, admin: Account) -> None:
    acc = make_account(balance=2000)
    big = b'{"delta": 5, "reason": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    err = _refused_balance(
        api, admin, acc.id, content=big, headers={"Content-Type": "application/json"}
    )
    assert err["status"] == 413 and err["error"] == "too_large"


def test_a_10_mb_chunked_body_without_length_is_413(api: TestClient, admin: Account) -> None:
    acc = make_account(balance=2000)

    def chunks():
        yield b'{"delta": 5, "reason": "'
        for _ in range(10):
            yield b"x" * (1024 * 1024)
        yield b'"}'

    err = _refused_balance(
        api, admin, acc.id, content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert err["status"] == 413


def test_overdrawing_by_delta_is_409_and_changes_nothing(api: TestClient, admin: Account) -> None:
    acc = make_account(balance=100)
    err = _refused_balance(api, admin, acc.id, json={"delta": -101, "reason": "r"})
    assert err["status"] == 409 and err["error"] == "insufficient_balance"


def test_going_over_the_maximum_by_delta_is_422(api: TestClient, admin: Account) -> None:
    acc = make_account(balance=100)
    err = _refused_balance(api, admin, acc.id, json={"delta": MAX_BALANCE, "reason": "r"})
    assert err["status"] == 422 and err["error"] == "too_large"


def test_setting_below_what_answers_in_flight_hold_is_409(api: TestClient, admin: Account) -> None:
    acc = make_account(balance=1000)
    with write_session() as s:
        hold = holds.reserve(
            s, acc.id, model="gpt-4", coefficient="1", prompt_tokens=10, max_output=500
        )
    assert hold.amount == 510
    err = _refused_balance(api, admin, acc.id, json={"balance": 100, "reason": "r"})
    assert err["status"] == 409 and err["error"] == "reserved"
    err = _refused_balance(api, admin, acc.id, json={"delta": -600, "reason": "r"})
    assert err["status"] == 409


def test_balance_of_an_unknown_user_is_404(api: TestClient, admin: Account) -> None:
    for user_id in ("0" * 32, "nobody", "x" * 32):
        err = _refused_balance(api, admin, user_id, json={"delta": 5, "reason": "r"})
        assert err["status"] == 404 and err["error"] == "user_not_found"
    err = _refused_balance(api, admin, "y" * 33, json={"delta": 5, "reason": "r"})
    assert err["status"] in (404, 422)


def test_balance_needs_a_token_and_balance_update(api: TestClient, database: str) -> None:
    acc = make_account(balance=2000)
    make_role("BALREAD", only("BALANCE_MANAGEMENT.READ", "USER_MANAGEMENT.READ"))
    before = snapshot()
    assert_error(api.put(_balance_url(acc.id), json={"delta": 5, "reason": "r"}), 401)
    for who in (acc, make_account("BALREAD")):
        r = api.put(_balance_url(acc.id), json={"delta": 5, "reason": "r"}, headers=who.headers)
        assert_error(r, 403, "forbidden")
    assert snapshot()["ledger"] == before["ledger"] + 1  # only the BALREAD user's own grant
    assert balance_of(acc.id) == 2000


# ---- GET /api/admin/users/{userId}/transactions ---------------------------------------------


def test_transactions_newest_first_with_total_and_pages(api: TestClient, admin: Account) -> None:
    acc = make_account(balance=2000)
    for delta in (10, 20, 30):
        api.put(_balance_url(acc.id), json={"delta": delta, "reason": "r"}, headers=admin.headers)
    url = f"{USERS}/{acc.id}/transactions"
    r = api.get(url, headers=admin.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 4
    assert [(t["kind"], t["amount"]) for t in body["transactions"]] == [
        ("adjustment", 30),
        ("adjustment", 20),
        ("adjustment", 10),
        ("grant", 2000),
    ]
    assert [t["balanceAfter"] for t in body["transactions"]] == [2060, 2030, 2010, 2000]
    page = api.get(url, params={"limit": 2, "offset": 2}, headers=admin.headers).json()
    assert page["total"] == 4 and [t["amount"] for t in page["transactions"]] == [10, 2000]


def test_transactions_errors(api: TestClient, admin: Account) -> None:
    acc = make_account()
    url = f"{USERS}/{acc.id}/transactions"
    assert_error(api.get(url), 401)
    assert_error(api.get(url, headers=acc.headers), 403, "forbidden")
    make_role("USERREAD", only("USER_MANAGEMENT.READ"))
    assert_error(api.get(url, headers=make_account("USERREAD").headers), 403)
    assert_error(api.get(f"{USERS}/{'0' * 32}/transactions", headers=admin.headers), 404)
    for params in ({"limit": 501}, {"limit": 0}, {"offset": -1}):
        assert_error(api.get(url, params=params, headers=admin.headers), 422)
