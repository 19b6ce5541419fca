"""Helpers for the REST tests: the error shape, the seed-compatible User and Role shapes,
roles made for a test, and a snapshot of everything a refused request must leave alone."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
import httpx2
from sqlmodel import col, func, select

from metogpt.models import ApiKey, LedgerEntry, Package, Payment, Role, ThrottleHit, User
from metogpt.services import permissions, roles
from metogpt.services.db import read_session, write_session
from metogpt.services.permissions import Actor

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.conftest import Account

USERS = "/api/admin/users"
USER_KEYS = {"_id", "email", "username", "name", "role", "balance", "createdAt"}
ROLE_KEYS = {"name", "permissions", "modelAccess", "userCount", "system", "createdAt", "updatedAt"}
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
_SYSTEM = Actor("test-setup", "ADMIN", permissions.full_matrix())


def assert_error(
    response: httpx.Response | httpx2.Response, status: int, code: str | None = None
) -> dict:
    """The response is the documented error shape: {"error", "message"}, both non-empty."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error", "message"}, body
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]
    if code is not None:
        assert body["error"] == code, body
    return body


def assert_utc(value: Any) -> datetime:
    assert isinstance(value, str) and ISO_Z.match(value), value
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    offset = parsed.utcoffset()
    assert offset is not None and offset.total_seconds() == 0
    return parsed.astimezone(UTC)


def assert_user_json(user: Any, **expected: Any) -> None:
    """The seed's User shape: these keys, these types, createdAt ISO 8601 UTC with Z."""
    assert isinstance(user, dict) and set(user) >= USER_KEYS, user
    assert isinstance(user["_id"], str) and user["_id"]
    for key in ("email", "username", "name", "role"):
        assert isinstance(user[key], str) and user[key], key
    assert isinstance(user["balance"], int) and not isinstance(user["balance"], bool)
    assert user["balance"] >= 0
    assert_utc(user["createdAt"])
    for key, value in expected.items():
        assert user[key] == value, (key, user[key], value)


def assert_role_json(role: Any) -> None:
    assert isinstance(role, dict) and set(role) >= ROLE_KEYS, role
    full = {t: set(a) for t, a in permissions.CATALOG.items()}
    assert {t: set(a) for t, a in role["permissions"].items()} == full  # the full matrix
    assert all(isinstance(v, bool) for a in role["permissions"].values() for v in a.values())
    assert isinstance(role["userCount"], int) and role["userCount"] >= 0
    assert isinstance(role["system"], bool)
    assert_utc(role["createdAt"])
    assert_utc(role["updatedAt"])


def make_role(
    name: str, perms: dict[str, dict[str, bool]] | None = None, models: Any = None
) -> None:
    """A role created behind the API's back (no escalation check applies to test set-up)."""
    with write_session() as s:
        roles.create(s, _SYSTEM, name, perms or {}, models or {})


def only(*grants: str) -> dict[str, dict[str, bool]]:
    """`only("USER_MANAGEMENT.READ", ...)` as a permission matrix."""
    matrix: dict[str, dict[str, bool]] = {}
    for grant in grants:
        ptype, action = grant.split(".")
        matrix.setdefault(ptype, {})[action] = True
    return matrix


def all_but(*grants: str) -> dict[str, dict[str, bool]]:
    matrix = permissions.full_matrix()
    for grant in grants:
        ptype, action = grant.split(".")
        matrix[ptype][action] = False
    return matrix


def snapshot() -> dict[str, Any]:
    """Everything a refused admin request must leave exactly as it was."""
    with read_session() as s:
        users = {
            u.id: (u.email, u.role, u.balance, u.reserved, u.enabled, u.token_version, u.owed)
            for u in s.exec(select(User)).all()
        }
        role_rows = {
            r.name: (r.permissions, r.model_access, r.grant_policy, r.system, r.updated_at)
            for r in s.exec(select(Role)).all()
        }
        ledger = s.exec(select(func.count()).select_from(LedgerEntry)).one()
        packages = {p.id: p.model_dump() for p in s.exec(select(Package)).all()}
        payments = {p.id: p.model_dump() for p in s.exec(select(Payment)).all()}
        keys = {k.id: k.revoked_at for k in s.exec(select(ApiKey)).all()}
    return {
        "users": users,
        "roles": role_rows,
        "ledger": ledger,
        "packages": packages,
        "payments": payments,
        "keys": keys,
    }


def ledger_of(user_id: str) -> list[LedgerEntry]:
    with read_session() as s:
        return list(
            s.exec(
                select(LedgerEntry)
                .where(LedgerEntry.user_id == user_id)
                .order_by(col(LedgerEntry.id))
            ).all()
        )


def balance_of(user_id: str) -> int:
    with read_session() as s:
        user = s.get(User, user_id)
        assert user is not None
        return user.balance


def login_failures() -> int:
    with read_session() as s:
        return s.exec(select(func.count()).select_from(ThrottleHit)).one()


def each(cases: Iterable[Any], check: Callable[[Any], object]) -> None:
    """Run `check` on every case (one database set-up for them all) and report every case
    that failed, not only the first."""
    failures = []
    for case in cases:
        try:
            check(case)
        except AssertionError as exc:
            failures.append(f"{case!r}: {exc}")
    assert not failures, "\n".join(failures)


def granted(role: dict) -> set[str]:
    """The role JSON's granted permissions as "TARGET.ACTION" strings."""
    return {f"{t}.{a}" for t, acts in role["permissions"].items() for a, v in acts.items() if v}


def refused(
    api: TestClient,
    who: Account,
    method: str,
    path: str,
    body: Any,
    status: int,
    code: str | None = None,
) -> dict:
    """Send the request as `who`; assert it fails with `status` (and `code`) and that the
    database is as it was."""
    before = snapshot()
    r = api.request(method, path, json=body, headers=who.headers)
    error = assert_error(r, status, code)
    assert snapshot() == before
    return error
