"""Self-registration as an attacker would use it (issue 12): throttled per client address
(the address from X-Forwarded-For only behind trusted proxies), closed registration refused
by the service whoever calls it, and a start balance of 0."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient

from metogpt.services import accounts, clients
from metogpt.services.errors import ServiceError
from metogpt.settings import settings
from tests.api.helpers import assert_error, ledger_of, snapshot

REGISTER = "/api/auth/register"


def _body(n: int, **over: str) -> dict[str, str]:
    return {
        "email": f"reg{n}@example.com",
        "username": f"reg{n}",
        "name": f"Reg {n}",
        "password": "secret-password",
        **over,
    }


def _settings(monkeypatch: pytest.MonkeyPatch, **changes: object) -> None:
    changed = dataclasses.replace(settings, **changes)
    for module in (accounts, clients):
        monkeypatch.setattr(module, "settings", changed)


def test_registration_is_throttled_per_address(
    api: TestClient, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _settings(monkeypatch, register_per_hour=3)
    assert api.post(REGISTER, json=_body(1)).status_code == 201
    # Taken emails count too: the `email_taken` answer must not enumerate accounts.
    assert_error(api.post(REGISTER, json=_body(2, email="reg1@example.com")), 409, "email_taken")
    assert api.post(REGISTER, json=_body(3)).status_code == 201
    before = snapshot()
    r = api.post(REGISTER, json=_body(4))
    assert_error(r, 429, "registration_limited")
    assert 3500 <= int(r.headers["Retry-After"]) <= 3601
    # X-Forwarded-For is the client's to write: without trusted proxies it changes nothing.
    spoofed = api.post(REGISTER, json=_body(5), headers={"X-Forwarded-For": "192.0.2.99"})
    assert_error(spoofed, 429, "registration_limited")
    assert snapshot() == before


def test_behind_a_trusted_proxy_the_forwarded_address_counts(
    api: TestClient, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _settings(monkeypatch, register_per_hour=1, trusted_proxies=1)

    def via(address: str, n: int) -> int:
        chain = f"10.9.9.9, {address}"  # the first entry is the client's own claim
        return api.post(REGISTER, json=_body(n), headers={"X-Forwarded-For": chain}).status_code

    assert via("192.0.2.1", 1) == 201
    assert via("192.0.2.1", 2) == 429
    assert via("192.0.2.2", 3) == 201


def test_closed_registration_is_refused_by_the_service(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _settings(monkeypatch, allow_registration=False)
    before = snapshot()
    with pytest.raises(ServiceError) as refused:
        accounts.register("x@example.com", "xx", "X", "secret-password", address="192.0.2.1")
    assert (refused.value.status, refused.value.code) == (403, "registration_disabled")
    assert snapshot() == before
    # Operators still create accounts.
    assert accounts.create("op@example.com", "op", "Op", "secret-password").role == "USER"


def test_a_start_balance_of_zero(
    api: TestClient, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _settings(monkeypatch, start_balance=0)
    r = api.post(REGISTER, json=_body(1))
    assert r.status_code == 201, r.text
    assert r.json()["user"]["balance"] == 0
    assert ledger_of(r.json()["user"]["_id"]) == []  # balance == sum(ledger) == 0


def test_the_password_may_not_be_the_email(api: TestClient, database: str) -> None:
    body = _body(1, password="REG1@example.com ")
    assert_error(api.post(REGISTER, json=body), 422, "password_is_email")
