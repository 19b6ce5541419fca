"""/api/admin/users/{userId}/role: a role given and seen everywhere, bad or unknown
assignments changing nothing, the last active admin kept, and no one giving powers they
lack (PRODUCT.md §3, §4)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from metogpt.services import users
from metogpt.services.db import write_session
from tests.api.helpers import (
    USERS,
    all_but,
    assert_error,
    assert_user_json,
    each,
    make_role,
    only,
    snapshot,
)
from tests.conftest import Account, make_account

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
