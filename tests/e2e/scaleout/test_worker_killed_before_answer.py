"""A worker killed (SIGKILL) after it took a send and before the answer began (its send's
transaction waits for the member's row, locked from the test): the page does not stay on
Stop, the message is still in the composer with a notice, nothing was saved or held, and
sending again makes one message (state/chat/turns.py). The page comes back on the other
worker as a new tab: Reflex's token manager keeps the dead worker's record of the socket,
so the reconnecting page is given a new token and a fresh state, which the page tells of
the turn it was waiting for. Runs after test_worker_killed.py: it too leaves a respawned
worker behind, which the Russian case may kill once it is old enough (AppServer.kill_worker)."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Connection, Engine, text
from sqlmodel import Session, select

from metogpt import i18n
from metogpt.models import Conversation, Message, User
from tests.e2e.chat_pages import SIZES
from tests.e2e.helpers import Screenshot, sign_in
from tests.e2e.scaleout.workers import (
    SCALE_OUT,
    WORKERS,
    books_balanced,
    new_member,
    open_reservations,
    wait_until,
)
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.support.server import START_TIMEOUT, AppServer

pytestmark = SCALE_OUT


@contextmanager
def _row_locked(db: Engine, user_id: str) -> Iterator[Connection]:
    """The member's row held (FOR UPDATE): a send's reservation waits for it."""
    with db.connect() as conn, conn.begin():
        conn.execute(text('SELECT id FROM "user" WHERE id = :id FOR UPDATE'), {"id": user_id})
        yield conn


def _waiting_worker(db: Engine, server: AppServer) -> int:
    """The worker whose database connection waits for a lock (the send's transaction): its
    connection's local port, found among the workers' sockets."""
    deadline = time.monotonic() + 30
    while True:
        with db.connect() as conn:
            ports = conn.execute(
                text(
                    "SELECT client_port FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            ).scalars()
            ports = [p for p in ports if p]
        for port in ports:
            sockets = subprocess.run(
                ["ss", "-tnpH", f"( sport = :{port} )"], capture_output=True, text=True
            ).stdout
            for pid in map(int, re.findall(r"pid=(\d+)", sockets)):
                if pid in server.worker_pids():
                    return pid
        assert time.monotonic() < deadline, "no worker waits for the member's row"
        time.sleep(0.2)


def _prompts(db: Engine, user_id: str, content: str) -> int:
    with Session(db) as session:
        query = (
            select(Message)
            .join(Conversation)
            .where(Conversation.user_id == user_id, Message.content == content)
        )
        return len(session.exec(query).all())


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_worker_killed_before_the_answer_began_leaves_no_stop_and_keeps_the_message(
    page: Page,
    http: httpx.Client,
    scale_server: AppServer,
    fake_provider: FakeProviderServer,
    db: Engine,
    screenshot: Screenshot,
    lang: str,
) -> None:
    member = new_member(http, "unbegun")
    with Session(db) as session:
        user = session.exec(select(User).where(User.id == member.user_id)).one()
        user.locale = lang
        user.theme = "dark" if lang == "ru" else "light"  # the notice seen in both themes
        session.add(user)
        session.commit()
    fake_provider.behavior = FakeBehavior(reply_tokens=5)
    sign_in(page, member.person.email, member.person.password)
    composer, stop, send = page.locator("#composer"), page.locator("#stop"), page.locator("#send")
    expect(composer).to_be_visible()
    expect(page.locator("#balance")).to_be_visible()
    message = f"Taken, never answered ({lang})"
    composer.fill(message)
    with _row_locked(db, member.user_id):
        send.click()
        expect(stop).to_be_visible()  # taken: the turn has begun
        victim = _waiting_worker(db, scale_server)
        scale_server.kill_worker(victim)  # its transaction is rolled back with its connection
    # The page reconnects to the other worker, as a new tab (the dead socket's record stays).
    expect(send).to_be_visible(timeout=60_000)
    expect(stop).to_have_count(0)
    expect(composer).to_have_value(message)  # the browser's copy of the draft
    notice = page.get_by_text(i18n.tr("chat.error.turn_lost", lang))
    expect(notice).to_be_visible()
    assert _prompts(db, member.user_id, message) == 0
    assert open_reservations(db) == 0  # nothing was held
    for size in ("desktop", "phone"):
        page.set_viewport_size(SIZES[size])  # pyright: ignore[reportArgumentType]
        page.wait_for_timeout(1000)  # a phone's sidebar slides away
        notice.scroll_into_view_if_needed()
        screenshot(page, f"turn-lost-{lang}-{size}")
    page.set_viewport_size(SIZES["desktop"])  # pyright: ignore[reportArgumentType]

    send.click()  # sending again: one message, answered
    expect(page.locator(".msg-assistant[data-status=done]")).to_have_count(1, timeout=60_000)
    expect(composer).to_have_value("")
    expect(notice).to_have_count(0)
    assert _prompts(db, member.user_id, message) == 1
    books_balanced(db)
    wait_until(
        lambda: (
            victim not in scale_server.worker_pids() and len(scale_server.worker_pids()) == WORKERS
        ),
        START_TIMEOUT,
        "the killed worker replaced",
    )
