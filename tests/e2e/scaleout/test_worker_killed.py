"""A worker killed (SIGKILL) mid-answer: no message lost, no reservation left, the killed
worker replaced, its users back to chatting."""

from __future__ import annotations

import asyncio
import math
import uuid
from typing import Any

import httpx
import redis
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from metogpt import routes
from metogpt.models import LedgerEntry, Message
from metogpt.services.llm.tokens import count_text_tokens
from tests.e2e.helpers import in_thread
from tests.e2e.scaleout.workers import (
    RECOVERY_WAIT,
    SCALE_OUT,
    WORKERS,
    all_read,
    books_balanced,
    follow_answer,
    last_answer,
    new_member,
    open_reservations,
    started_answer,
    tabs_on_every_worker,
    wait_until,
)
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.fixtures.reflex_client import AUTH_TOKEN_VAR, CHAT, SESSION, ReflexTab
from tests.support.server import START_TIMEOUT, AppServer

pytestmark = SCALE_OUT


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
            scale_server.kill_worker(victim)
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
