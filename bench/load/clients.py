"""bench.load's clients: a chat tab over Reflex's websocket protocol and a REST client."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.load.infra import ANSWER_TIMEOUT, BALANCE_TOP_UP, TURNS_PER_CONVERSATION


@dataclass
class Account:
    user_id: str
    email: str
    jwt: str


@dataclass
class Stats:
    ttft_ms: list[float] = field(default_factory=list)
    answer_ms: list[float] = field(default_factory=list)
    completion_tokens: int = 0
    turns_done: int = 0
    chat_failures: list[str] = field(default_factory=list)
    sent: dict[str, list[str]] = field(default_factory=dict)  # user id -> prompts sent
    rest_ms: dict[str, list[float]] = field(default_factory=dict)
    rest_failures: list[str] = field(default_factory=list)
    streaming_peak: int = 0
    streaming_now: int = 0
    client_cpu_seconds: float = 0.0  # this load generator's own CPU time during the run


async def register(http: httpx.AsyncClient, tag: str, admin: dict[str, str]) -> Account:
    n = uuid.uuid4().hex[:10]
    body = {"email": f"{tag}-{n}@load.example.com", "username": f"{tag}_{n}", "name": tag}
    body["password"] = f"pw-{n}-load"
    response = await http.post("/api/auth/register", json=body)
    response.raise_for_status()
    user_id = response.json()["user"]["_id"]
    login = await http.post(
        "/api/auth/login", json={"email": body["email"], "password": body["password"]}
    )
    login.raise_for_status()
    top_up = await http.put(
        f"/api/admin/users/{user_id}/balance",
        json={"delta": BALANCE_TOP_UP, "reason": "load test"},
        headers=admin,
    )
    top_up.raise_for_status()
    return Account(user_id, body["email"], login.json()["token"])


async def read_answer(http: httpx.AsyncClient, jwt: str, message_id: str) -> float | None:
    """Read an answer's stream as the page's LiveAnswer does (GET /api/answers/{id}/stream
    with the user's token) to its end; when its first text arrived (None: it had none)."""
    first: float | None = None
    headers = {"Authorization": f"Bearer {jwt}"}
    async with http.stream("GET", f"/api/answers/{message_id}/stream", headers=headers) as r:
        r.raise_for_status()
        async for line in r.aiter_lines():
            if first is None and '"text"' in line:
                first = time.perf_counter()
            if line.startswith('{"end"'):
                break
    return first


async def chat_client(
    base_url: str, account: Account, deadline: float, think: float, stats: Stats
) -> None:
    from tests.fixtures.reflex_client import AUTH_TOKEN_VAR, CHAT, ReflexTab

    tab = ReflexTab(base_url, storage={AUTH_TOKEN_VAR: account.jwt})
    answer_ids: list[str] = []  # the answers the tab's turns started, as the page sees them

    def on_delta(delta: dict[str, dict[str, Any]]) -> None:
        started = delta.get(CHAT, {}).get("stream_message_id")
        if started:
            answer_ids.append(started)

    tab.on_delta = on_delta
    sent = stats.sent.setdefault(account.user_id, [])
    http = httpx.AsyncClient(base_url=base_url, timeout=ANSWER_TIMEOUT)
    try:
        try:  # the page opened: a tab that cannot is a failed turn, not the run's end
            await tab.connect()
            await tab.wait_for(lambda s: bool(s.get(CHAT, {}).get("model")), ANSWER_TIMEOUT)
        except (TimeoutError, RuntimeError, OSError) as exc:
            stats.chat_failures.append(f"{account.email} opening the chat: {exc!r}")
            return
        for turn in itertools.count():
            if time.monotonic() >= deadline:
                break
            if turn and turn % TURNS_PER_CONVERSATION == 0:
                try:
                    await tab.emit(f"{CHAT}.new_chat")
                    await tab.wait_for(lambda s: not s[CHAT].get("messages"), ANSWER_TIMEOUT)
                except (TimeoutError, RuntimeError) as exc:
                    stats.chat_failures.append(f"{account.email} new chat: {exc!r}")
                    return
            prompt = f"load {account.email} turn {turn}: tell me something about {uuid.uuid4()}"
            answer_ids.clear()
            started = time.perf_counter()
            sent.append(prompt)
            await tab.emit(f"{CHAT}.send", form={"prompt": prompt})
            stats.streaming_now += 1
            stats.streaming_peak = max(stats.streaming_peak, stats.streaming_now)
            try:
                async with asyncio.timeout(ANSWER_TIMEOUT):
                    await tab.wait_for(lambda s: bool(answer_ids))
                    first_text = await read_answer(http, account.jwt, answer_ids[0])
                    await tab.wait_for(lambda s, p=prompt: _answered(s[CHAT], p))
            except (TimeoutError, RuntimeError, httpx.HTTPError) as exc:
                stats.chat_failures.append(f"{account.email} turn {turn}: {exc!r}")
                return
            finally:
                stats.streaming_now -= 1
            ended = time.perf_counter()
            answer = tab.var(CHAT, "messages")[-1]
            if answer["status"] != "done":
                stats.chat_failures.append(f"{account.email} turn {turn}: {answer['status']}")
                continue
            stats.turns_done += 1
            stats.completion_tokens += int(answer["completion_tokens"])
            stats.ttft_ms.append(((first_text or ended) - started) * 1000)
            stats.answer_ms.append((ended - started) * 1000)
            await asyncio.sleep(think * random.uniform(0.5, 1.5))
    finally:
        await http.aclose()
        await tab.close()


def _answered(chat: dict[str, Any], prompt: str) -> bool:
    messages = chat.get("messages") or []
    return (
        not chat.get("streaming")
        and len(messages) >= 2
        and messages[-2]["content"] == prompt
        and messages[-1]["status"] != "streaming"
    )


async def rest_client(
    base_url: str,
    index: int,
    admin: dict[str, str],
    accounts: list[Account],
    deadline: float,
    stats: Stats,
) -> None:
    rng = random.Random(index)
    me = accounts[index % len(accounts)]
    calls = ("me", "users", "transactions", "adjust", "roles")
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        for n in itertools.count(index):
            if time.monotonic() >= deadline:
                break
            kind = calls[n % len(calls)]
            target = rng.choice(accounts)
            started = time.perf_counter()
            try:
                if kind == "me":
                    response = await http.get(
                        "/api/auth/me", headers={"Authorization": f"Bearer {me.jwt}"}
                    )
                elif kind == "users":
                    response = await http.get(
                        "/api/admin/users",
                        params={"search": target.email[:12], "limit": 50},
                        headers=admin,
                    )
                elif kind == "transactions":
                    response = await http.get(
                        f"/api/admin/users/{target.user_id}/transactions", headers=admin
                    )
                elif kind == "adjust":
                    response = await http.put(
                        f"/api/admin/users/{target.user_id}/balance",
                        json={"delta": 1, "reason": "load: concurrent adjustment"},
                        headers=admin,
                    )
                else:
                    response = await http.get("/api/admin/roles", headers=admin)
            except httpx.HTTPError as exc:
                stats.rest_failures.append(f"{kind}: {exc!r}")
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code >= 300:
                stats.rest_failures.append(f"{kind}: HTTP {response.status_code} {response.text}")
                continue
            stats.rest_ms.setdefault(kind, []).append(elapsed)


# --- the run -----------------------------------------------------------------------------------
