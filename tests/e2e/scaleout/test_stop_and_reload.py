"""A page whose stop lands on another worker than its answer's stream, and a page reloaded
mid-answer: both in a real browser."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import redis
from playwright.sync_api import Locator, Page, WebSocketRoute, expect
from sqlalchemy import Engine
from sqlmodel import Session, select

from metogpt.models import LedgerEntry, Message
from tests.e2e.helpers import sign_in
from tests.e2e.scaleout.workers import (
    SCALE_OUT,
    START_BALANCE,
    Member,
    books_balanced,
    new_member,
    worker_of,
)
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer

pytestmark = SCALE_OUT


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


def test_a_page_reloaded_mid_answer_shows_it_again_from_its_start_as_it_goes_on(
    page: Page, http: httpx.Client, fake_provider: FakeProviderServer
) -> None:
    member = new_member(http, "reloader")
    fake_provider.behavior = FakeBehavior(reply_tokens=600, prompt_tokens=5, tokens_per_second=40)
    streaming = ask(page, member, "Tell me a long story")
    expect(streaming).to_contain_text("tok20")
    page.reload()
    # The tab keeps its state (the answer is in flight); the page reads the answer's
    # stream again from its start, on whichever worker, and follows it as it grows.
    shown = streamed_tokens(page)
    expect(streaming).to_contain_text(f"tok{shown + 40}")
    numbers = [int(n) for n in re.findall(r"tok(\d+)", streaming.inner_text())]
    assert numbers == list(range(len(numbers)))  # from the start, nothing twice
    done = page.locator(".msg-assistant[data-status=done]")
    expect(done).to_have_count(1, timeout=60_000)
    expect(done.locator(".msg-text")).to_contain_text("tok599")
    expect(page.locator("#stop")).to_have_count(0)
