"""/api/admin/roles: list, view and create. Validation of names, permission matrices and
model access; no escalation (PRODUCT.md §2, §4). Update and delete: test_role_changes.py."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from metogpt.services import permissions
from metogpt.services.catalog import get_catalog
from tests.api.helpers import (
    all_but,
    assert_error,
    assert_role_json,
    each,
    granted,
    make_role,
    refused,
    snapshot,
)
from tests.conftest import Account, make_account

ROLES = "/api/admin/roles"


# ---- GET /api/admin/roles and /api/admin/roles/{name} ---------------------------------------


def test_list_roles_shows_the_seeded_three_with_counts(api: TestClient, admin: Account) -> None:
    make_account("PRO")
    make_account("PRO")
    r = api.get(ROLES, headers=admin.headers)
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"roles"}
    by_name = {role["name"]: role for role in r.json()["roles"]}
    assert set(by_name) == {"ADMIN", "USER", "PRO"}
    for role in by_name.values():
        assert_role_json(role)
    assert [by_name[n]["userCount"] for n in ("ADMIN", "USER", "PRO")] == [1, 0, 2]
    assert [by_name[n]["system"] for n in ("ADMIN", "USER", "PRO")] == [True, True, False]
    assert granted(by_name["ADMIN"]) == {
        f"{t}.{a}" for t, acts in permissions.CATALOG.items() for a in acts
    }
    assert granted(by_name["USER"]) == granted(by_name["PRO"]) == set()
    assert by_name["USER"]["modelAccess"] == {"gpt-3.5-turbo": {"enabled": True, "coefficient": 1}}
    assert by_name["PRO"]["modelAccess"] == {
        "gpt-3.5-turbo": {"enabled": True, "coefficient": 1},
        "gpt-4": {"enabled": True, "coefficient": 1.5},
        "claude-3": {"enabled": True, "coefficient": 1.8},
    }
    assert set(by_name["ADMIN"]["modelAccess"]) == set(get_catalog().names())


def test_get_role(api: TestClient, admin: Account) -> None:
    r = api.get(f"{ROLES}/PRO", headers=admin.headers)
    assert r.status_code == 200, r.text
    assert_role_json(r.json())
    assert r.json()["name"] == "PRO" and r.json()["userCount"] == 0


def test_get_an_unknown_role_is_404(api: TestClient, admin: Account) -> None:
    each(
        ["NOPE", "pro", "Рол", "a%20b", "PRO%00", "PRO%0A", "a" * 33],
        lambda name: assert_error(
            api.get(f"{ROLES}/{name}", headers=admin.headers), 404, "role_not_found"
        ),
    )


def test_a_role_name_longer_than_any_in_a_path_is_422(api: TestClient, admin: Account) -> None:
    path = f"{ROLES}/{'a' * 65}"
    before = snapshot()
    for method, body in (("GET", None), ("PUT", {"modelAccess": {}}), ("DELETE", None)):
        assert_error(api.request(method, path, json=body, headers=admin.headers), 422)
    assert snapshot() == before


def test_reading_roles_needs_a_token_and_role_management_read(
    api: TestClient, database: str
) -> None:
    make_role("CREATOR", all_but("ROLE_MANAGEMENT.READ"))
    for path in (ROLES, f"{ROLES}/PRO"):
        assert_error(api.get(path), 401)
        for who in (make_account("PRO"), make_account("CREATOR")):
            assert_error(api.get(path, headers=who.headers), 403, "forbidden")


# ---- POST /api/admin/roles ------------------------------------------------------------------


def test_create_role_then_read_it_back(api: TestClient, admin: Account) -> None:
    body = {
        "name": "Support_1-a",
        "permissions": {"USER_MANAGEMENT": {"READ": True}, "ANALYTICS": {"READ": False}},
        "modelAccess": {
            "gpt-4": {"enabled": True, "coefficient": 1000},
            "claude-3": {"enabled": False, "coefficient": 0.0001},
            "gpt-4o": {"coefficient": 2.5},
            "demo": {},
        },
    }
    r = api.post(ROLES, json=body, headers=admin.headers)
    assert r.status_code == 201, r.text
    created = r.json()
    assert_role_json(created)
    assert created["name"] == "Support_1-a" and created["userCount"] == 0
    assert created["system"] is False
    assert granted(created) == {"USER_MANAGEMENT.READ"}
    assert created["modelAccess"] == {
        "gpt-4": {"enabled": True, "coefficient": 1000},
        "gpt-4o": {"enabled": True, "coefficient": 2.5},
        "claude-3": {"enabled": False, "coefficient": 0.0001},
        "demo": {"enabled": True, "coefficient": 1},
    }
    again = api.get(f"{ROLES}/Support_1-a", headers=admin.headers).json()
    assert again == created
    names = [r["name"] for r in api.get(ROLES, headers=admin.headers).json()["roles"]]
    assert "Support_1-a" in names


def test_create_minimal_role(api: TestClient, admin: Account) -> None:
    r = api.post(ROLES, json={"name": "x"}, headers=admin.headers)
    assert r.status_code == 201, r.text
    assert granted(r.json()) == set() and r.json()["modelAccess"] == {}
    r = api.post(ROLES, json={"name": "Z" + "9" * 31}, headers=admin.headers)  # 32 chars
    assert r.status_code == 201, r.text


def test_role_names_are_unique_case_insensitively(api: TestClient, admin: Account) -> None:
    each(
        ["pro", "Pro", "PRO", "admin", "user"],
        lambda name: refused(api, admin, "POST", ROLES, {"name": name}, 409, "role_exists"),
    )
    assert api.post(ROLES, json={"name": "Custom"}, headers=admin.headers).status_code == 201
    each(
        ["custom", "CUSTOM"],
        lambda name: refused(api, admin, "POST", ROLES, {"name": name}, 409, "role_exists"),
    )


BAD_NAMES = [
    "Рол",
    "a b",
    "",
    " ",
    "a" * 33,
    "ab\u200b",
    "\u200bab",
    "a\n",
    "a\x00",
    "1abc",
    "_abc",
    "-abc",
    "ab.c",
    "Ｆｕｌｌ",
    "é",
    "ab/c",
]


def test_bad_role_names_are_422(api: TestClient, admin: Account) -> None:
    each(
        [*BAD_NAMES, None, 5, ["PRO"], {"n": 1}],
        lambda name: refused(api, admin, "POST", ROLES, {"name": name}, 422),
    )


BAD_PERMISSIONS: list[Any] = [
    {"UNKNOWN": {"READ": True}},
    {"USER_MANAGEMENT": {"DELETE": True}},
    {"ANALYTICS": {"UPDATE": False}},
    {"user_management": {"READ": True}},
    {"USER_MANAGEMENT": {"read": True}},
    {"USER_MANAGEMENT": {"READ": 1}},
    {"USER_MANAGEMENT": {"READ": "true"}},
    {"USER_MANAGEMENT": {"READ": None}},
    {"USER_MANAGEMENT": True},
    {"USER_MANAGEMENT": ["READ"]},
    ["USER_MANAGEMENT"],
    "all",
]


def test_bad_permission_matrices_are_422(api: TestClient, admin: Account) -> None:
    def check(perms: Any) -> None:
        refused(api, admin, "POST", ROLES, {"name": "NEWROLE", "permissions": perms}, 422)
        refused(api, admin, "PUT", f"{ROLES}/PRO", {"permissions": perms}, 422)

    each(BAD_PERMISSIONS, check)


BAD_MODEL_ACCESS: list[Any] = [
    {"gpt-5": {"enabled": True, "coefficient": 1}},
    {"GPT-4": {"enabled": True, "coefficient": 1}},
    {"gpt-4": {"enabled": True, "coefficient": 0}},
    {"gpt-4": {"enabled": True, "coefficient": -1}},
    {"gpt-4": {"enabled": True, "coefficient": 1000.00001}},
    {"gpt-4": {"enabled": True, "coefficient": 1000.0001}},
    {"gpt-4": {"enabled": True, "coefficient": 1001}},
    {"gpt-4": {"enabled": True, "coefficient": 1.23456}},
    {"gpt-4": {"enabled": True, "coefficient": 0.00001}},
    {"gpt-4": {"enabled": True, "coefficient": "1.5"}},
    {"gpt-4": {"enabled": True, "coefficient": None}},
    {"gpt-4": {"enabled": True, "coefficient": True}},
    {"gpt-4": {"enabled": "yes", "coefficient": 1}},
    {"gpt-4": {"enabled": 1, "coefficient": 1}},
    {"gpt-4": {"enabled": True, "coefficient": 1, "max": 5}},
    {"gpt-4": True},
    {"gpt-4": 1.5},
    ["gpt-4"],
]


def test_bad_model_access_is_422(api: TestClient, admin: Account) -> None:
    def check(access: Any) -> None:
        refused(api, admin, "POST", ROLES, {"name": "NEWROLE", "modelAccess": access}, 422)
        refused(api, admin, "PUT", f"{ROLES}/PRO", {"modelAccess": access}, 422)

    each(BAD_MODEL_ACCESS, check)


RAW_BAD_ROLES: list[bytes] = [
    b'{"name": "R", "modelAccess": {"gpt-4": {"coefficient": NaN}}}',
    b'{"name": "R", "modelAccess": {"gpt-4": {"coefficient": Infinity}}}',
    b'{"name": "R", "modelAccess": {"gpt-4": {"coefficient": 1e999}}}',
    b'{"name": "R", "modelAccess": {"gpt-4": {"coefficient": -0.0}}}',
    b'{"name": "R"',
]


def test_raw_non_finite_coefficients_are_422(api: TestClient, admin: Account) -> None:
    def check(raw: bytes) -> None:
        before = snapshot()
        headers = {**admin.headers, "Content-Type": "application/json"}
        assert_error(api.post(ROLES, content=raw, headers=headers), 422)
        assert snapshot() == before

    each(RAW_BAD_ROLES, check)


def test_create_role_with_missing_or_extra_fields_is_422(api: TestClient, admin: Account) -> None:
    each(
        [{}, {"permissions": {}}, {"name": "R", "extra": 1}, [], "R"],
        lambda body: refused(api, admin, "POST", ROLES, body, 422),
    )


def test_create_role_needs_a_token_and_role_management_create(
    api: TestClient, database: str
) -> None:
    make_role("EDITOR", all_but("ROLE_MANAGEMENT.CREATE"))
    before = snapshot()
    assert_error(api.post(ROLES, json={"name": "NEWROLE"}), 401)
    for who in (make_account("PRO"), make_account("EDITOR")):
        assert_error(api.post(ROLES, json={"name": "NEWROLE"}, headers=who.headers), 403)
    assert snapshot()["roles"] == before["roles"]


def test_a_manager_cannot_create_a_role_with_powers_they_lack(
    api: TestClient, database: str
) -> None:
    make_role("ROLEADMIN", all_but("BALANCE_MANAGEMENT.UPDATE"))
    manager = make_account("ROLEADMIN")
    for perms in (
        {"BALANCE_MANAGEMENT": {"UPDATE": True}},
        permissions.full_matrix(),
    ):
        r = api.post(ROLES, json={"name": "CASHIER", "permissions": perms}, headers=manager.headers)
        body = assert_error(r, 403, "escalation")
        assert "BALANCE_MANAGEMENT.UPDATE" in body["message"]
    assert_error(api.get(f"{ROLES}/CASHIER", headers=manager.headers), 404)
    # What they hold themselves, they may hand out.
    r = api.post(
        ROLES,
        json={"name": "AUDITOR", "permissions": {"BALANCE_MANAGEMENT": {"READ": True}}},
        headers=manager.headers,
    )
    assert r.status_code == 201, r.text
