"""Passwords (issue 12): changed by their owner (other sessions end, this one goes on), reset
by an admin within the escalation rules, set at the console from a prompt or stdin."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient

from metogpt import cli
from tests.api.helpers import assert_error, make_role, only, snapshot
from tests.conftest import Account, make_account

PASSWORD = "/api/auth/password"
ME = "/api/auth/me"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(api: TestClient, email: str, password: str) -> int:
    return api.post("/api/auth/login", json={"email": email, "password": password}).status_code


def _token(api: TestClient, acc: Account) -> str:
    r = api.post("/api/auth/login", json={"email": acc.user.email, "password": acc.password})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def test_changing_the_password_ends_the_other_sessions_only(api: TestClient, database: str) -> None:
    acc = make_account()
    other = _token(api, acc)
    body = {"current_password": acc.password, "new_password": "a-new-password"}
    r = api.post(PASSWORD, json=body, headers=acc.headers)
    assert r.status_code == 204, r.text
    assert api.get(ME, headers=acc.headers).status_code == 200  # this session goes on
    assert_error(api.get(ME, headers=_bearer(other)), 401, "token_revoked")
    assert _login(api, acc.user.email, acc.password) == 401
    assert _login(api, acc.user.email, "a-new-password") == 200


@pytest.mark.parametrize(
    ("current", "new", "status", "code"),
    [
        ("wrong-password", "a-new-password", 403, "wrong_password"),
        ("password-1", "short", 422, "invalid"),
        ("password-1", "x" * 257, 422, "invalid"),
        ("password-1", "{email}", 422, "password_is_email"),
        ("password-1", "{EMAIL}", 422, "password_is_email"),
    ],
    ids=["wrong current", "too short", "too long", "the email", "the email in capitals"],
)
def test_a_refused_change_changes_nothing(
    api: TestClient, database: str, current: str, new: str, status: int, code: str
) -> None:
    acc = make_account(password="password-1")
    new = new.format(email=acc.user.email, EMAIL=acc.user.email.upper())
    other = _token(api, acc)
    before = snapshot()
    body = {"current_password": current, "new_password": new}
    assert_error(api.post(PASSWORD, json=body, headers=acc.headers), status, code)
    assert snapshot() == before
    assert api.get(ME, headers=_bearer(other)).status_code == 200
    assert _login(api, acc.user.email, "password-1") == 200


def test_guessing_the_current_password_is_throttled(api: TestClient, database: str) -> None:
    acc = make_account()
    wrong = {"current_password": "guess-guess", "new_password": "a-new-password"}
    for _ in range(7):
        assert_error(api.post(PASSWORD, json=wrong, headers=acc.headers), 403, "wrong_password")
    right = {"current_password": acc.password, "new_password": "a-new-password"}
    assert_error(api.post(PASSWORD, json=right, headers=acc.headers), 429, "rate_limited")


def test_changing_needs_a_valid_session(api: TestClient, database: str) -> None:
    body = {"current_password": "password-1", "new_password": "a-new-password"}
    assert_error(api.post(PASSWORD, json=body), 401, "unauthenticated")


def _reset(api: TestClient, by: Account, user_id: str, password: str):
    return api.put(
        f"/api/admin/users/{user_id}/password", json={"password": password}, headers=by.headers
    )


def test_an_admin_resets_a_password_and_every_session_ends(api: TestClient, admin: Account) -> None:
    acc = make_account()
    r = _reset(api, admin, acc.id, "reset-by-admin")
    assert r.status_code == 200, r.text
    assert r.json()["user"]["_id"] == acc.id
    assert_error(api.get(ME, headers=acc.headers), 401, "token_revoked")
    assert _login(api, acc.user.email, acc.password) == 401
    assert _login(api, acc.user.email, "reset-by-admin") == 200
    assert api.get(ME, headers=admin.headers).status_code == 200


def test_a_reset_follows_the_permission_and_escalation_rules(
    api: TestClient, admin: Account
) -> None:
    make_role("HELPDESK", only("USER_MANAGEMENT.READ", "USER_MANAGEMENT.UPDATE"))
    make_role("VIEWER", only("USER_MANAGEMENT.READ"))
    helpdesk, viewer, user = make_account("HELPDESK"), make_account("VIEWER"), make_account()
    before = snapshot()
    assert_error(_reset(api, viewer, user.id, "new-password-1"), 403, "forbidden")
    assert_error(_reset(api, helpdesk, admin.id, "new-password-1"), 403, "escalation")
    assert_error(_reset(api, helpdesk, user.id, "short"), 422, "invalid")
    assert_error(_reset(api, helpdesk, "nobody", "new-password-1"), 404, "user_not_found")
    assert snapshot() == before
    assert _reset(api, helpdesk, user.id, "new-password-1").status_code == 200


def test_the_console_reads_the_password_from_stdin(
    api: TestClient, database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    acc = make_account()
    monkeypatch.setattr("sys.stdin", io.StringIO("set-at-console\n"))
    assert cli.main(["set-password", acc.user.email.upper()]) == 0
    assert acc.user.email in capsys.readouterr().out
    assert_error(api.get(ME, headers=acc.headers), 401, "token_revoked")
    assert _login(api, acc.user.email, "set-at-console") == 200
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["set-password", acc.user.email]) == 2
    assert "8–256" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # never from the command line
        cli.main(["set-password", acc.user.email, "on-the-command-line"])
