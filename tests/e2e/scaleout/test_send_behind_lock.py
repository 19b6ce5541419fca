"""A send stuck behind its tab's lock in Redis (as behind a slow event of the tab at a burst
of page loads): the composer says "Not sent" once the watch's wait is over, keeps the draft,
and when the lock comes free the send is taken after all: the notice goes, one message.
The lock is held from the test, in the app's Redis, as Reflex's state manager holds it."""

from __future__ import annotations

import time
import uuid

import httpx
import redis
from playwright.sync_api import Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, select

from metogpt.components.send_watch import SEND_WAIT_MS
from metogpt.models import Conversation, Message
from tests.e2e.helpers import sign_in
from tests.e2e.scaleout.workers import SCALE_OUT, new_member
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer

pytestmark = SCALE_OUT

_LEASE_WAIT = 30.0  # seconds: a worker keeps the tab's lock for its lease (5 s) after an event


def _hold_lock(sockets: redis.Redis, token: str) -> bytes:
    """Take the tab's lock as another event would (Reflex's key, SET NX), once the worker
    that served the page load lets it go; the id that holds it."""
    held_by = f"test:{uuid.uuid4().hex}".encode()
    deadline = time.monotonic() + _LEASE_WAIT
    while not sockets.set(f"{token}_lock", held_by, nx=True, px=120_000):
        assert time.monotonic() < deadline, "the tab's lock was never free"
        time.sleep(0.05)
    return held_by


def _prompts(db: Engine, user_id: str, text: str) -> int:
    with Session(db) as session:
        rows = session.exec(
            select(Message)
            .join(Conversation)
            .where(Conversation.user_id == user_id, Message.role == "user", Message.content == text)
        ).all()
        return len(rows)


def test_a_send_stuck_behind_its_tabs_lock_is_told_then_taken_once(
    page: Page,
    http: httpx.Client,
    fake_provider: FakeProviderServer,
    sockets: redis.Redis,
    db: Engine,
) -> None:
    member = new_member(http, "locked")
    fake_provider.behavior = FakeBehavior(reply_tokens=5)
    sign_in(page, member.person.email, member.person.password)
    expect(page.locator("#composer")).to_be_visible()
    expect(page.locator("#balance")).to_be_visible()
    page.fill("#composer", "Behind the lock")
    token = page.evaluate("() => window.sessionStorage.getItem('token')")
    held_by = _hold_lock(sockets, token)
    try:
        page.locator("#send").click()
        notice = page.locator("#send-not-taken")
        expect(notice).to_be_visible(timeout=SEND_WAIT_MS + 15_000)
        expect(page.locator("#composer")).to_have_value("Behind the lock")
        assert _prompts(db, member.user_id, "Behind the lock") == 0
    finally:
        # Let go only of our own hold (as Reflex does), and say so as Reflex's release does.
        if sockets.get(f"{token}_lock") == held_by:
            sockets.delete(f"{token}_lock")
    # The send waited for the lock and is taken now: the notice goes, the answer comes.
    expect(page.locator(".msg-assistant[data-status=done]")).to_have_count(1, timeout=60_000)
    expect(notice).to_have_count(0)
    expect(page.locator("#composer")).to_have_value("")
    assert _prompts(db, member.user_id, "Behind the lock") == 1
