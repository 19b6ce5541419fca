"""Who may call the API and how much: keys revoked, expired or of a disabled user, role
changes, rate limits (database and Redis), a client gone mid-stream, a crashed worker's
reservation, 200 parallel streams of one user that cannot overdraw, and an admission that
waits for the database in a thread, not on the event loop."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import httpx2
import openai
import pytest
from sqlmodel import select

from metogpt.models import ApiKey, LedgerEntry, Reservation, User
from metogpt.services import answers, billing, coefficients, db, permissions, users
from metogpt.services.db import read_session, write_session
from metogpt.services.gateway import limits, tickets
from metogpt.services.gateway.calls import parse
from metogpt.services.permissions import Actor
from tests.conftest import make_account
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.gateway.conftest import (
    AppServer,
    keyed,
    make_key,
    minute_to_spare,
    role_models,
    set_limits,
    v1,
    v1_stream,
)
from tests.support.calls import charges_of

pytestmark = pytest.mark.usefixtures("database")
_SYSTEM = Actor("test-setup", "ADMIN", permissions.full_matrix())
_ASK = {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "hi"}]}


def _books_balance(user_id: str) -> int:
    with read_session() as s:
        user = s.get(User, user_id)
        assert user is not None
        entries = s.exec(select(LedgerEntry).where(LedgerEntry.user_id == user_id)).all()
        assert user.balance == sum(e.amount for e in entries)
        assert billing.reconcile(s) == []
        return user.balance


def test_keys_over_rest_create_list_revoke(
    api, app_server: AppServer, fake: FakeProviderServer
) -> None:
    owner, other = make_account("PRO"), make_account("USER")
    r = api.post(
        "/api/me/keys", json={"name": " laptop ", "models": ["gpt-4"]}, headers=owner.headers
    )
    assert r.status_code == 201, r.text
    created = r.json()
    secret, key = created["secret"], created["key"]
    assert secret.startswith("mgpt-") and len(secret) >= 5 + 43
    assert key["prefix"] == secret[:12] and key["name"] == "laptop" and key["models"] == ["gpt-4"]
    with read_session() as s:
        stored = s.get(ApiKey, key["id"])
        assert stored is not None and secret not in str(stored.model_dump())
    listed = api.get("/api/me/keys", headers=owner.headers).json()["keys"]
    assert [k["id"] for k in listed] == [key["id"]] and "secret" not in listed[0]
    assert api.get("/api/me/keys", headers=other.headers).json()["keys"] == []
    # someone else's key is not found; a model outside the role is refused
    assert api.delete(f"/api/me/keys/{key['id']}", headers=other.headers).status_code == 404
    r = api.post("/api/me/keys", json={"name": "x", "models": ["gpt-4"]}, headers=other.headers)
    assert r.status_code == 422 and r.json()["error"] == "model_not_allowed"
    for bad in (
        {"name": ""},
        {"name": "a" * 101},
        {"name": "x", "expires_at": "2001-01-01T00:00:00Z"},
    ):
        assert api.post("/api/me/keys", json=bad, headers=owner.headers).status_code == 422, bad
    assert v1(app_server, secret, "/models").status_code == 200
    r = api.delete(f"/api/me/keys/{key['id']}", headers=owner.headers)
    assert r.status_code == 200 and r.json()["revokedAt"]
    assert v1(app_server, secret, "/models").status_code == 401
    assert api.get("/api/me/keys", headers=owner.headers).json()["keys"] == []


def test_admins_see_and_revoke_any_users_keys(
    api, app_server: AppServer, fake: FakeProviderServer
) -> None:
    admin, reader = make_account("ADMIN"), make_account("USER")
    key = keyed("PRO")
    r = api.get(f"/api/admin/users/{key.account.id}/keys", headers=admin.headers)
    assert r.status_code == 200 and [k["id"] for k in r.json()["keys"]] == [key.key_id]
    assert (
        api.get(f"/api/admin/users/{key.account.id}/keys", headers=reader.headers).status_code
        == 403
    )
    assert api.delete(f"/api/admin/keys/{key.key_id}", headers=reader.headers).status_code == 403
    assert v1(app_server, key.secret, "/models").status_code == 200
    assert api.delete(f"/api/admin/keys/{key.key_id}", headers=admin.headers).status_code == 200
    assert v1(app_server, key.secret, "/chat/completions", _ASK).status_code == 401
    assert fake.request_count == 0


def test_expired_key_and_disabled_user_and_role_change_apply_at_once(
    app_server: AppServer, fake: FakeProviderServer
) -> None:
    key = keyed("PRO")
    assert v1(app_server, key.secret, "/models").json()["data"][1]["id"] == "gpt-4"
    with write_session() as s:
        users.change_role(s, _SYSTEM, key.account.id, "USER")
    assert [m["id"] for m in v1(app_server, key.secret, "/models").json()["data"]] == role_models(
        "USER"
    )
    r = v1(app_server, key.secret, "/chat/completions", {**_ASK, "model": "gpt-4"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "model_not_allowed"
    with write_session() as s:
        users.set_enabled(s, _SYSTEM, key.account.id, False)
    assert v1(app_server, key.secret, "/models").status_code == 401
    with write_session() as s:
        users.set_enabled(s, _SYSTEM, key.account.id, True)
    assert v1(app_server, key.secret, "/models").status_code == 200
    with write_session() as s:
        stored = s.get(ApiKey, key.key_id)
        assert stored is not None
        stored.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        s.add(stored)
    r = v1(app_server, key.secret, "/chat/completions", _ASK)
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    assert fake.request_count == 0


@pytest.mark.parametrize("store", ["database", "redis"])
def test_rate_limits_answer_429_with_retry_after(
    app_server: AppServer, fake: FakeProviderServer, store: str
) -> None:
    if store == "redis":
        url = os.environ.get("TEST_REDIS_URL")
        if not url:
            pytest.skip("no Redis: TEST_REDIS_URL is unset")
        limits.configure(url)
    set_limits("USER", {"key_rpm": 3})
    key = keyed("USER")
    minute_to_spare()
    for _ in range(3):
        assert v1(app_server, key.secret, "/chat/completions", _ASK).status_code == 200
    seen = fake.request_count
    r = v1(app_server, key.secret, "/chat/completions", _ASK)
    assert r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "rate_limit_exceeded"
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert fake.request_count == seen
    # per key: another key of the same user still goes
    second = make_key(key.account, name="second")
    assert v1(app_server, second.secret, "/chat/completions", _ASK).status_code == 200
    # tokens per user: the first request spends the minute's 5 tokens, the next waits
    set_limits("USER", {"user_tpm": 5})
    fresh = keyed("USER")
    minute_to_spare()
    assert v1(app_server, fresh.secret, "/chat/completions", _ASK).status_code == 200
    r = v1(app_server, fresh.secret, "/chat/completions", _ASK)
    assert r.status_code == 429 and "tokens" in r.json()["error"]["message"]
    assert "retry-after" in r.headers
    set_limits("USER", None)
    assert v1(app_server, fresh.secret, "/chat/completions", _ASK).status_code == 200


def test_client_gone_mid_stream_pays_for_what_was_streamed(
    app_server: AppServer, fake: FakeProviderServer
) -> None:
    key = keyed("PRO", balance=100_000)
    fake.behavior = FakeBehavior(reply_tokens=400, tokens_per_second=100, prompt_tokens=7)
    body = {**_ASK, "model": "gpt-4", "stream": True}
    with v1_stream(app_server, key.secret, body) as response:
        seen = 0
        for line in response.iter_lines():
            seen += line.startswith("data:")
            if seen >= 10:
                break
    deadline = time.monotonic() + 60  # settled at once; a loaded machine is slow to get there
    while not charges_of(key.account.id):
        assert time.monotonic() < deadline, "the abandoned stream was not settled"
        time.sleep(0.05)
    [charge] = charges_of(key.account.id)
    assert charge.api_key_id == key.key_id
    assert 9 <= (charge.completion_tokens or 0) < 400
    # the prompt as counted locally (the provider's usage never came)
    assert charge.amount == -coefficients.cost(
        (charge.prompt_tokens or 0) + (charge.completion_tokens or 0), "1.5"
    )
    _books_balance(key.account.id)


def test_a_crashed_workers_api_reservation_is_charged_what_it_had_streamed(
    fake: FakeProviderServer,
) -> None:
    key = keyed("PRO", balance=10_000)
    call = parse(b'{"model": "gpt-4", "messages": [{"role": "user", "content": "hello there"}]}')
    ticket = tickets.admit(key.secret, call)
    tickets.save_progress(ticket, 42)
    with write_session() as s:
        assert answers.recover(s, timedelta(seconds=-1)) == 1
    [charge] = charges_of(key.account.id)
    assert charge.completion_tokens == 42 and charge.prompt_tokens == ticket.prompt_tokens
    assert charge.api_key_id == key.key_id
    assert charge.amount == -coefficients.cost(ticket.prompt_tokens + 42, "1.5")
    _books_balance(key.account.id)


async def _parallel_streams(server: AppServer, secret: str, n: int) -> list[str]:
    client = openai.AsyncOpenAI(
        base_url=f"{server.base_url}/v1",
        api_key=secret,
        max_retries=0,
        timeout=120,
        http_client=httpx2.AsyncClient(limits=httpx2.Limits(max_connections=n)),
    )

    async def one() -> str:
        try:
            stream = await client.chat.completions.create(
                model="gpt-3.5-turbo",
                messages=[{"role": "user", "content": "hi"}],
                max_tokens=30,
                stream=True,
                stream_options={"include_usage": True},
            )
            async for _ in stream:
                pass
            return "ok"
        except openai.APIStatusError as exc:
            return str(exc.code)

    try:
        return await asyncio.gather(*(one() for _ in range(n)))
    finally:
        await client.close()


def test_200_parallel_streams_of_a_1000_credit_user_never_overdraw(
    app_server: AppServer, fake: FakeProviderServer
) -> None:
    key = keyed("USER", balance=1000)
    fake.behavior = FakeBehavior(reply_tokens=30, tokens_per_second=300, prompt_tokens=5)
    outcomes = asyncio.run(_parallel_streams(app_server, key.secret, 200))
    assert set(outcomes) <= {"ok", "insufficient_quota"}, set(outcomes)
    assert "ok" in outcomes and "insufficient_quota" in outcomes
    charges = charges_of(key.account.id)
    assert len(charges) == outcomes.count("ok")
    # the last ones may have been cut short: max_tokens capped by what was left
    assert all(
        c.prompt_tokens == 5
        and 1 <= (c.completion_tokens or 0) <= 30
        and c.amount == -coefficients.cost(5 + (c.completion_tokens or 0), "1")
        for c in charges
    )
    assert _books_balance(key.account.id) == 1000 + sum(c.amount for c in charges) >= 0
    assert fake.request_count == len(charges)


def test_a_user_owing_credits_gets_the_quota_error(
    app_server: AppServer, fake: FakeProviderServer
) -> None:
    key = keyed("USER", balance=1000)
    with write_session() as s:
        user = s.get(User, key.account.id)
        assert user is not None
        user.owed = 5
        s.add(user)
    r = v1(app_server, key.secret, "/chat/completions", _ASK)
    assert r.status_code == 402 and r.json()["error"]["code"] == "insufficient_quota"
    assert fake.request_count == 0


def test_no_reservation_is_left_behind(app_server: AppServer, fake: FakeProviderServer) -> None:
    key = keyed("USER", balance=1000)
    for _ in range(3):
        v1(app_server, key.secret, "/chat/completions", _ASK)
    with read_session() as s:
        assert s.exec(select(Reservation)).first() is None


def test_an_admission_that_would_wait_waits_in_a_thread(
    database: str, app_server: AppServer, fake: FakeProviderServer
) -> None:
    """SQLite: a request is admitted on the event loop only if the write turn is free
    (tickets.admit_now). While another thread holds it, the admission waits for it in a
    thread: the worker answers meanwhile, and the request goes through, billed once, when
    the turn is free."""
    if database != "sqlite":
        pytest.skip("PostgreSQL's admissions always run in a thread")
    key = keyed("PRO")
    turn = db.engines().write_turn
    assert turn is not None
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.write_tx():
            held.set()
            release.wait(60)

    answers_: list[httpx.Response] = []
    holder = threading.Thread(target=hold)
    asking = threading.Thread(
        target=lambda: answers_.append(v1(app_server, key.secret, "/chat/completions", _ASK))
    )
    holder.start()
    try:
        held.wait(30)
        asking.start()
        deadline = time.monotonic() + 60
        while turn.waiting() < 1:
            assert time.monotonic() < deadline, "the admission did not queue for the turn"
            time.sleep(0.01)
        assert httpx.get(f"{app_server.base_url}/api/health", timeout=30).status_code == 200
        assert fake.request_count == 0 and not charges_of(key.account.id)
    finally:
        release.set()
        holder.join(timeout=60)
        asking.join(timeout=60)
    [answer] = answers_
    assert answer.status_code == 200, answer.text
    assert len(charges_of(key.account.id)) == 1
    _books_balance(key.account.id)
