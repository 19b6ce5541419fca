"""Signing out ends the token's session on the server, for every worker (issue 12)."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import jwt
from fastapi.testclient import TestClient
from sqlalchemy import event, update
from sqlmodel import func, select

from metogpt.api import build_api
from metogpt.models import AuthSession, utcnow
from metogpt.services import auth, setup
from metogpt.services.db import read_session, write_session
from metogpt.settings import settings
from metogpt.state.session import SessionState
from tests.api.helpers import assert_error
from tests.conftest import make_account
from tests.support import states

LOGOUT = "/api/auth/logout"
ME = "/api/auth/me"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(api: TestClient, email: str, password: str) -> str:
    r = api.post("/api/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["token"]


def test_logout_revokes_the_token_and_only_that_one(api: TestClient, database: str) -> None:
    acc = make_account()
    first = _login(api, acc.user.email, acc.password)
    second = _login(api, acc.user.email, acc.password)
    assert api.get(ME, headers=_bearer(first)).status_code == 200
    r = api.post(LOGOUT, headers=_bearer(first))
    assert r.status_code == 204, r.text
    assert_error(api.get(ME, headers=_bearer(first)), 401, "token_revoked")
    assert_error(api.post(LOGOUT, headers=_bearer(first)), 401, "token_revoked")
    assert api.get(ME, headers=_bearer(second)).status_code == 200  # another session
    assert_error(api.post(LOGOUT), 401, "unauthenticated")


def test_a_logout_on_one_worker_holds_on_another(database: str) -> None:
    # Two app instances share nothing but the database, as two workers do.
    acc = make_account()
    with TestClient(build_api()) as one, TestClient(build_api()) as other:
        token = _login(one, acc.user.email, acc.password)
        assert other.get(ME, headers=_bearer(token)).status_code == 200
        assert one.post(LOGOUT, headers=_bearer(token)).status_code == 204
        assert_error(other.get(ME, headers=_bearer(token)), 401, "token_revoked")


def test_a_token_without_a_session_is_refused(api: TestClient, database: str) -> None:
    acc = make_account()
    now = int(time.time())
    claims = {"sub": acc.id, "ver": acc.user.token_version, "iat": now, "exp": now + 600}
    for extra in ({}, {"jti": "not-a-session"}, {"jti": 5}):
        token = jwt.encode({**claims, **extra}, settings.jwt_secret, algorithm="HS256")
        assert_error(api.get(ME, headers=_bearer(token)), 401)


def test_a_session_belongs_to_its_user(api: TestClient, database: str) -> None:
    # A validly signed token naming another user than its session's is refused.
    victim, acc = make_account(), make_account()
    claims = jwt.decode(acc.token, settings.jwt_secret, algorithms=["HS256"])
    claims.update(sub=victim.id, ver=victim.user.token_version)
    forged = jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
    assert_error(api.get(ME, headers=_bearer(forged)), 401, "token_revoked")


def test_the_ui_sign_out_revokes_the_token(api: TestClient, database: str) -> None:
    acc = make_account()
    state = states.tab(SessionState)
    state.auth_token = acc.token
    asyncio.run(SessionState.logout.fn(state))
    assert state.auth_token == "" and not state.signed_in
    assert_error(api.get(ME, headers=acc.headers), 401, "token_revoked")


def test_the_session_check_is_one_primary_key_read(database: str) -> None:
    acc = make_account()
    statements: list[str] = []
    with read_session() as session:
        engine = session.get_bind()

        def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            auth.authenticate(session, acc.token)
        finally:
            event.remove(engine, "before_cursor_execute", record)
    session_reads = [s for s in statements if "auth_session" in s]
    assert len(session_reads) == 1 and "auth_session.id =" in session_reads[0], statements


def test_expired_sessions_are_forgotten_at_start_and_at_sign_in(
    api: TestClient, database: str
) -> None:
    old = make_account()
    make_account()  # another user, who does not come back
    with write_session() as session:
        session.exec(update(AuthSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert _sessions() == 2
    _login(api, old.user.email, old.password)  # the user's own expired one goes
    assert _sessions() == 2
    setup.bootstrap()
    assert _sessions() == 1  # only the fresh one is left


def _sessions() -> int:
    with read_session() as session:
        return session.exec(select(func.count()).select_from(AuthSession)).one()
