"""/api/admin/users: list and search, and the models of a user. Each route: success and
each of its errors (PRODUCT.md §3, §4). Balances and the ledger are in test_balances.py,
roles of users in test_user_roles.py."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from metogpt.services import accounts
from tests.api.helpers import (
    USERS,
    assert_error,
    assert_user_json,
    each,
    make_role,
)
from tests.conftest import Account, make_account


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
