"""/api/admin/users: list and search, balances, the ledger, roles of users, their models.
Each route: success and each of its errors; bad input changes nothing (PRODUCT.md §3, §4)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from metogpt.services import accounts, holds, users
from metogpt.services.billing import MAX_BALANCE
from metogpt.services.db import write_session
from tests.api.helpers import (
    all_but,
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

USERS = "/api/admin/users"


def _balance_url(user_id: str) -> str:
    return f"{USERS}/{user_id}/balance"


def _register(email: str, username: str, name: str) -> str:
    return accounts.create(email, username, name, "password-1").id


# ---- GET /api/admin/users -------------------------------------------------------------------


def test_list_users_returns_seed_compatible_users(api: TestClient, admin: Account) -> None:
    pro = make_account("PRO", balance=123)
    r = api.get(USERS, headers=admin.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"users", "total"} and body["total"] == 2
    by_id = {u["_id"]: u for u in body["users"]}
    assert set(by_id) == {admin.id, pro.id}
    for u in body["users"]:
        assert_user_json(u)
    assert_user_json(by_id[pro.id], role="PRO", balance=123, email=pro.user.email)
    assert "password_hash" not in by_id[pro.id] and "passwordHash" not in by_id[pro.id]


def test_list_users_searches_email_username_and_name_case_insensitively(
    api: TestClient, admin: Account
) -> None:
    alice = _register("alice.smith@example.com", "alice_s", "Alice Smith")
    bob = _register("bob@corp.example", "bobby", "Robert Jones")
    carol = _register("carol@example.com", "carol", "Carol Alison")
    wild = _register("wild@example.com", "xexsx", "Percent 100")

    def found(search: str) -> set[str]:
        r = api.get(USERS, params={"search": search}, headers=admin.headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total"] == len(body["users"])
        return {u["_id"] for u in body["users"]}

    assert found("ALI") == {alice, carol}  # email + username + name, and name only
    assert found("CORP") == {bob}  # email
    assert found("BoBb") == {bob}  # username
    assert found("jones") == {bob}  # name
    assert found("  smith ") == {alice}  # trimmed
    assert found("e_s") == {alice}  # "_" is a character, not a wildcard ("xexsx")
    assert found("%") == set()  # "%" too
    assert found("100") == {wild}
    assert found("zzz") == set()
    assert found("a\x00") == set()  # nothing stored holds a NUL (a 500 on PostgreSQL before)
    assert len(found("")) == 5


def test_list_users_search_folds_case_beyond_ascii(api: TestClient, admin: Account) -> None:
    ivan = _register("ivan@example.com", "ezhik", "Иван Петров")
    _register("olga@example.com", "olga", "Ольга Смирнова")

    def found(search: str) -> set[str]:
        r = api.get(USERS, params={"search": search}, headers=admin.headers)
        assert r.status_code == 200, r.text
        return {u["_id"] for u in r.json()["users"]}

    assert found("иван") == found("ИВАН") == found("ИвАн") == {ivan}
    assert found("ИВ") == found("ив") == {ivan}  # too short for SQLite's search index
    assert found("петров") == {ivan}
    assert found("смирнов ") == found("СМИРНОВ") != {ivan}
    assert found("ivan") == {ivan}  # ASCII still matches the e-mail
    odysseus = _register("odysseus@example.com", "odysseus", "ΟΔΥΣΣΕΥΣ Λαέρτιος")
    assert found("δυσ") == found("ΛΑΈΡΤ") == found("λαέρτ") == {odysseus}


def test_list_users_pagination_totals_are_right(api: TestClient, admin: Account) -> None:
    ids = {admin.id} | {make_account().id for _ in range(6)}
    seen: list[str] = []
    for offset in range(0, 9, 3):
        r = api.get(USERS, params={"limit": 3, "offset": offset}, headers=admin.headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total"] == 7
        assert len(body["users"]) == min(3, 7 - offset)
        seen += [u["_id"] for u in body["users"]]
    assert len(seen) == 7 and set(seen) == ids  # every user once, none twice
    beyond = api.get(USERS, params={"offset": 50}, headers=admin.headers).json()
    assert beyond == {"users": [], "total": 7}
    default = api.get(USERS, headers=admin.headers).json()
    assert len(default["users"]) == 7
    for limit in (1, 500):
        assert api.get(USERS, params={"limit": limit}, headers=admin.headers).status_code == 200


def test_list_users_default_limit_is_50(api: TestClient, admin: Account) -> None:
    for n in range(51):
        accounts.create(f"bulk{n}@example.com", f"bulk{n}", f"Bulk {n}", "password-1", balance=0)
    body = api.get(USERS, headers=admin.headers).json()
    assert body["total"] == 52 and len(body["users"]) == 50


BAD_QUERIES: list[dict[str, Any]] = [
    {"limit": 501},
    {"limit": 0},
    {"limit": -1},
    {"limit": "ten"},
    {"limit": 2.5},
    {"offset": -1},
    {"offset": "x"},
    {"search": "s" * 201},
]


def test_list_users_with_bad_query_is_422(api: TestClient, admin: Account) -> None:
    each(
        BAD_QUERIES,
        lambda params: assert_error(api.get(USERS, params=params, headers=admin.headers), 422),
    )


def test_list_users_needs_a_token_and_user_management_read(api: TestClient, database: str) -> None:
    assert_error(api.get(USERS), 401)
    assert_error(api.get(USERS, headers=make_account("PRO").headers), 403, "forbidden")


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


# ---- PUT /api/admin/users/{userId}/role ----------------------------------------------------


def _role_url(user_id: str) -> str:
    return f"{USERS}/{user_id}/role"


def test_change_role_and_see_it_everywhere(api: TestClient, admin: Account) -> None:
    acc = make_account("USER")
    r = api.put(_role_url(acc.id), json={"role": "PRO"}, headers=admin.headers)
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"user"}
    assert_user_json(r.json()["user"], _id=acc.id, role="PRO")
    models = api.get(f"{USERS}/{acc.id}/models", headers=admin.headers).json()["models"]
    assert [m["model"] for m in models] == ["gpt-3.5-turbo", "gpt-4", "claude-3"]
    same = api.put(_role_url(acc.id), json={"role": "PRO"}, headers=admin.headers)
    assert same.status_code == 200 and same.json()["user"]["role"] == "PRO"


BAD_ROLE_BODIES: list[tuple[Any, int]] = [
    ({}, 422),
    ({"role": None}, 422),
    ({"role": 5}, 422),
    ({"role": ["PRO"]}, 422),
    ({"role": "PRO", "extra": 1}, 422),
    ({"role": "r" * 65}, 422),
    ([], 422),
    ({"role": "NOPE"}, 404),
    ({"role": "pro"}, 404),
    ({"role": ""}, 404),
    ({"role": "Рол"}, 404),
    ({"role": "PRO\u200b"}, 404),
    ({"role": "PRO\x00"}, 404),
    ({"role": "a" * 33}, 404),
]


def test_bad_role_assignment_is_4xx_and_changes_nothing(api: TestClient, admin: Account) -> None:
    acc = make_account("USER")

    def check(case: tuple[Any, int]) -> None:
        body, status = case
        before = snapshot()
        assert_error(api.put(_role_url(acc.id), json=body, headers=admin.headers), status)
        assert snapshot() == before

    each(BAD_ROLE_BODIES, check)
    assert api.get("/api/auth/me", headers=acc.headers).status_code == 200  # token still good


def test_change_role_of_an_unknown_user_is_404(api: TestClient, admin: Account) -> None:
    before = snapshot()
    r = api.put(_role_url("0" * 32), json={"role": "PRO"}, headers=admin.headers)
    assert_error(r, 404, "user_not_found")
    assert snapshot() == before


def test_change_role_needs_a_token_and_user_management_update(
    api: TestClient, database: str
) -> None:
    acc = make_account("USER")
    make_role("READER", only("USER_MANAGEMENT.READ"))
    before = snapshot()
    assert_error(api.put(_role_url(acc.id), json={"role": "PRO"}), 401)
    for who in (make_account("PRO"), make_account("READER")):
        r = api.put(_role_url(acc.id), json={"role": "PRO"}, headers=who.headers)
        assert_error(r, 403, "forbidden")
    assert snapshot()["users"][acc.id] == before["users"][acc.id]


def test_the_last_active_admin_cannot_be_demoted(api: TestClient, admin: Account) -> None:
    before = snapshot()
    r = api.put(_role_url(admin.id), json={"role": "USER"}, headers=admin.headers)
    assert_error(r, 409, "last_admin")
    assert snapshot() == before
    # With a second active admin, one of them may go, and then the other is the last.
    second = make_account("ADMIN")
    r = api.put(_role_url(admin.id), json={"role": "USER"}, headers=second.headers)
    assert r.status_code == 200, r.text
    r = api.put(_role_url(second.id), json={"role": "PRO"}, headers=second.headers)
    assert_error(r, 409, "last_admin")


def test_a_disabled_admin_does_not_count_as_active(api: TestClient, admin: Account) -> None:
    other = make_account("ADMIN")
    with write_session() as s:
        users.set_enabled(s, admin.actor(), other.id, False)
    r = api.put(_role_url(admin.id), json={"role": "USER"}, headers=admin.headers)
    assert_error(r, 409, "last_admin")


def test_the_last_active_admin_cannot_be_disabled(database: str, admin: Account) -> None:
    from metogpt.services.errors import Conflict, Forbidden

    manager_role = all_but()  # every permission, but not the ADMIN role
    make_role("SUPERVISOR", manager_role)
    supervisor = make_account("SUPERVISOR")
    with pytest.raises(Conflict) as last, write_session() as s:
        users.set_enabled(s, supervisor.actor(), admin.id, False)
    assert last.value.code == "last_admin"
    with pytest.raises(Forbidden), write_session() as s:  # nor can an admin disable itself
        users.set_enabled(s, admin.actor(), admin.id, False)
    assert snapshot()["users"][admin.id][4] is True


def test_no_one_assigns_a_role_holding_powers_they_lack(api: TestClient, database: str) -> None:
    make_role("MANAGER", all_but("BALANCE_MANAGEMENT.UPDATE", "BALANCE_MANAGEMENT.READ"))
    make_role("CASHIER", only("BALANCE_MANAGEMENT.UPDATE"))
    manager = make_account("MANAGER")
    target = make_account("USER")
    before = snapshot()
    for role in ("CASHIER", "ADMIN"):
        r = api.put(_role_url(target.id), json={"role": role}, headers=manager.headers)
        assert_error(r, 403, "escalation")
    # Nor take such a role away from someone (that would be managing a stronger account).
    cashier = make_account("CASHIER")
    before = snapshot()
    r = api.put(_role_url(cashier.id), json={"role": "USER"}, headers=manager.headers)
    assert_error(r, 403, "escalation")
    assert snapshot() == before
    ok = api.put(_role_url(target.id), json={"role": "PRO"}, headers=manager.headers)
    assert ok.status_code == 200 and ok.json()["user"]["role"] == "PRO"


# ---- GET /api/admin/users/{userId}/models ---------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("USER", [{"model": "gpt-3.5-turbo", "coefficient": 1}]),
        (
            "PRO",
            [
                {"model": "gpt-3.5-turbo", "coefficient": 1},
                {"model": "gpt-4", "coefficient": 1.5},
                {"model": "claude-3", "coefficient": 1.8},
            ],
        ),
    ],
)
def test_user_models_lists_enabled_models_with_coefficients(
    api: TestClient, admin: Account, role: str, expected: list[dict]
) -> None:
    acc = make_account(role)
    r = api.get(f"{USERS}/{acc.id}/models", headers=admin.headers)
    assert r.status_code == 200 and r.json() == {"models": expected}


def test_user_models_leave_out_disabled_models(api: TestClient, admin: Account) -> None:
    make_role(
        "MIXED",
        models={
            "gpt-4": {"enabled": False, "coefficient": 2},
            "claude-3": {"enabled": True, "coefficient": "0.0001"},
        },
    )
    acc = make_account("MIXED")
    r = api.get(f"{USERS}/{acc.id}/models", headers=admin.headers)
    assert r.json() == {"models": [{"model": "claude-3", "coefficient": 0.0001}]}


def test_user_models_errors(api: TestClient, admin: Account) -> None:
    acc = make_account()
    url = f"{USERS}/{acc.id}/models"
    assert_error(api.get(url), 401)
    assert_error(api.get(url, headers=acc.headers), 403, "forbidden")
    assert_error(api.get(f"{USERS}/{'0' * 32}/models", headers=admin.headers), 404)
    assert_error(api.get(f"{USERS}/nul%00id/models", headers=admin.headers), 404)
    assert_error(api.get(f"{USERS}/{'z' * 33}/models", headers=admin.headers), 422)
