"""Accounts end to end: registration, sign-in/out and the language in a real browser, the
auth REST API over real HTTP, and what survives a restart of the app."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, col, create_engine, select

from metogpt.models import LedgerEntry, User
from metogpt.services.auth import THROTTLE_TRIES
from metogpt.services.permissions import full_matrix
from tests.e2e.helpers import Person, Screenshot, admin_token, sign_in
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e

LOGIN_URL = re.compile(r"/login/?$")


@pytest.fixture
def db(app_server: AppServer) -> Iterator[Engine]:
    """The app's own database, read directly (the app runs in another process)."""
    engine = create_engine(app_server.db_url)
    yield engine
    engine.dispose()


def user_row(db: Engine, email: str) -> tuple[User, list[LedgerEntry]]:
    with Session(db) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        ledger = session.exec(
            select(LedgerEntry).where(LedgerEntry.user_id == user.id).order_by(col(LedgerEntry.id))
        ).all()
        return user, list(ledger)


def eventually(check: Callable[[], bool], timeout: float = 20.0) -> None:
    """For effects outside the page (database writes), which `expect` cannot wait on; as
    long as `expect` waits (conftest.py)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def expect_shell(page: Page, person: Person, balance: int, role: str = "USER") -> None:
    expect(page.locator("#user-name")).to_have_text(person.name)
    expect(page.locator("#user-role")).to_have_text(role)
    expect(page.locator("#balance")).to_have_text(str(balance))
    expect(page).to_have_url(re.compile(r"/$"))


def expect_english(page: Page) -> None:
    expect(page.get_by_role("link", name="Chat", exact=True)).to_be_visible()
    expect(page.locator("#lang-switch")).to_have_text("Русский")
    expect(page.locator("#logout")).to_have_attribute("aria-label", "Sign out")


def expect_russian(page: Page) -> None:
    expect(page.get_by_role("link", name="Чат", exact=True)).to_be_visible()
    expect(page.locator("#lang-switch")).to_have_text("English")
    expect(page.locator("#logout")).to_have_attribute("aria-label", "Выйти")
    expect(page.get_by_role("link", name="Chat", exact=True)).to_have_count(0)


def test_register_sign_out_sign_in_and_language_kept_per_user(
    page: Page,
    new_page: Callable[[], Page],
    app_server: AppServer,
    db: Engine,
    screenshot: Screenshot,
) -> None:
    person = Person.new("reg")

    page.goto("/register")
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    expect(page.locator("#register-submit")).to_be_enabled()
    screenshot(page, "register")
    page.fill("#email", person.email)
    page.fill("#username", person.username)
    page.fill("#name", person.name)
    page.fill("#password", person.password)
    page.locator("#register-submit").click()

    expect_shell(page, person, balance=2000)
    expect_english(page)
    # The banner says whether answers are real: with no key for some provider, they are not.
    banner = page.locator("#demo-banner")
    if {"OPENAI_API_KEY", "ANTHROPIC_API_KEY"} <= app_server.extra_env.keys():
        expect(banner).to_have_count(0)
    else:
        expect(banner).to_be_visible()
    screenshot(page, "shell-en")

    user, ledger = user_row(db, person.email)
    assert (user.role, user.balance, user.reserved, user.locale) == ("USER", 2000, 0, "en")
    assert [(e.kind, e.amount, e.balance_after) for e in ledger] == [("grant", 2000, 2000)]

    page.locator("#logout").click()
    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("#login-submit")).to_be_enabled()
    # Signed out for real: the browser no longer holds a token the shell accepts.
    page.goto("/")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "login")

    sign_in(page, person.email, person.password)
    expect_shell(page, person, balance=2000)
    expect_english(page)

    page.locator("#lang-switch").click()
    expect_russian(page)
    screenshot(page, "shell-ru")
    eventually(lambda: user_row(db, person.email)[0].locale == "ru")

    page.reload()
    expect_shell(page, person, balance=2000)
    expect_russian(page)

    page.locator("#logout").click()
    expect(page).to_have_url(LOGIN_URL)
    # The device keeps the language it last used, on the sign-in page too.
    expect(page.get_by_role("heading", name="Вход")).to_be_visible()
    sign_in(page, person.email, person.password)
    expect_shell(page, person, balance=2000)
    expect_russian(page)

    # A browser that never saw this user (empty localStorage) gets Russian from the account.
    fresh = new_page()
    sign_in(fresh, person.email, person.password)
    expect_shell(fresh, person, balance=2000)
    expect_russian(fresh)


def test_wrong_password_shows_error_and_keeps_email(
    page: Page, http: httpx.Client, screenshot: Screenshot
) -> None:
    person = Person.new("wrongpw")
    person.register_via_api(http)

    sign_in(page, person.email, "not-the-password")

    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    expect(page.locator("#email")).to_have_value(person.email)
    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("#login-submit")).to_be_enabled()
    screenshot(page, "login-error")


def test_rest_login_and_me_over_http(http: httpx.Client, app_server: AppServer) -> None:
    token = admin_token(http, app_server)

    me = http.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["user"]["email"] == app_server.admin_email
    assert body["user"]["role"] == "ADMIN"
    assert body["permissions"] == full_matrix()
    assert all(allowed for actions in body["permissions"].values() for allowed in actions.values())

    assert http.get("/api/auth/me").status_code == 401
    wrong = http.post(
        "/api/auth/login", json={"email": app_server.admin_email, "password": "wrong-password"}
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "bad_credentials"


def test_rest_login_throttled_per_email_and_address(http: httpx.Client) -> None:
    # Its own account: the throttle key is (email, address), so nothing leaks to other tests.
    person = Person.new("throttle")
    person.register_via_api(http)
    wrong = {"email": person.email, "password": "wrong-password"}

    statuses = [http.post("/api/auth/login", json=wrong).status_code for _ in range(THROTTLE_TRIES)]
    assert statuses == [401] * THROTTLE_TRIES

    refused = http.post("/api/auth/login", json=wrong)
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 300
    # Refused whatever the password, so the right one cannot be guessed in the window.
    right = {"email": person.email, "password": person.password}
    assert http.post("/api/auth/login", json=right).status_code == 429

    # ...but only from that address: the owner elsewhere is not locked out.
    other_address = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=str(http.base_url), transport=other_address) as elsewhere:
        assert elsewhere.post("/api/auth/login", json=right).status_code == 200


def _roles(http: httpx.Client, token: str) -> dict[str, dict[str, Any]]:
    response = http.get("/api/admin/roles", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    listed = response.json()["roles"]
    names = [role["name"] for role in listed]
    assert len(names) == len(set(names)), f"duplicated roles: {names}"
    return {role["name"]: role for role in listed}


@pytest.mark.restarts_app
def test_accounts_roles_and_admin_edits_survive_a_restart(
    app_server: AppServer, http: httpx.Client, db: Engine, page: Page
) -> None:
    token = admin_token(http, app_server)
    auth = {"Authorization": f"Bearer {token}"}
    person = Person.new("restart")
    user_id = person.register_via_api(http)
    topped = http.put(
        f"/api/admin/users/{user_id}/balance", json={"balance": 1234, "reason": "e2e"}, headers=auth
    )
    assert topped.status_code == 200, topped.text

    access = _roles(http, token)["PRO"]["modelAccess"]
    access["gpt-4"] = {"enabled": True, "coefficient": 2.5}
    edited = http.put("/api/admin/roles/PRO", json={"modelAccess": access}, headers=auth)
    assert edited.status_code == 200, edited.text
    before = _roles(http, token)
    assert before["PRO"]["modelAccess"]["gpt-4"]["coefficient"] == 2.5

    with Session(db) as session:
        admins_before = sorted(session.exec(select(User.email).where(User.role == "ADMIN")).all())
    app_server.restart()

    # The signing key is kept in the data dir: a token from before still works, and the
    # roles are exactly as left (bootstrap neither re-seeds nor duplicates them).
    after = _roles(http, token)
    assert after == before
    assert after["PRO"]["modelAccess"]["gpt-4"] == {"enabled": True, "coefficient": 2.5}

    # Bootstrap made no second admin (other tests made admins of their own).
    with Session(db) as session:
        admins = sorted(session.exec(select(User.email).where(User.role == "ADMIN")).all())
    assert admins == admins_before and admins.count(app_server.admin_email) == 1
    user, ledger = user_row(db, person.email)
    assert user.balance == 1234 == sum(e.amount for e in ledger)

    sign_in(page, person.email, person.password)
    expect_shell(page, person, balance=1234)


@pytest.mark.restarts_app
def test_a_lost_connection_is_announced_in_the_users_language(
    app_server: AppServer, http: httpx.Client, page: Page, screenshot: Screenshot
) -> None:
    person = Person.new("offline")
    person.register_via_api(http)
    sign_in(page, person.email, person.password)
    # On the chat page before the server stops: a navigation still under way would load
    # its route's script from the stopped server, and React Router reloads the page then.
    expect(page.locator("#composer")).to_be_visible()
    page.click("#lang-switch")
    expect(page.locator("#lang-switch")).to_have_text("English")  # the page is in Russian
    notice = page.locator("#offline-notice")
    expect(notice).to_have_count(0)
    app_server.stop()
    try:
        expect(notice).to_contain_text("Нет связи с сервером", timeout=30_000)
        screenshot(page, "offline-ru")
    finally:
        app_server.start()
    expect(notice).to_have_count(0, timeout=60_000)  # reconnected: the notice goes away
    expect(page.locator("#composer")).to_be_visible()
