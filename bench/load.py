"""Load: many streaming chats over Reflex's websocket plus many REST clients at once, against
the production stack (PostgreSQL + Redis + several granian workers on one port).

What runs: the fake provider server (tests/fixtures/fake_providers/, a process of its
own) answers every model with a streamed, token-paced reply; the real app starts as in
the e2e tests (`reflex run --env prod`, tests/support/server.py) on a fresh PostgreSQL
database created for the run (dropped afterwards) and Redis, with `--workers` workers and
REFLEX_OPLOCK_ENABLED as compose.yaml runs it. Then two phases on that one app: a light
"baseline" (10 chats + 5 REST clients, 20 s: the figures of a machine with room to spare),
then the "load" itself (`--chats` + `--rest` for `--seconds`). In each:
- chat clients, each a signed-in user with one tab speaking Reflex's websocket protocol
  (tests/fixtures/reflex_client.py, what the browser speaks): send a message, wait for
  the whole answer, pause about `--think` seconds, again; a new conversation every five
  turns. Each reads its answer's text as the page does, from GET /api/answers/{id}/stream
  (NDJSON deltas, components/live.jsx). Time to first token = from sending the message to
  the first delta with text on that stream (what a user waits for before text appears);
- REST clients, each on its own keep-alive connection, back to back (no pause):
  GET /api/auth/me as a user; as the admin GET /api/admin/users (a search),
  GET /api/admin/users/{id}/transactions, PUT /api/admin/users/{id}/balance
  (`{"delta": 1}`, landing on the chatting users while their answers are billed) and
  GET /api/admin/roles.
Running answers end after the deadline. Then the checks, each a failure of the run:
every request answered 2xx, every chat turn ended `done`, every message a client sent is
in the database exactly once with its answer, no answer left streaming, no reservation
open, and `balance == sum(ledger)` for every user (metogpt.services.billing.reconcile).

Peak memory is the app's (granian's main process and its workers, sampled every 0.5 s):
PSS, which splits the pages forked workers share, and RSS. CPU: the app's processes', the
fake provider's and this load generator's CPU time per second of the run, and how busy
the machine was as a whole (PostgreSQL and Redis run on it too).

Usage:
    python -m bench.load [--chats 100] [--rest 50] [--seconds 60] [--workers 2]
        [--reply-tokens 300] [--tokens-per-second 30] [--think 3] [--baseline-seconds 20]
        [--postgres-url URL] [--redis-url URL] [--app-env NAME=VALUE] [--no-results]
        [--profile 500] [--section NAME]
PostgreSQL and Redis come from --postgres-url / --redis-url, else BENCH_POSTGRES_URL /
BENCH_REDIS_URL, else TEST_POSTGRES_URL / TEST_REDIS_URL. The figures go into
bench/RESULTS.md between `<!-- load:begin -->` and `<!-- load:end -->` (`--profile 500`:
`load500`), with the app's CPU time per 1,000 streamed tokens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work"  # git-ignored
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "load"  # bench/RESULTS.md's section: <!-- load:begin --> ... <!-- load:end -->
# --profile 500 (issue 14): 500 chats of 300 tokens at 30 tokens/s with 3 s pauses and 50
# REST clients for 60 s, in a section of its own.
PROFILES: dict[str, dict[str, Any]] = {
    "500": {
        "chats": 500,
        "rest": 50,
        "seconds": 60.0,
        "reply_tokens": 300,
        "tokens_per_second": 30.0,
        "think": 3.0,
        "baseline_seconds": 0.0,
        "section": "load500",
    }
}


def _markers(section: str) -> tuple[str, str]:
    return f"<!-- {section}:begin -->", f"<!-- {section}:end -->"


# The app reads these at import; set before anything imports metogpt (the checks do).
os.environ.setdefault("METOGPT_DATA_DIR", str(WORK / "data"))
os.environ.setdefault("METOGPT_JWT_SECRET", "bench-only-secret-not-for-production-0123456789abcdef")

TURNS_PER_CONVERSATION = 5
BALANCE_TOP_UP = 10_000_000  # no answer in the run is refused for balance
ANSWER_TIMEOUT = 120.0  # seconds: a turn that takes longer counts as failed


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# --- the stack ---------------------------------------------------------------------------------


def fresh_database(server_url: str) -> contextlib.AbstractContextManager[str]:
    """A new database on `server_url`'s server for this run, dropped afterwards."""
    from tests.support.server import fresh_postgres_database

    return fresh_postgres_database(server_url, f"metogpt_load_{os.getpid()}")


@contextlib.contextmanager
def fake_provider(reply_tokens: int, tokens_per_second: float) -> Iterator[tuple[str, int]]:
    """The fake provider in a process of its own (it must not share this one's CPU time
    slices with the load generator); yields its base URL and process id."""
    from tests.support.server import free_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fixtures.fake_providers", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            with contextlib.suppress(httpx.HTTPError):
                behavior = {"reply_tokens": reply_tokens, "tokens_per_second": tokens_per_second}
                if httpx.post(f"{base}/_fake/behavior", json=behavior).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("the fake provider did not start")
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


class Sampler:
    """Over one phase of the run, from /proc: the app's peak memory (PSS, which splits the
    pages forked workers share, and RSS) and CPU time, the fake provider's CPU time, and
    how busy the whole machine was."""

    def __init__(self, app_pids: Callable[[], list[int]], provider_pid: int) -> None:
        self._app_pids = app_pids  # called each time: workers may be replaced
        self._provider_pid = provider_pid
        self.peak_pss_mb = 0.0
        self.peak_rss_mb = 0.0
        self.peak_worker_rss_mb = 0.0
        self.app_cpu_seconds = 0.0
        self.provider_cpu_seconds = 0.0
        self.machine_busy = 0.0  # fraction of all CPUs' time not idle
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._start = (0.0, 0.0, (0, 0))

    @staticmethod
    def _kib(path: Path, key: str) -> float:
        for line in path.read_text().splitlines():
            if line.startswith(key):
                return float(line.split()[1])
        return 0.0

    @staticmethod
    def _cpu_seconds(pids: list[int]) -> float:
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in pids:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
        return total

    @staticmethod
    def _machine() -> tuple[int, int]:
        """(busy, total) jiffies of all CPUs since boot."""
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        return sum(values) - idle, sum(values)

    def _counters(self) -> tuple[float, float, tuple[int, int]]:
        return (
            self._cpu_seconds(self._app_pids()),
            self._cpu_seconds([self._provider_pid]),
            self._machine(),
        )

    def sample(self) -> None:
        pss = rss = 0.0
        for index, pid in enumerate(self._app_pids()):
            with contextlib.suppress(OSError):
                proc_pss = self._kib(Path(f"/proc/{pid}/smaps_rollup"), "Pss:") / 1024
                proc_rss = self._kib(Path(f"/proc/{pid}/status"), "VmRSS:") / 1024
                pss += proc_pss
                rss += proc_rss
                if index > 0:  # the first is granian's main process, the rest workers
                    self.peak_worker_rss_mb = max(self.peak_worker_rss_mb, proc_rss)
        self.peak_pss_mb = max(self.peak_pss_mb, pss)
        self.peak_rss_mb = max(self.peak_rss_mb, rss)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def __enter__(self) -> Sampler:
        self._start = self._counters()
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()
        app, provider, (busy, total) = self._counters()
        self.app_cpu_seconds = app - self._start[0]
        self.provider_cpu_seconds = provider - self._start[1]
        start_busy, start_total = self._start[2]
        self.machine_busy = (busy - start_busy) / max(total - start_total, 1)


# --- clients -----------------------------------------------------------------------------------


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


@dataclass
class Phase:
    """One stretch of load: `chats` chat clients and `rest` REST clients for `seconds`."""

    name: str
    chats: int
    rest: int
    seconds: float
    elapsed: float = 0.0
    stats: Stats = field(default_factory=Stats)
    sampler: Sampler | None = None

    def summary(self) -> dict[str, Any]:
        s, m, secs = self.stats, self.sampler, self.elapsed
        assert m is not None
        rest_all = [ms for values in s.rest_ms.values() for ms in values]
        return {
            "phase": self.name,
            "chats": self.chats,
            "rest_clients": self.rest,
            "seconds": round(secs, 1),
            "answers": s.turns_done,
            "answers_per_s": round(s.turns_done / secs, 2),
            "streamed_tokens_per_s": round(s.completion_tokens / secs, 1),
            "streaming_peak": s.streaming_peak,
            "ttft_p50_ms": round(percentile(s.ttft_ms, 50), 1),
            "ttft_p99_ms": round(percentile(s.ttft_ms, 99), 1),
            "answer_p50_ms": round(percentile(s.answer_ms, 50), 1),
            "answer_p99_ms": round(percentile(s.answer_ms, 99), 1),
            "rest_requests": len(rest_all),
            "rest_per_s": round(len(rest_all) / secs, 1),
            "rest_p50_ms": round(percentile(rest_all, 50), 1),
            "rest_p99_ms": round(percentile(rest_all, 99), 1),
            "rest_by_kind": {
                kind: {
                    "requests": len(values),
                    "p50_ms": round(percentile(values, 50), 1),
                    "p99_ms": round(percentile(values, 99), 1),
                }
                for kind, values in sorted(s.rest_ms.items())
            },
            "failed_chat_turns": len(s.chat_failures),
            "failed_requests": len(s.rest_failures),
            "peak_pss_mb": round(m.peak_pss_mb),
            "peak_rss_mb": round(m.peak_rss_mb),
            "peak_worker_rss_mb": round(m.peak_worker_rss_mb),
            "app_cpu_cores": round(m.app_cpu_seconds / secs, 2),
            "app_cpu_ms_per_1000_tokens": round(
                1e6 * m.app_cpu_seconds / max(s.completion_tokens, 1), 1
            ),
            "provider_cpu_cores": round(m.provider_cpu_seconds / secs, 2),
            "load_generator_cpu_cores": round(s.client_cpu_seconds / secs, 2),
            "machine_busy_percent": round(100 * m.machine_busy),
            # PostgreSQL, Redis and whatever else runs on the machine meanwhile.
            "rest_of_machine_cpu_cores": round(
                m.machine_busy * (os.cpu_count() or 1)
                - (m.app_cpu_seconds + m.provider_cpu_seconds + s.client_cpu_seconds) / secs,
                2,
            ),
        }


async def drive(
    base_url: str,
    phases: list[Phase],
    think: float,
    app_pids: Callable[[], list[int]],
    provider_pid: int,
) -> None:
    """Register the users, then run the phases one after the other on the same app."""
    limits = httpx.Limits(max_connections=20)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as http:
        from tests.support.server import ADMIN_EMAIL, ADMIN_PASSWORD

        login = await http.post(
            "/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        login.raise_for_status()
        admin = {"Authorization": f"Bearer {login.json()['token']}"}
        gate = asyncio.Semaphore(10)

        async def one(i: int) -> Account:
            async with gate:
                return await register(http, f"load{i}", admin)

        needed = max(phase.chats for phase in phases)
        accounts = await asyncio.gather(*(one(i) for i in range(needed)))
    print(f"{len(accounts)} users registered", flush=True)
    for phase in phases:
        print(
            f"{phase.name}: {phase.chats} chats + {phase.rest} REST clients for "
            f"{phase.seconds:g} s",
            flush=True,
        )
        stats, users = phase.stats, accounts[: phase.chats]
        started = time.monotonic()
        deadline = started + phase.seconds
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        with Sampler(app_pids, provider_pid) as phase.sampler:
            await asyncio.gather(
                *(chat_client(base_url, a, deadline, think, stats) for a in users),
                *(
                    rest_client(base_url, i, admin, users, deadline, stats)
                    for i in range(phase.rest)
                ),
            )
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        stats.client_cpu_seconds = (cpu_after.ru_utime - cpu_before.ru_utime) + (
            cpu_after.ru_stime - cpu_before.ru_stime
        )
        phase.elapsed = time.monotonic() - started


def check_books(database_url: str, phases: list[Phase]) -> list[str]:
    """Every message sent is stored once with a finished answer; the books balance."""
    from sqlmodel import Session, col, func, select

    from metogpt.models import Message, Reservation, User
    from metogpt.services import billing

    problems: list[str] = []
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            stored = dict(
                session.exec(
                    select(Message.content, func.count())
                    .where(Message.role == "user")
                    .group_by(col(Message.content))
                ).all()
            )
            sent = [p for ph in phases for prompts in ph.stats.sent.values() for p in prompts]
            lost = [p for p in sent if stored.get(p) != 1]
            if lost:
                problems.append(f"{len(lost)} sent message(s) not stored exactly once: {lost[:3]}")
            pending = session.exec(
                select(func.count()).select_from(Message).where(Message.status == "streaming")
            ).one()
            if pending:
                problems.append(f"{pending} answer(s) left streaming")
            held = session.exec(select(func.count()).select_from(Reservation)).one()
            if held:
                problems.append(f"{held} reservation(s) left open")
            mismatches = billing.reconcile(session)
            if mismatches:
                problems.append(f"balance != sum(ledger) for {len(mismatches)} user(s)")
            users = session.exec(select(func.count()).select_from(User)).one()
    finally:
        engine.dispose()
    for phase in phases:
        failed_turns, failed_requests = phase.stats.chat_failures, phase.stats.rest_failures
        if failed_turns:
            problems.append(
                f"{phase.name}: {len(failed_turns)} chat turn(s) failed: {failed_turns[:3]}"
            )
        if failed_requests:
            problems.append(
                f"{phase.name}: {len(failed_requests)} request(s) failed: {failed_requests[:3]}"
            )
    print(f"checked {len(sent)} messages and the books of {users} users", flush=True)
    return problems


def run(args: argparse.Namespace) -> tuple[list[Phase], list[str]]:
    from tests.support.server import AppServer, free_port

    phases = []
    if args.baseline_seconds > 0:
        phases.append(
            Phase("baseline", args.baseline_chats, args.baseline_rest, args.baseline_seconds)
        )
    phases.append(Phase("load", args.chats, args.rest, args.seconds))
    WORK.mkdir(parents=True, exist_ok=True)
    with (
        fresh_database(args.postgres_url) as database_url,
        fake_provider(args.reply_tokens, args.tokens_per_second) as (provider, provider_pid),
    ):
        data_dir = Path(tempfile.mkdtemp(prefix="metogpt-load-"))
        server = AppServer(
            port=free_port(),
            data_dir=data_dir,
            log_path=WORK / "load-app.log",
            extra_env={
                "OPENAI_BASE_URL": f"{provider}/v1",
                "OPENAI_API_KEY": "sk-load-fake",
                "ANTHROPIC_BASE_URL": provider,
                "ANTHROPIC_API_KEY": "sk-ant-load-fake",
                # As compose.yaml runs it (README "Deployment").
                "REFLEX_OPLOCK_ENABLED": "true",
                **dict(item.split("=", 1) for item in args.app_env),
            },
            database_url=database_url,
            redis_url=args.redis_url,
            workers=args.workers,
            web_dir=WORK / "web",
        )
        server.log_path.write_text("")
        print(f"starting the app: {args.workers} workers, PostgreSQL, Redis", flush=True)
        server.start()
        try:
            assert server.process is not None
            main_pid = server.process.pid

            def app_pids() -> list[int]:
                return [main_pid, *server.worker_pids()]

            asyncio.run(drive(server.base_url, phases, args.think, app_pids, provider_pid))
            problems = check_books(database_url, phases)
        finally:
            server.stop()
            shutil.rmtree(data_dir, ignore_errors=True)
    return phases, problems


def markdown(results: list[dict[str, Any]], problems: list[str], args: argparse.Namespace) -> str:
    machine = f"{os.cpu_count()} CPUs, {_mem_total_gb():.0f} GB RAM"
    verdict = "all checks passed" if not problems else "FAILED: " + "; ".join(problems)
    names = [r["phase"] for r in results]

    def row(label: str, cell: Callable[[dict[str, Any]], str]) -> str:
        return f"| {label} | " + " | ".join(cell(r) for r in results) + " |"

    def kinds(r: dict[str, Any]) -> str:
        return ", ".join(
            f"{kind} {v['p50_ms']:.0f}/{v['p99_ms']:.0f}" for kind, v in r["rest_by_kind"].items()
        )

    begin, end = _markers(args.section)
    title = f" ({args.chats} chats)" if args.section != SECTION else ""
    return "\n".join(
        [
            begin,
            f"## Load{title}: streaming chats + REST clients on PostgreSQL + Redis + workers",
            "",
            f"`python -m bench.load --chats {args.chats} --rest {args.rest} --seconds "
            f"{args.seconds:g} --workers {args.workers} --reply-tokens {args.reply_tokens} "
            f"--tokens-per-second {args.tokens_per_second:g} --think {args.think:g}` on "
            f"{time.strftime('%Y-%m-%d')}: {args.workers} granian workers, {machine}, shared by "
            "the app, PostgreSQL, Redis, the fake provider and the load generator. Chat "
            "clients speak Reflex's websocket protocol; each answer is "
            f"{args.reply_tokens} tokens streamed at {args.tokens_per_second:g} tokens/s by the "
            f"fake provider, then the user pauses about {args.think:g} s. REST clients send "
            "back to back (no pause). Time to first token: from sending the message to the "
            "first text on the answer's stream (GET /api/answers/{id}/stream, as the page "
            "reads it).",
            "",
            "| | " + " | ".join(names) + " |",
            "|---|" + "---|" * len(results),
            row("chat clients + REST clients", lambda r: f"{r['chats']} + {r['rest_clients']}"),
            row("duration", lambda r: f"{r['seconds']:.0f} s"),
            row("chats streaming at once (peak)", lambda r: str(r["streaming_peak"])),
            row("answers completed", lambda r: f"{r['answers']} ({r['answers_per_s']}/s)"),
            row("streamed tokens", lambda r: f"{r['streamed_tokens_per_s']:.0f}/s"),
            row(
                "time to first token p50 / p99",
                lambda r: f"{r['ttft_p50_ms']:.0f} / {r['ttft_p99_ms']:.0f} ms",
            ),
            row(
                "whole answer p50 / p99",
                lambda r: f"{r['answer_p50_ms']:.0f} / {r['answer_p99_ms']:.0f} ms",
            ),
            row("REST requests", lambda r: f"{r['rest_requests']} ({r['rest_per_s']}/s)"),
            row(
                "REST latency p50 / p99",
                lambda r: f"{r['rest_p50_ms']:.0f} / {r['rest_p99_ms']:.0f} ms",
            ),
            row("REST p50/p99 by call (ms)", kinds),
            row(
                "failed chat turns / failed requests",
                lambda r: f"{r['failed_chat_turns']} / {r['failed_requests']}",
            ),
            row(
                "app peak memory, PSS / RSS (largest worker RSS)",
                lambda r: (
                    f"{r['peak_pss_mb']} / {r['peak_rss_mb']} MB ({r['peak_worker_rss_mb']} MB)"
                ),
            ),
            row(
                "CPU cores used: app / fake provider / load generator",
                lambda r: (
                    f"{r['app_cpu_cores']} / {r['provider_cpu_cores']} / "
                    f"{r['load_generator_cpu_cores']}"
                ),
            ),
            row(
                "CPU cores used by the rest: PostgreSQL, Redis, other processes",
                lambda r: str(r["rest_of_machine_cpu_cores"]),
            ),
            row(
                "app CPU per 1,000 streamed tokens",
                lambda r: f"{r['app_cpu_ms_per_1000_tokens']:.0f} ms",
            ),
            row("machine CPU busy", lambda r: f"{r['machine_busy_percent']} %"),
            "",
            f"After the run: {verdict} (every message sent stored once with its answer, no "
            "answer left streaming, no reservation open, balance == sum(ledger) for every user).",
            end,
        ]
    )


def _mem_total_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return float(line.split()[1]) / 1024 / 1024
    return math.nan


def write_results(section: str, name: str = SECTION) -> None:
    """Replace our section of bench/RESULTS.md (other scripts own the rest of the file)."""
    begin, end = _markers(name)
    current = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        tail = rest.split(end, 1)[1]
        updated = head + section + tail
    else:
        updated = current.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(updated)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=100, help="concurrent chat clients")
    parser.add_argument("--rest", type=int, default=50, help="concurrent REST clients")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2, help="granian workers")
    parser.add_argument("--think", type=float, default=3.0, help="mean pause between turns (s)")
    parser.add_argument("--reply-tokens", type=int, default=300)
    parser.add_argument("--tokens-per-second", type=float, default=30.0)
    parser.add_argument(
        "--baseline-chats", type=int, default=10, help="chat clients of the light first phase"
    )
    parser.add_argument("--baseline-rest", type=int, default=5)
    parser.add_argument(
        "--baseline-seconds", type=float, default=20.0, help="0 skips the light first phase"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL"),
        help="a PostgreSQL server (a database for the run is created on it)",
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL") or os.environ.get("TEST_REDIS_URL")
    )
    parser.add_argument(
        "--app-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the app (repeatable), e.g. REFLEX_OPLOCK_ENABLED=false",
    )
    parser.add_argument(
        "--profile", choices=sorted(PROFILES), help="a preset run (its options win over others)"
    )
    parser.add_argument("--section", default=SECTION, help="bench/RESULTS.md's section name")
    parser.add_argument("--no-results", action="store_true", help="do not write RESULTS.md")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    for name, value in PROFILES.get(args.profile or "", {}).items():
        setattr(args, name, value)
    if not args.postgres_url or not args.redis_url:
        parser.error("PostgreSQL and Redis are needed: --postgres-url and --redis-url")

    phases, problems = run(args)
    results = [phase.summary() for phase in phases]
    print(json.dumps({"phases": results, "problems": problems}, indent=2))
    if args.json:
        args.json.write_text(json.dumps({"phases": results, "problems": problems}, indent=2))
    if not args.no_results:
        write_results(markdown(results, problems, args), args.section)
        print(f"written to {RESULTS.relative_to(ROOT)}")
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
