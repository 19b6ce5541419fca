"""Chats streaming on both workers at once: every page reads its answer through either
worker, and every balance reconciles."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import httpx
import redis
from sqlalchemy import Engine
from sqlmodel import Session

from metogpt.models import User
from tests.e2e.helpers import in_thread
from tests.e2e.scaleout.workers import (
    SCALE_OUT,
    START_BALANCE,
    LiveReader,
    all_read,
    answered,
    books_balanced,
    follow_answer,
    last_answer,
    new_member,
    started_answer,
    tabs_on_every_worker,
)
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.fixtures.reflex_client import CHAT
from tests.support.server import AppServer

pytestmark = SCALE_OUT


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
