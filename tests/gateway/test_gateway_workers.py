"""Two real worker processes on one PostgreSQL and one Redis: a key revoked, expired or of a
disabled user is refused on the very next request by both; the rate limit is shared."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import select

from metogpt.models import ApiKey
from metogpt.services import db, permissions, users
from metogpt.services.db import write_session
from metogpt.services.permissions import Actor
from tests.conftest import Account, make_account
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.gateway.conftest import minute_to_spare, set_limits
from tests.support.workers import REQUEST_TIMEOUT, Workers

_SYSTEM = Actor("test-setup", "ADMIN", permissions.full_matrix())
_ASK = {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def workers(database: str, fake_server: FakeProviderServer) -> Iterator[list[str]]:
    if database != "postgres" or not os.environ.get("TEST_REDIS_URL"):
        pytest.skip("two workers share PostgreSQL and Redis")
    fake_server.reset()
    fake_server.behavior = FakeBehavior()
    env = os.environ | {
        "DATABASE_URL": db.engines().url,
        "REFLEX_REDIS_URL": os.environ["TEST_REDIS_URL"],
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": fake_server.openai_base_url,
    }
    pool = Workers(env)
    pool.start()
    yield pool.urls
    pool.stop()


def _create(url: str, owner: Account, **body: object) -> str:
    r = httpx.post(
        f"{url}/api/me/keys",
        json={"name": "k", **body},
        headers=owner.headers,
        timeout=REQUEST_TIMEOUT,
    )
    assert r.status_code == 201, r.text
    return r.json()["secret"]


def _ask(url: str, secret: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {secret}"}
    return httpx.post(
        f"{url}/v1/chat/completions", json=_ASK, headers=headers, timeout=REQUEST_TIMEOUT
    )


def _statuses(urls: list[str], secret: str) -> list[int]:
    return [_ask(url, secret).status_code for url in urls]


def test_revoked_expired_and_disabled_keys_stop_on_every_worker_at_once(
    workers: list[str],
) -> None:
    owner = make_account("USER", balance=10_000)
    revoked = _create(workers[0], owner)
    assert _statuses(workers, revoked) == [200, 200]
    listed = httpx.get(f"{workers[1]}/api/me/keys", headers=owner.headers, timeout=REQUEST_TIMEOUT)
    key_id = listed.json()["keys"][0]["id"]
    r = httpx.delete(
        f"{workers[1]}/api/me/keys/{key_id}", headers=owner.headers, timeout=REQUEST_TIMEOUT
    )
    assert r.status_code == 200
    assert _statuses(workers, revoked) == [401, 401]

    # Valid for an hour, then its moment passes (moved, not waited for: a key that expires
    # in a few seconds could expire before a loaded machine has asked both workers once).
    in_an_hour = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    expiring = _create(workers[1], owner, expires_at=in_an_hour)
    assert _statuses(workers, expiring) == [200, 200]
    with write_session() as session:
        stored = session.exec(select(ApiKey).where(ApiKey.user_id == owner.id)).all()
        (key,) = [k for k in stored if k.expires_at is not None]
        key.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.add(key)
    assert _statuses(workers, expiring) == [401, 401]

    live = _create(workers[0], owner)
    assert _statuses(workers, live) == [200, 200]
    with write_session() as session:
        users.set_enabled(session, _SYSTEM, owner.id, False)
    assert _statuses(workers, live) == [401, 401]


def test_the_rate_limit_is_shared_by_the_workers(workers: list[str]) -> None:
    set_limits("USER", {"key_rpm": 3})
    owner = make_account("USER", balance=10_000)
    secret = _create(workers[0], owner)
    minute_to_spare()
    assert _statuses(workers, secret) == [200, 200]
    assert _ask(workers[0], secret).status_code == 200
    refused = _ask(workers[1], secret)
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert _ask(workers[0], secret).status_code == 429
