"""The whole permission matrix over REST: every admin route is called by a role holding
each single permission of the catalog, by a role holding none, and by a role holding every
permission but the one the route needs. Exactly the callers holding the needed permission
get through; everyone else gets 403 and changes nothing (PRODUCT.md §2, §4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from metogpt.models import Package, Payment
from metogpt.services import permissions
from metogpt.services.db import write_session
from tests.api.helpers import all_but, assert_error, make_role, only, snapshot
from tests.conftest import Account, make_account

GRANTS = [f"{t}.{a}" for t, actions in permissions.CATALOG.items() for a in actions]


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as in the schema; {userId} is a plain USER account
    needs: str
    body: Any = None
    success: int = 200
    role_name: str = "PRO"  # {roleName}
    changes: bool = True  # a write that succeeds changes something

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ROUTES = [
    Route("GET", "/api/admin/users", "USER_MANAGEMENT.READ"),
    Route("GET", "/api/admin/users/{userId}/models", "USER_MANAGEMENT.READ"),
    Route("PUT", "/api/admin/users/{userId}/role", "USER_MANAGEMENT.UPDATE", {"role": "PRO"}),
    Route(
        "PUT",
        "/api/admin/users/{userId}/password",
        "USER_MANAGEMENT.UPDATE",
        {"password": "set-by-an-admin"},
    ),
    Route(
        "PUT",
        "/api/admin/users/{userId}/balance",
        "BALANCE_MANAGEMENT.UPDATE",
        {"delta": 5, "reason": "r"},
    ),
    Route("GET", "/api/admin/users/{userId}/transactions", "BALANCE_MANAGEMENT.READ"),
    Route("GET", "/api/admin/roles", "ROLE_MANAGEMENT.READ"),
    Route("GET", "/api/admin/roles/{roleName}", "ROLE_MANAGEMENT.READ"),
    Route("POST", "/api/admin/roles", "ROLE_MANAGEMENT.CREATE", {"name": "FRESH"}, 201),
    Route("PUT", "/api/admin/roles/{roleName}", "ROLE_MANAGEMENT.UPDATE", {"modelAccess": {}}),
    Route("DELETE", "/api/admin/roles/{roleName}", "ROLE_MANAGEMENT.DELETE", None, 204, "SPARE"),
    Route("GET", "/api/admin/packages", "BALANCE_MANAGEMENT.READ"),
    Route(
        "POST",
        "/api/admin/packages",
        "BALANCE_MANAGEMENT.UPDATE",
        {"name": "Big", "price": 100, "currency": "RUB", "credits": 10},
        201,
    ),
    Route("PUT", "/api/admin/packages/{packageId}", "BALANCE_MANAGEMENT.UPDATE", {"price": 7}),
    Route("DELETE", "/api/admin/packages/{packageId}", "BALANCE_MANAGEMENT.UPDATE", None, 204),
    Route("GET", "/api/admin/payments", "BALANCE_MANAGEMENT.READ"),
    # A payment that never reached its provider: reconciling it asks nobody, changes nothing.
    Route(
        "POST",
        "/api/admin/payments/{paymentId}/reconcile",
        "BALANCE_MANAGEMENT.UPDATE",
        changes=False,
    ),
    # Personal API keys (issue 17): an admin sees and revokes anyone's.
    Route("GET", "/api/admin/users/{userId}/keys", "USER_MANAGEMENT.UPDATE"),
    Route("DELETE", "/api/admin/keys/{keyId}", "USER_MANAGEMENT.UPDATE"),
]


def _package_and_payment(user_id: str) -> tuple[str, str]:
    with write_session() as s:
        package = Package(name="Small", price=100, currency="RUB", credits=10)
        s.add(package)
        s.flush()
        payment = Payment(
            user_id=user_id,
            package_id=package.id,
            package_name=package.name,
            provider="yookassa",
            amount=100,
            currency="RUB",
            credits=10,
            status="failed",
        )
        s.add(payment)
        return package.id, payment.id


def test_the_routes_cover_every_admin_operation_of_the_schema(api: TestClient) -> None:
    spec = api.get("/api/openapi.json").json()
    admin_ops = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if "/admin/" in p}
    assert {(r.method, r.path) for r in ROUTES} == admin_ops
    # Every permission but ANALYTICS.READ (no REST route yet) guards some route.
    assert {r.needs for r in ROUTES} == set(GRANTS) - {"ANALYTICS.READ"}


def _callers() -> dict[str, Account]:
    """One account per single permission, plus one with no permission at all."""
    callers = {"none": make_account("USER")}
    for i, grant in enumerate(GRANTS):
        make_role(f"ONLY{i}", only(grant))
        callers[grant] = make_account(f"ONLY{i}")
    return callers


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_only_the_needed_permission_opens_the_route(
    api: TestClient, database: str, route: Route
) -> None:
    target = make_account("USER")
    make_role("SPARE")
    callers = _callers()
    make_role("ALLBUT", all_but(route.needs))
    callers["all but"] = make_account("ALLBUT")
    package_id, payment_id = _package_and_payment(target.id)
    made = api.post("/api/me/keys", json={"name": "script"}, headers=target.headers)
    assert made.status_code == 201, made.text
    path = route.path.format(
        userId=target.id,
        roleName=route.role_name,
        packageId=package_id,
        paymentId=payment_id,
        keyId=made.json()["key"]["id"],
    )

    def call(who: Account) -> Any:
        return api.request(route.method, path, json=route.body, headers=who.headers)

    before = snapshot()
    refused = [name for name in callers if name != route.needs]
    assert len(refused) == len(GRANTS) + 1
    for name in refused:
        r = call(callers[name])
        assert r.status_code == 403, (name, r.status_code, r.text)
        assert_error(r, 403, "forbidden")
    assert snapshot() == before  # nobody got anything done

    r = call(callers[route.needs])
    assert r.status_code == route.success, (route.needs, r.status_code, r.text)
    if route.method != "GET" and route.changes:
        assert snapshot() != before  # and this one did


def test_every_role_reads_its_own_me(api: TestClient, database: str) -> None:
    """/api/auth/me needs no permission, and reports exactly what the role holds."""
    for grant, who in _callers().items():
        r = api.get("/api/auth/me", headers=who.headers)
        assert r.status_code == 200, r.text
        held = {
            f"{t}.{a}" for t, acts in r.json()["permissions"].items() for a, v in acts.items() if v
        }
        assert held == (set() if grant == "none" else {grant})
