"""One phase of bench.load (clients for a time), the books checked after it, and the run."""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine

from bench.load.clients import Account, Stats, chat_client, register, rest_client
from bench.load.infra import WORK, Sampler, fake_provider, fresh_database, percentile


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
