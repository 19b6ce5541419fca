"""/api/admin/roles/{name}: update and delete. No escalation; system and in-use roles stay
(PRODUCT.md §2, §4). Listing, creating and validation: test_roles.py."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from metogpt.services import permissions
from tests.api.helpers import (
    all_but,
    assert_error,
    assert_role_json,
    assert_utc,
    each,
    granted,
    make_role,
    only,
    refused,
    snapshot,
)
from tests.conftest import Account, make_account

ROLES = "/api/admin/roles"


# ---- PUT /api/admin/roles/{name} ------------------------------------------------------------


def test_update_role_then_get_shows_it(api: TestClient, admin: Account) -> None:
    old = api.get(f"{ROLES}/PRO", headers=admin.headers).json()
    body = {
        "permissions": {"ANALYTICS": {"READ": True}},
        "modelAccess": {
            "gpt-4": {"enabled": False, "coefficient": 2.25},
            "gpt-4o": {"enabled": True, "coefficient": 0.5},
        },
    }
    r = api.put(f"{ROLES}/PRO", json=body, headers=admin.headers)
    assert r.status_code == 200, r.text
    updated = r.json()
    assert_role_json(updated)
    assert granted(updated) == {"ANALYTICS.READ"}
    assert updated["modelAccess"] == {
        "gpt-4": {"enabled": False, "coefficient": 2.25},
        "gpt-4o": {"enabled": True, "coefficient": 0.5},
    }
    assert assert_utc(updated["updatedAt"]) >= assert_utc(old["updatedAt"])
    assert updated["createdAt"] == old["createdAt"]
    assert api.get(f"{ROLES}/PRO", headers=admin.headers).json() == updated
    pro = make_account("PRO")
    me = api.get("/api/auth/me", headers=pro.headers).json()
    assert me["models"] == [{"model": "gpt-4o", "coefficient": 0.5}]


def test_update_only_one_part_keeps_the_other(api: TestClient, admin: Account) -> None:
    r = api.put(
        f"{ROLES}/PRO", json={"permissions": {"ANALYTICS": {"READ": True}}}, headers=admin.headers
    )
    assert r.status_code == 200 and len(r.json()["modelAccess"]) == 3
    r = api.put(f"{ROLES}/PRO", json={"modelAccess": {}}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["modelAccess"] == {}
    assert granted(r.json()) == {"ANALYTICS.READ"}


def test_update_an_unknown_role_is_404(api: TestClient, admin: Account) -> None:
    refused(api, admin, "PUT", f"{ROLES}/NOPE", {"permissions": {}}, 404)
    refused(api, admin, "PUT", f"{ROLES}/pro", {"permissions": {}}, 404)


def test_admin_keeps_every_permission(api: TestClient, admin: Account) -> None:
    body = {"permissions": all_but("ANALYTICS.READ")}
    refused(api, admin, "PUT", f"{ROLES}/ADMIN", body, 409)
    full = api.put(
        f"{ROLES}/ADMIN",
        json={"permissions": permissions.full_matrix()},
        headers=admin.headers,
    )
    assert full.status_code == 200 and len(granted(full.json())) == 9


def test_update_role_with_unknown_fields_is_422(api: TestClient, admin: Account) -> None:
    each(
        [{"name": "X"}, {"permissions": {}, "x": 1}, [], None],
        lambda body: refused(api, admin, "PUT", f"{ROLES}/PRO", body, 422),
    )


def test_update_role_needs_a_token_and_role_management_update(
    api: TestClient, database: str
) -> None:
    make_role("CREATOR", all_but("ROLE_MANAGEMENT.UPDATE"))
    before = snapshot()
    assert_error(api.put(f"{ROLES}/PRO", json={"modelAccess": {}}), 401)
    for who in (make_account("PRO"), make_account("CREATOR")):
        r = api.put(f"{ROLES}/PRO", json={"modelAccess": {}}, headers=who.headers)
        assert_error(r, 403, "forbidden")
    assert snapshot()["roles"] == before["roles"]


def test_a_manager_cannot_edit_a_role_into_or_out_of_powers_they_lack(
    api: TestClient, database: str
) -> None:
    make_role("ROLEADMIN", all_but("BALANCE_MANAGEMENT.UPDATE"))
    make_role("CASHIER", only("BALANCE_MANAGEMENT.UPDATE", "BALANCE_MANAGEMENT.READ"))
    manager = make_account("ROLEADMIN")
    grant = {"permissions": {"BALANCE_MANAGEMENT": {"UPDATE": True}}}
    body = assert_error(
        api.put(f"{ROLES}/PRO", json=grant, headers=manager.headers), 403, "escalation"
    )
    assert "BALANCE_MANAGEMENT.UPDATE" in body["message"]
    # A role that already holds it is out of their reach, even to take it away.
    for change in ({"permissions": {}}, {"modelAccess": {}}):
        refused(api, manager, "PUT", f"{ROLES}/CASHIER", change, 403)
    refused(api, manager, "PUT", f"{ROLES}/ADMIN", {"modelAccess": {}}, 403)
    ok = api.put(
        f"{ROLES}/PRO",
        json={"permissions": {"BALANCE_MANAGEMENT": {"READ": True}}},
        headers=manager.headers,
    )
    assert ok.status_code == 200 and granted(ok.json()) == {"BALANCE_MANAGEMENT.READ"}


# ---- DELETE /api/admin/roles/{name} ---------------------------------------------------------


def test_delete_an_unused_role(api: TestClient, admin: Account) -> None:
    make_role("TEMP")
    r = api.delete(f"{ROLES}/TEMP", headers=admin.headers)
    assert r.status_code == 204 and r.content == b""
    assert_error(api.get(f"{ROLES}/TEMP", headers=admin.headers), 404)
    assert_error(api.delete(f"{ROLES}/TEMP", headers=admin.headers), 404, "role_not_found")
    r = api.delete(f"{ROLES}/PRO", headers=admin.headers)  # seeded, unused, not a system role
    assert r.status_code == 204


@pytest.mark.parametrize("name", ["ADMIN", "USER"])
def test_system_roles_cannot_be_deleted(api: TestClient, admin: Account, name: str) -> None:
    before = snapshot()
    body = assert_error(api.delete(f"{ROLES}/{name}", headers=admin.headers), 409, "system_role")
    assert name in body["message"]
    assert snapshot() == before


def test_a_role_in_use_cannot_be_deleted_and_says_how_many(api: TestClient, admin: Account) -> None:
    for _ in range(3):
        make_account("PRO")
    before = snapshot()
    body = assert_error(api.delete(f"{ROLES}/PRO", headers=admin.headers), 409, "role_in_use")
    assert "3 user" in body["message"]
    assert snapshot() == before
    assert api.get(f"{ROLES}/PRO", headers=admin.headers).json()["userCount"] == 3


def test_delete_role_needs_a_token_and_role_management_delete(
    api: TestClient, database: str
) -> None:
    make_role("TEMP")
    make_role("EDITOR", all_but("ROLE_MANAGEMENT.DELETE"))
    before = snapshot()
    assert_error(api.delete(f"{ROLES}/TEMP"), 401)
    for who in (make_account("PRO"), make_account("EDITOR")):
        assert_error(api.delete(f"{ROLES}/TEMP", headers=who.headers), 403, "forbidden")
    assert snapshot()["roles"] == before["roles"]


def test_a_manager_cannot_delete_a_role_with_powers_they_lack(
    api: TestClient, database: str
) -> None:
    make_role("ROLEADMIN", all_but("BALANCE_MANAGEMENT.UPDATE"))
    make_role("CASHIER", only("BALANCE_MANAGEMENT.UPDATE"))
    manager = make_account("ROLEADMIN")
    before = snapshot()
    r = api.delete(f"{ROLES}/CASHIER", headers=manager.headers)
    assert_error(r, 403, "escalation")
    assert snapshot() == before
