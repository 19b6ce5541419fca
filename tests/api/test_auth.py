"""/api/auth (login, register, me), tokens and their invalidation: PRODUCT.md §2 and §4.
The docs, the schema and the catch-all: test_routes.py."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from metogpt.services import users
from metogpt.services.auth import THROTTLE_TRIES
from metogpt.services.catalog import get_catalog
from metogpt.services.db import write_session
from metogpt.settings import settings
from tests.api.helpers import (
    assert_error,
    assert_user_json,
    each,
    ledger_of,
    login_failures,
    snapshot,
)
from tests.conftest import Account, make_account

LOGIN = "/api/auth/login"
REGISTER = "/api/auth/register"
ME = "/api/auth/me"


def _login(api: TestClient, email: str, password: str):
    return api.post(LOGIN, json={"email": email, "password": password})


# ---- login ------------------------------------------------------------------------------


def test_login_returns_a_working_token_and_the_user(api: TestClient, database: str) -> None:
    acc = make_account("PRO", balance=750)
    r = _login(api, acc.user.email.upper(), acc.password)  # emails match case-insensitively
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"token", "token_type", "expires_in", "user"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.token_ttl_seconds > 0
    assert_user_json(body["user"], _id=acc.id, role="PRO", balance=750, email=acc.user.email)
    me = api.get(ME, headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json()["user"]["_id"] == acc.id


def test_login_with_bad_credentials_is_401(api: TestClient, database: str) -> None:
    acc = make_account()
    tries = [
        (acc.user.email, "password-2"),
        ("nobody@example.com", acc.password),
        (acc.user.email, ""),
        (acc.user.email + "\x00", acc.password),  # a 500 on PostgreSQL before
        ("\x00", "\x00"),
    ]
    each(tries, lambda t: assert_error(_login(api, *t), 401, "bad_credentials"))


def test_login_with_malformed_body_is_422(api: TestClient, database: str) -> None:
    bodies = [{}, {"email": "a@b.c"}, {"password": "x" * 8}, {"email": 5, "password": "x" * 8}]
    each([*bodies, [], "x", None], lambda body: assert_error(api.post(LOGIN, json=body), 422))


def test_login_of_a_disabled_user_is_401(api: TestClient, database: str, admin: Account) -> None:
    acc = make_account()
    with write_session() as s:
        users.set_enabled(s, admin.actor(), acc.id, False)
    assert_error(_login(api, acc.user.email, acc.password), 401, "account_disabled")


def test_login_throttle_refuses_the_eighth_try_even_with_the_right_password(
    api: TestClient, database: str
) -> None:
    acc = make_account()
    assert THROTTLE_TRIES == 7
    for _ in range(THROTTLE_TRIES):
        assert_error(_login(api, acc.user.email, "wrong-password"), 401, "bad_credentials")
    for password in ("wrong-password", acc.password):
        r = _login(api, acc.user.email, password)
        assert_error(r, 429, "rate_limited")
        retry = r.headers.get("Retry-After")
        assert retry is not None and retry.isdigit() and 1 <= int(retry) <= 301, retry
    # Another account from the same address is not affected.
    other = make_account()
    assert _login(api, other.user.email, other.password).status_code == 200


def test_a_successful_login_clears_the_failed_tries(api: TestClient, database: str) -> None:
    acc = make_account()
    for _ in range(THROTTLE_TRIES - 1):
        assert_error(_login(api, acc.user.email, "wrong-password"), 401)
    assert login_failures() == THROTTLE_TRIES - 1
    assert _login(api, acc.user.email, acc.password).status_code == 200
    assert login_failures() == 0
    for _ in range(THROTTLE_TRIES - 1):  # a fresh allowance, not one try left
        assert_error(_login(api, acc.user.email, "wrong-password"), 401)


# ---- register -----------------------------------------------------------------------------


def _new(n: int = 1, **over: str) -> dict[str, str]:
    body = {
        "email": f"new{n}@example.com",
        "username": f"new{n}",
        "name": f"New {n}",
        "password": "secret-password",
    }
    body.update(over)
    return body


def test_register_creates_a_user_with_a_grant_of_2000(api: TestClient, database: str) -> None:
    r = api.post(REGISTER, json=_new(email="Mixed.Case@Example.com"))
    assert r.status_code == 201, r.text
    user = r.json()["user"]
    assert set(r.json()) == {"user"}
    assert_user_json(user, email="mixed.case@example.com", role="USER", balance=2000)
    rows = ledger_of(user["_id"])
    assert [(e.kind, e.amount, e.balance_after) for e in rows] == [("grant", 2000, 2000)]
    assert _login(api, "mixed.case@example.com", "secret-password").status_code == 200


@pytest.mark.parametrize(
    "clash",
    [
        {"email": "new1@example.com"},
        {"email": "NEW1@Example.COM"},
        {"username": "new1"},
        {"username": "NEW1"},
    ],
    ids=["same email", "email in other case", "same username", "username in other case"],
)
def test_register_a_taken_email_or_username_is_409(
    api: TestClient, database: str, clash: dict[str, str]
) -> None:
    assert api.post(REGISTER, json=_new(1)).status_code == 201
    before = snapshot()
    assert_error(api.post(REGISTER, json=_new(2, **clash)), 409)
    assert snapshot() == before


BAD_REGISTRATIONS: list[dict[str, Any]] = [
    {"email": "not-an-email"},
    {"email": "a b@example.com"},
    {"email": "nul\x00@example.com"},
    {"username": "x"},
    {"username": "has space"},
    {"username": "zero\u200bwidth"},
    {"name": ""},
    {"name": "   "},
    {"name": "bell\x07"},
    {"name": "rtl\u202eoverride"},
    {"password": "short"},
    {"password": "x" * 257},
    {"email": 5},
    {"name": None},
    {"extra": "field"},
]


def test_register_with_bad_input_is_422_and_creates_nothing(api: TestClient, database: str) -> None:
    def check(over: dict[str, Any]) -> None:
        before = snapshot()
        assert_error(api.post(REGISTER, json={**_new(), **over}), 422)
        assert snapshot() == before

    each(BAD_REGISTRATIONS, check)


def test_register_when_disabled_is_403(
    api: TestClient, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = dataclasses.replace(settings, allow_registration=False)
    monkeypatch.setattr("metogpt.services.accounts.settings", closed)
    before = snapshot()
    assert_error(api.post(REGISTER, json=_new()), 403, "registration_disabled")
    assert snapshot() == before


# ---- me and tokens ------------------------------------------------------------------------


def test_me_for_admin_has_every_permission_and_every_model(api: TestClient, admin: Account) -> None:
    r = api.get(ME, headers=admin.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"user", "permissions", "models"}
    assert_user_json(body["user"], _id=admin.id, role="ADMIN")
    granted = {(t, a) for t, acts in body["permissions"].items() for a, v in acts.items() if v}
    assert granted == {
        ("USER_MANAGEMENT", "READ"),
        ("USER_MANAGEMENT", "UPDATE"),
        ("ROLE_MANAGEMENT", "READ"),
        ("ROLE_MANAGEMENT", "CREATE"),
        ("ROLE_MANAGEMENT", "UPDATE"),
        ("ROLE_MANAGEMENT", "DELETE"),
        ("BALANCE_MANAGEMENT", "READ"),
        ("BALANCE_MANAGEMENT", "UPDATE"),
        ("ANALYTICS", "READ"),
    }
    assert body["models"] == [{"model": m, "coefficient": 1} for m in get_catalog().names()]


@pytest.mark.parametrize(
    ("role", "models"),
    [
        ("USER", [("gpt-3.5-turbo", 1.0)]),
        ("PRO", [("gpt-3.5-turbo", 1.0), ("gpt-4", 1.5), ("claude-3", 1.8)]),
    ],
)
def test_me_lists_the_models_of_the_role_with_coefficients(
    api: TestClient, database: str, role: str, models: list[tuple[str, float]]
) -> None:
    acc = make_account(role)
    body = api.get(ME, headers=acc.headers).json()
    assert [(m["model"], m["coefficient"]) for m in body["models"]] == models
    assert not any(v for acts in body["permissions"].values() for v in acts.values())
    assert_user_json(body["user"], role=role)


def _expired_token(acc: Account) -> str:
    now = int(time.time())
    claims = {"sub": acc.id, "ver": acc.user.token_version, "iat": now - 100, "exp": now - 10}
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def test_me_without_a_valid_token_is_401(api: TestClient, database: str) -> None:
    acc = make_account()
    forged = jwt.encode(
        {"sub": acc.id, "ver": 0, "exp": int(time.time()) + 60},
        "some-other-secret-that-is-long-enough-for-hs256",
        algorithm="HS256",
    )
    headers = [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer not.a.token"},
        {"Authorization": f"Bearer {forged}"},
        {"Authorization": f"Bearer {_expired_token(acc)}"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": acc.token},  # no scheme
    ]
    each(headers, lambda h: assert_error(api.get(ME, headers=h), 401))
    assert api.get(ME, headers=acc.headers).status_code == 200  # the real one works


def test_a_role_change_invalidates_the_users_tokens(api: TestClient, admin: Account) -> None:
    acc = make_account("USER")
    assert api.get(ME, headers=acc.headers).status_code == 200
    r = api.put(f"/api/admin/users/{acc.id}/role", json={"role": "PRO"}, headers=admin.headers)
    assert r.status_code == 200, r.text
    assert_error(api.get(ME, headers=acc.headers), 401, "token_revoked")
    fresh = _login(api, acc.user.email, acc.password).json()["token"]
    me = api.get(ME, headers={"Authorization": f"Bearer {fresh}"}).json()
    assert me["user"]["role"] == "PRO" and len(me["models"]) == 3


def test_disabling_a_user_invalidates_their_tokens(api: TestClient, admin: Account) -> None:
    acc = make_account("USER")
    assert api.get(ME, headers=acc.headers).status_code == 200
    with write_session() as s:
        users.set_enabled(s, admin.actor(), acc.id, False)
    assert_error(api.get(ME, headers=acc.headers), 401)
    with write_session() as s:  # enabling again does not bring the old token back
        users.set_enabled(s, admin.actor(), acc.id, True)
    assert_error(api.get(ME, headers=acc.headers), 401)
