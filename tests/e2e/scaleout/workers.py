"""What the scale-out tests share: the app's settings, members, tabs placed on workers,
an answer read from its stream as the page reads it, waits and the books."""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from metogpt.models import Reservation
from metogpt.services import billing
from tests.e2e.helpers import Person
from tests.fixtures.reflex_client import AUTH_TOKEN_VAR, CHAT, ReflexTab

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")

# pytestmark of every module here
SCALE_OUT = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (POSTGRES_URL and REDIS_URL),
        reason="scale-out tests skipped: they need both TEST_POSTGRES_URL and TEST_REDIS_URL "
        "(PostgreSQL + Redis + 2 workers)",
    ),
]

WORKERS = 2
START_BALANCE = 2000  # METOGPT_START_BALANCE's default, granted at registration
# A reservation younger than this belongs to a live answer; older ones are settled by the
# workers' recovery loop. Longer than any answer of these tests (the longest, the stopped
# one, lasts a few seconds), short enough for the kill test to wait for it.
RECOVERY_STALE_SECONDS = 40
RECOVERY_EVERY_SECONDS = 1
RECOVERY_WAIT = RECOVERY_STALE_SECONDS + 60  # an upper bound to wait, not a timed assertion


def worker_of(sockets: redis.Redis, token: str) -> str | None:
    """The instance id of the worker holding the tab's socket, None while it has none."""
    raw = sockets.get(f"token_manager_socket_record_{token}")
    # Written by reflex's RedisTokenManager (a pickled SocketRecord) in our own Redis.
    return pickle.loads(raw).instance_id if raw else None  # type: ignore[arg-type]


@dataclass(frozen=True)
class Member:
    person: Person
    user_id: str
    jwt: str


def new_member(http: httpx.Client, tag: str) -> Member:
    person = Person.new(tag)
    user_id = person.register_via_api(http)
    response = http.post(
        "/api/auth/login", json={"email": person.email, "password": person.password}
    )
    assert response.status_code == 200, response.text
    return Member(person, user_id, response.json()["token"])


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    """For effects outside any page (database rows, processes). Fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.2)


def books_balanced(db: Engine) -> None:
    with Session(db) as session:
        assert billing.reconcile(session) == []
        assert session.exec(select(func.count()).select_from(Reservation)).one() == 0


def open_reservations(db: Engine) -> int:
    with Session(db) as session:
        return session.exec(select(func.count()).select_from(Reservation)).one()


async def moved_tab(tab: ReflexTab, sockets: redis.Redis) -> None:
    """Reconnect `tab` with the same token, as a browser does after a network blip. Waits
    until the old worker has dropped the socket's record first: a socket that arrives while
    the record is still there is taken for a duplicate tab and given a new token."""
    await tab.close()
    while worker_of(sockets, tab.token) is not None:
        await asyncio.sleep(0.02)
    await tab.connect()


async def tabs_on_every_worker(
    base_url: str, members: list[Member], sockets: redis.Redis, per_worker: int
) -> list[ReflexTab]:
    """One signed-in tab per member, reconnected until every worker holds `per_worker`."""
    tabs = [ReflexTab(base_url, storage={AUTH_TOKEN_VAR: m.jwt}, keep_deltas=True) for m in members]
    for tab in tabs:
        await tab.connect()
    for _ in range(100):
        owners = [worker_of(sockets, tab.token) for tab in tabs]
        counts = {owner: owners.count(owner) for owner in owners}
        if len(counts) == WORKERS and min(counts.values()) >= per_worker:
            break
        crowded = max(counts, key=lambda owner: counts[owner])
        await moved_tab(tabs[owners.index(crowded)], sockets)
    else:
        pytest.fail(f"sockets never spread over {WORKERS} workers: {counts}")
    for tab in tabs:  # signed in, chat page loaded
        await tab.wait_for(lambda s: bool(s.get(CHAT, {}).get("model")))
    return tabs


def last_answer(tab: ReflexTab) -> dict[str, Any]:
    return tab.var(CHAT, "messages")[-1]


def answered(state: dict[str, dict[str, Any]]) -> bool:
    """The tab's last turn has ended: its answer is stored (whatever its outcome)."""
    chat = state.get(CHAT, {})
    messages = chat.get("messages") or []
    return (
        not chat.get("streaming")
        and bool(messages)
        and messages[-1]["role"] == "assistant"
        and messages[-1]["status"] != "streaming"
    )


@dataclass
class LiveReader:
    """Reads an answer from GET /api/answers/{id}/stream as the page's LiveAnswer does:
    with the member's token, resuming from its offset when a connection breaks (each new
    connection lands on whichever worker the kernel hands it to)."""

    base_url: str
    jwt: str
    message_id: str
    deltas: list[str]
    end: str | None = None

    @property
    def text(self) -> str:
        return "".join(self.deltas)

    async def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.jwt}"}
        path = f"/api/answers/{self.message_id}/stream"
        async with httpx.AsyncClient(base_url=self.base_url, timeout=90) as client:
            while self.end is None:
                try:
                    offset = len(self.text)
                    async with client.stream("GET", f"{path}?from={offset}", headers=headers) as r:
                        assert r.status_code == 200, await r.aread()
                        async for line in r.aiter_lines():
                            event = json.loads(line)
                            if "end" in event:
                                self.end = event["end"]
                                break
                            assert event["offset"] == len(self.text)
                            self.deltas.append(event["text"])
                except httpx.TransportError:  # its worker died under it
                    await asyncio.sleep(0.3)


def follow_answer(
    base_url: str, member: Member, message_id: str
) -> tuple[LiveReader, asyncio.Task]:
    reader = LiveReader(base_url, member.jwt, message_id, [])
    return reader, asyncio.ensure_future(reader.run())


async def all_read(readers: list[tuple[LiveReader, asyncio.Task]], text: str) -> None:
    """Until every reader has read `text` (a reader that fails is reported at once)."""
    async with asyncio.timeout(120):
        while not all(text in reader.text for reader, _ in readers):
            for _, task in readers:
                if task.done() and task.exception():
                    task.result()
            await asyncio.sleep(0.05)


async def started_answer(tab: ReflexTab) -> str:
    """The id of the answer the tab's turn has started (the page reads its stream)."""
    state = await tab.wait_for(lambda s: bool(s.get(CHAT, {}).get("stream_message_id")))
    return state[CHAT]["stream_message_id"]
