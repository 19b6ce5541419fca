"""Production mode end to end: PostgreSQL + Redis + two granian workers behind one port.

The app runs as `reflex run --env prod` with REFLEX_REDIS_URL and GRANIAN_WORKERS=2 on a
database of its own, created for this module on the TEST_POSTGRES_URL server. Browser tabs
are real Chromium pages or `ReflexTab`s (tests/fixtures/reflex_client.py: Reflex's
websocket protocol, for tests that must place sockets on workers or outlive one).

Which worker serves a tab: each websocket is one TCP connection, accepted by one worker
and kept there; every event of that socket is handled by that worker, and a background
task (a streaming answer) lives in the worker that received its event. Reflex's Redis token
manager records, per tab token, the instance id of the worker holding its socket
(`token_manager_socket_record_<token>`): the tests read it to know where a socket landed,
and reconnect a socket until it lands elsewhere. State lives in Redis, so any worker may
change it; deltas for a socket on another worker go through Redis pub/sub ("lost and found").
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import pickle
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import redis
from playwright.sync_api import Browser, Locator, Page, WebSocketRoute, expect
from sqlalchemy import Engine, create_engine, func, make_url
from sqlmodel import Session, col, select

from metogpt import routes
from metogpt.models import LedgerEntry, Message, Reservation, User
from metogpt.services import billing
from metogpt.services.llm.tokens import count_text_tokens
from tests.e2e.helpers import Person, in_thread, sign_in
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.fixtures.reflex_client import AUTH_TOKEN_VAR, CHAT, SESSION, ReflexTab
from tests.support.server import (
    ARTIFACTS,
    START_TIMEOUT,
    AppServer,
    free_port,
    fresh_postgres_database,
)

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")

pytestmark = [
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

T = TypeVar("T")


# --- the app under test --------------------------------------------------------------------


@pytest.fixture(scope="module")
def scale_db_url() -> Iterator[str]:
    """A database of its own on the TEST_POSTGRES_URL server, dropped afterwards: the unit
    tests own TEST_POSTGRES_URL's database and reset its schema."""
    assert POSTGRES_URL
    name = f"{make_url(POSTGRES_URL).database or 'test'}_scaleout_{os.getpid()}"
    with fresh_postgres_database(POSTGRES_URL, name) as url:
        yield url


@pytest.fixture(scope="module")
def scale_server(scale_db_url: str, app_extra_env: dict[str, str]) -> Iterator[AppServer]:
    assert REDIS_URL
    ARTIFACTS.mkdir(exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="metogpt-scaleout-"))
    server = AppServer(
        port=free_port(),
        data_dir=data_dir,
        log_path=ARTIFACTS / "e2e-scaleout-app.log",
        extra_env={
            **app_extra_env,
            "METOGPT_RECOVERY_STALE_SECONDS": str(RECOVERY_STALE_SECONDS),
            "METOGPT_RECOVERY_EVERY_SECONDS": str(RECOVERY_EVERY_SECONDS),
            # As the deployment recipe runs it (README, compose.yaml): a background task
            # keeps the tab's state and lock between flushes until another event wants them.
            "REFLEX_OPLOCK_ENABLED": "true",
        },
        database_url=scale_db_url,
        redis_url=REDIS_URL,
        workers=WORKERS,
        # Its own web dir: the shared single-worker app may be running beside this one.
        web_dir=ARTIFACTS / "e2e-web-scaleout",
    )
    server.log_path.write_text("")
    server.start()
    try:
        assert len(server.worker_pids()) == WORKERS, server.log_tail()
        yield server
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def db(scale_db_url: str) -> Iterator[Engine]:
    """The app's database, read directly (the app runs in other processes)."""
    engine = create_engine(scale_db_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def sockets() -> Iterator[redis.Redis]:
    assert REDIS_URL
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.close()


@pytest.fixture
def http(scale_server: AppServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=scale_server.base_url, timeout=30) as client:
        yield client


@pytest.fixture
def page(browser: Browser, scale_server: AppServer) -> Iterator[Page]:
    """A page in a browser context of its own, on the scale-out app (not the shared one)."""
    context = browser.new_context(base_url=scale_server.base_url, locale="en-US")
    try:
        yield context.new_page()
    finally:
        context.close()


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


# --- chats on two workers ------------------------------------------------------------------


def test_chats_stream_on_both_workers_and_every_balance_reconciles(
    scale_server: AppServer,
    http: httpx.Client,
    db: Engine,
    sockets: redis.Redis,
    fake_provider: FakeProviderServer,
) -> None:
    # Each answer waits after its first token until every page reads its stream: a page
    # that came late (a loaded machine) would get the finished answer in one piece.
    fake_provider.behavior = FakeBehavior(
        reply_tokens=30, prompt_tokens=12, tokens_per_second=30, hold_after_tokens=1
    )
    members = [new_member(http, "multi") for _ in range(6)]

    async def scenario() -> tuple[list[dict[str, Any]], list[LiveReader]]:
        tabs = await tabs_on_every_worker(scale_server.base_url, members, sockets, per_worker=2)
        try:
            for i, tab in enumerate(tabs):
                await tab.emit(f"{CHAT}.send", form={"prompt": f"Question {i} from many workers"})
            following = [
                follow_answer(scale_server.base_url, member, await started_answer(tab))
                for member, tab in zip(members, tabs, strict=True)
            ]
            await all_read(following, "tok0")
            fake_provider.release()
            for tab in tabs:
                await tab.wait_for(answered)
            await asyncio.wait_for(asyncio.gather(*(task for _, task in following)), 60)
            return [last_answer(tab) for tab in tabs], [reader for reader, _ in following]
        finally:
            for tab in tabs:
                await tab.close()

    answers, readers = in_thread(scenario)
    # Each page's stream brought the answer in pieces as it grew (read through either
    # worker), the whole of it, then its end; the tab's state got the stored, billed answer.
    assert all(len(r.deltas) > 1 and r.end == "done" for r in readers)
    assert [r.text for r in readers] == [a["content"] for a in answers]
    assert [a["status"] for a in answers] == ["done"] * len(members)
    assert all(a["content"].endswith("tok29") for a in answers)
    cost = math.ceil(12 + 30)
    assert [a["charged"] for a in answers] == [cost] * len(members)
    with Session(db) as session:
        for m in members:
            user = session.get(User, m.user_id)
            assert user is not None and user.balance == START_BALANCE - cost
    books_balanced(db)


# --- stop on another worker than the stream ------------------------------------------------


@dataclass
class RoutedSocket:
    """One websocket of the page, routed through Playwright so the test can cut it."""

    page_side: WebSocketRoute
    server_side: WebSocketRoute


def route_sockets(page: Page) -> list[RoutedSocket]:
    """Pass the page's websockets to the app through Playwright, newest last."""
    routed: list[RoutedSocket] = []

    def handle(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        # Without this, the app side closing would close the page side at once; the test
        # decides when the page notices (see test below).
        server.on_close(lambda code, reason: None)
        routed.append(RoutedSocket(ws, server))

    page.route_web_socket(re.compile(r"/_event/"), handle)
    return routed


def page_wait_until(page: Page, check: Callable[[], bool], what: str) -> None:
    """wait_until for checks of the app's side, pumping Playwright meanwhile (its sync API
    handles routed websockets only while the test calls into it)."""
    deadline = time.monotonic() + 30
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        page.wait_for_timeout(50)


STREAMING = ".msg-assistant[data-status=streaming] .live-answer"


def ask(page: Page, member: Member, prompt: str) -> Locator:
    """Sign in on `page` and send `prompt`: the answer, as the page shows it streaming."""
    sign_in(page, member.person.email, member.person.password)
    expect(page.locator("#composer")).to_be_visible()
    page.fill("#composer", prompt)
    page.locator("#composer").press("Enter")
    return page.locator(STREAMING)


def streamed_tokens(page: Page) -> int:
    """The highest `tokN` of the fake provider's answer shown so far."""
    shown = page.locator(STREAMING).inner_text()
    return max((int(n) for n in re.findall(r"tok(\d+)", shown)), default=-1)


def test_stop_works_when_it_lands_on_another_worker_than_the_stream(
    page: Page,
    http: httpx.Client,
    db: Engine,
    sockets: redis.Redis,
    fake_provider: FakeProviderServer,
) -> None:
    member = new_member(http, "stopper")
    fake_provider.behavior = FakeBehavior(reply_tokens=1500, prompt_tokens=9, tokens_per_second=40)
    routed = route_sockets(page)
    streaming = ask(page, member, "Tell me a very long story")
    expect(streaming).to_contain_text("tok5")

    token = page.evaluate("() => window.sessionStorage.getItem('token')")
    stream_worker = worker_of(sockets, token)
    assert stream_worker is not None
    # The answer is a background task inside `stream_worker`, which took the `send`
    # event. Move the tab's socket until another worker holds it, as a network blip and
    # the browser's reconnect would: cut the app side, let that worker drop the socket's
    # record, then close the page side so the page reconnects (a new TCP connection,
    # accepted by whichever worker the kernel hands it to).
    socket_worker = stream_worker
    for _ in range(30):
        current = routed[-1]
        current.server_side.close()
        page_wait_until(page, lambda: worker_of(sockets, token) is None, "socket released")
        current.page_side.close()
        page_wait_until(page, lambda: worker_of(sockets, token) is not None, "reconnected")
        socket_worker = worker_of(sockets, token)
        if socket_worker != stream_worker:
            break
    assert socket_worker != stream_worker, "the socket never landed on the other worker"
    assert page.evaluate("() => window.sessionStorage.getItem('token')") == token

    # The answer's text still reaches the page (its own HTTP stream, from the hub).
    shown = streamed_tokens(page)
    expect(streaming).to_contain_text(f"tok{shown + 20}")
    # The stop is handled by `socket_worker`, which records it in the hub (Redis);
    # `stream_worker` looks for its answers' stops four times a second.
    page.click("#stop")
    stopped = page.locator(".msg-assistant[data-status=stopped]")
    expect(stopped).to_have_count(1)
    charged = int(stopped.locator(".msg-charge").get_attribute("data-charged") or "-1")
    expect(page.locator("#balance")).to_have_text(str(START_BALANCE - charged))

    with Session(db) as session:
        [charge] = session.exec(
            select(LedgerEntry).where(
                LedgerEntry.user_id == member.user_id, LedgerEntry.kind == "charge"
            )
        ).all()
        answer = session.get(Message, charge.message_id)
        assert answer is not None and answer.status == "stopped"
        assert 0 < (charge.completion_tokens or 0) < 1500  # stopped well before the end
        # A stopped stream reports no usage: the app counts both sides itself.
        tokens = (charge.prompt_tokens or 0) + (charge.completion_tokens or 0)
        assert -charge.amount == charged == math.ceil(tokens)
    books_balanced(db)


# --- a reload mid-answer -------------------------------------------------------------------


def test_a_page_reloaded_mid_answer_shows_it_again_from_its_start_as_it_goes_on(
    page: Page, http: httpx.Client, fake_provider: FakeProviderServer
) -> None:
    member = new_member(http, "reloader")
    # The answer waits after tok40 until the reloaded page shows it: still in flight then,
    # however long the reload took.
    fake_provider.behavior = FakeBehavior(
        reply_tokens=600, prompt_tokens=5, tokens_per_second=40, hold_after_tokens=41
    )
    streaming = ask(page, member, "Tell me a long story")
    expect(streaming).to_contain_text("tok20")
    page.reload()
    # The tab keeps its state (the answer is in flight); the page reads the answer's
    # stream again from its start, on whichever worker, and follows it as it grows.
    expect(streaming).to_contain_text("tok40")
    fake_provider.release()
    expect(streaming).to_contain_text("tok80")
    numbers = [int(n) for n in re.findall(r"tok(\d+)", streaming.inner_text())]
    assert numbers == list(range(len(numbers)))  # from the start, nothing twice
    done = page.locator(".msg-assistant[data-status=done]")
    expect(done).to_have_count(1, timeout=60_000)
    expect(done.locator(".msg-text")).to_contain_text("tok599")
    expect(page.locator("#stop")).to_have_count(0)


# --- a worker killed mid-answer ----------------------------------------------------------------


def test_a_killed_worker_loses_no_message_and_leaves_no_reservation(
    scale_server: AppServer,
    http: httpx.Client,
    db: Engine,
    sockets: redis.Redis,
    fake_provider: FakeProviderServer,
) -> None:
    # Long enough that every answer is still streaming when the worker dies. Each page
    # reads its answer's stream (an HTTP request to either worker, resumed from its offset
    # when it breaks): what it had shown is in the hub (Redis), for the recovery to charge.
    # Every answer waits after tok100 until the worker is dead, so each is still streaming
    # then however slowly the machine got there.
    fake_provider.behavior = FakeBehavior(
        reply_tokens=400, prompt_tokens=7, tokens_per_second=40, hold_after_tokens=101
    )
    members = [new_member(http, "crash") for _ in range(6)]
    prompts = {m.user_id: f"Keep this question {uuid.uuid4().hex[:6]}" for m in members}
    victim = scale_server.worker_pids()[0]

    shown: dict[int, str] = {}  # what the pages of the dead worker's answers had shown

    async def scenario() -> tuple[list[int], list[int]]:
        tabs = await tabs_on_every_worker(scale_server.base_url, members, sockets, per_worker=2)
        try:
            for m, tab in zip(members, tabs, strict=True):
                await tab.emit(f"{CHAT}.send", form={"prompt": prompts[m.user_id]})
            readers = [
                follow_answer(scale_server.base_url, m, await started_answer(tab))
                for m, tab in zip(members, tabs, strict=True)
            ]
            await all_read(readers, "tok100")
            os.kill(victim, 9)  # SIGKILL: no clean-up of any kind in that worker
            fake_provider.release()
            # The dead worker's answers end as "lost" for their pages (its heartbeat in
            # Redis lapses), the others' go on to their end.
            await asyncio.wait_for(asyncio.gather(*(task for _, task in readers)), 90)
            for tab in tabs:  # the dead worker's sockets close, the others' turns end
                await tab.wait_for(
                    lambda s, tab=tab: not tab.connected or not s[CHAT]["streaming"], timeout=60
                )
            lost = [i for i, tab in enumerate(tabs) if tab.closed_by_server]
            kept = [i for i, tab in enumerate(tabs) if not tab.closed_by_server]
            assert [i for i, (r, _) in enumerate(readers) if r.end == "lost"] == lost
            shown.update({i: readers[i][0].text for i in lost})
            for i in kept:
                answer = last_answer(tabs[i])
                assert answer["status"] == "done" and answer["content"].endswith("tok399")
                assert readers[i][0].text == answer["content"]
            return lost, kept
        finally:
            for tab in tabs:
                await tab.close()

    lost, kept = in_thread(scenario)
    # Both workers held tabs: the dead one's are cut, the other's answers go on (without
    # granian's respawn, one dead worker stops the whole server and every tab is cut).
    assert lost, "no tab was on the killed worker"
    assert kept, "killing one worker cut the tabs of every worker"

    # Granian starts a new worker in place of the dead one; the app keeps answering.
    wait_until(
        lambda: (
            victim not in scale_server.worker_pids() and len(scale_server.worker_pids()) == WORKERS
        ),
        START_TIMEOUT,  # a new worker imports the app: minutes on a loaded machine
        "the killed worker replaced",
    )
    assert httpx.get(f"{scale_server.base_url}/api/health", timeout=10).status_code == 200

    # The survivors' recovery loop settles what the dead worker held, once it is stale.
    wait_until(lambda: open_reservations(db) == 0, RECOVERY_WAIT, "reservations settled")
    books_balanced(db)
    with Session(db) as session:
        for i, m in enumerate(members):
            in_its_chat = col(Message.conversation_id).in_(
                select(Message.conversation_id).where(Message.content == prompts[m.user_id])
            )
            said = session.exec(
                select(Message.content).where(col(Message.role) == "user", in_its_chat)
            ).all()
            assert said == [prompts[m.user_id]]  # every question kept, exactly once
            [answer] = session.exec(
                select(Message).where(Message.role == "assistant", in_its_chat)
            ).all()
            charges = session.exec(
                select(LedgerEntry).where(LedgerEntry.message_id == answer.id)
            ).all()
            assert len(charges) <= 1
            if i in kept:
                assert answer.status == "done" and len(charges) == 1
            else:  # cut by the crash: charged for at least the text that was on screen
                assert "tok100" in shown[i] and answer.content.startswith(shown[i])
                assert answer.status == "cut"
                assert (answer.completion_tokens or 0) >= count_text_tokens(shown[i])
                assert sum(-c.amount for c in charges) == math.ceil(
                    (answer.prompt_tokens or 0) + (answer.completion_tokens or 0)
                )

    # A user of the dead worker comes back: the question is there and chatting works.
    fake_provider.behavior = FakeBehavior(reply_text="Back after the crash", prompt_tokens=4)
    back = members[lost[0]]
    with Session(db) as session:  # they come back at their conversation's address
        conversation = session.exec(
            select(Message.conversation_id).where(Message.content == prompts[back.user_id])
        ).one()

    async def come_back() -> list[dict[str, Any]]:
        async with ReflexTab(
            scale_server.base_url,
            path=routes.conversation(conversation),
            storage={AUTH_TOKEN_VAR: back.jwt},
        ) as tab:
            await tab.wait_for(lambda s: bool(s.get(CHAT, {}).get("messages")))
            assert tab.var(CHAT, "streaming") is False
            await tab.emit(f"{CHAT}.send", form={"prompt": "Are you there?"})
            await tab.wait_for(
                lambda s: (
                    s[CHAT]["messages"][-1]["content"] == "Back after the crash"
                    and not s[CHAT]["streaming"]
                )
            )
            assert tab.var(SESSION, "balance") is not None
            return tab.var(CHAT, "messages")

    thread = in_thread(come_back)
    assert thread[0]["content"] == prompts[back.user_id]
    assert [m["role"] for m in thread] == ["user", "assistant", "user", "assistant"]
    books_balanced(db)
