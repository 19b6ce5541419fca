"""Small helpers shared by the e2e tests: throwaway accounts, the admin token, signing in."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from playwright.sync_api import Page, expect
from sqlmodel import Session, create_engine

from tests.support.server import AppServer

Screenshot = Callable[[Page, str], Path]
T = TypeVar("T")


@dataclass(frozen=True)
class Person:
    email: str
    username: str
    name: str
    password: str

    @classmethod
    def new(cls, tag: str) -> Person:
        # Unique per call: the app's database lives for the whole session.
        n = uuid.uuid4().hex[:8]
        return cls(f"{tag}-{n}@e2e.example.com", f"{tag}_{n}", f"{tag.title()} {n}", f"pw-{n}-long")

    def register_via_api(self, http: httpx.Client) -> str:
        """Register through POST /api/auth/register; returns the new user's id."""
        body = {
            "email": self.email,
            "username": self.username,
            "name": self.name,
            "password": self.password,
        }
        response = http.post("/api/auth/register", json=body)
        assert response.status_code == 201, response.text
        return response.json()["user"]["_id"]


@contextmanager
def app_session(app_server: AppServer) -> Iterator[Session]:
    """A session on the app's own database, read or written directly (the app runs in
    another process); its engine is disposed of afterwards."""
    engine = create_engine(app_server.db_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def admin_token(http: httpx.Client, app_server: AppServer) -> str:
    response = http.post(
        "/api/auth/login",
        json={"email": app_server.admin_email, "password": app_server.admin_password},
    )
    assert response.status_code == 200, response.text
    return response.json()["token"]


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    submit = page.locator("#login-submit")
    # Enabled only once the page is hydrated, so the click reaches the app.
    expect(submit).to_be_enabled()
    page.fill("#email", email)
    page.fill("#password", password)
    submit.click()


def user_headers(http: httpx.Client, person: Person) -> dict[str, str]:
    """A bearer header for `person`, signed in through POST /api/auth/login."""
    login = http.post("/api/auth/login", json={"email": person.email, "password": person.password})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['token']}"}


def admin_headers(http: httpx.Client, app_server: AppServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {admin_token(http, app_server)}"}


def member(http: httpx.Client, app_server: AppServer, role: str, balance: int) -> Person:
    """A registered user with `role` and `balance`, set through the admin REST API."""
    person = Person.new(role.lower())
    user_id = person.register_via_api(http)
    headers = admin_headers(http, app_server)
    response = http.put(f"/api/admin/users/{user_id}/role", json={"role": role}, headers=headers)
    assert response.status_code == 200, response.text
    response = http.put(
        f"/api/admin/users/{user_id}/balance",
        json={"balance": balance, "reason": "e2e"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return person


def charges(http: httpx.Client, app_server: AppServer, email: str) -> list[dict]:
    """The user's `charge` ledger rows, newest first, through the admin REST API."""
    headers = admin_headers(http, app_server)
    found = http.get("/api/admin/users", params={"search": email}, headers=headers).json()
    user_id = found["users"][0]["_id"]
    rows = http.get(f"/api/admin/users/{user_id}/transactions", headers=headers).json()
    return [t for t in rows["transactions"] if t["kind"] == "charge"]


def in_thread(coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run async client code from a sync test: while Playwright's sync API is alive (the
    module's browser), this thread counts as running an event loop."""
    result: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(asyncio.run(coroutine()))
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]
