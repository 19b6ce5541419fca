"""CPU per streamed token of the answer path alone, in one process: the OpenAI provider reading
the fake provider, the relay, the hub of answers in flight, the text saved every second,
and one reader per answer following it as the page's GET /api/answers/{id}/stream does
(services/live.follow). No Reflex, no browser: what the app pays per token before the
network, measured as this process's CPU time (the fake provider runs in its own).

Usage: python -m bench.stream_cpu [--answers 50] [--tokens 300] [--rate 200]
       [--hub memory|redis] [--redis-url URL] [--json F]
(figures printed; bench/RESULTS.md's live section quotes them)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

from bench._env import WORK, use_database
from bench.load.infra import fake_provider


async def _run(prepared: list, token: str) -> tuple[float, float, int]:
    from metogpt.services import live, relay

    async def read(message_id: str) -> int:
        return sum([1 async for _ in await live.follow(token, message_id)])

    cpu, wall = time.process_time(), time.perf_counter()
    answers = [asyncio.ensure_future(relay.stream_answer(p)) for p in prepared]
    readers = [asyncio.ensure_future(read(p.assistant_message_id)) for p in prepared]
    outcomes = await asyncio.gather(*answers)
    events = sum(await asyncio.gather(*readers))
    assert {o.status.value for o in outcomes} == {"done"}, [o.status for o in outcomes]
    return time.process_time() - cpu, time.perf_counter() - wall, events


def measure(count: int, tokens: int, rate: float, redis_url: str | None) -> dict[str, Any]:
    db = WORK / "stream_cpu.db"
    db.unlink(missing_ok=True)
    use_database(db)
    with fake_provider(tokens, rate) as (base, _):
        os.environ["OPENAI_API_KEY"] = "sk-bench-fake"
        os.environ["OPENAI_BASE_URL"] = f"{base}/v1"
        from metogpt.models import User
        from metogpt.services import accounts, answers, auth, conversations, live, roles, setup
        from metogpt.services.db import write_session

        setup.migrate()
        with write_session() as session:
            roles.seed_roles(session)
        account = accounts.create(
            "cpu@bench.example.com", "cpu", "CPU", "pw-bench-1", balance=10**9
        )
        live.configure(redis_url)
        with write_session() as session:
            user = session.get(User, account.id)
            assert user is not None
            token, _ = auth.issue_token(session, user)
        prepared = []
        for i in range(count):
            with write_session() as session:
                msg = conversations.post_user_message(
                    session, user, None, f"question {i}", "gpt-3.5-turbo"
                )
            with write_session() as session:
                prepared.append(answers.begin_answer(session, user, msg.id, "gpt-3.5-turbo"))
        cpu, wall, events = asyncio.run(_run(prepared, token))
    streamed = count * tokens
    return {
        "answers": count,
        "tokens_per_answer": tokens,
        "rate": rate,
        "hub": "redis" if redis_url else "memory",
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 1),
        "cpu_us_per_token": round(1e6 * cpu / streamed, 1),
        "reader_events_per_answer": round(events / count, 1),
        "load_avg": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--answers", type=int, default=50)
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument("--rate", type=float, default=200.0, help="tokens per second")
    parser.add_argument("--hub", choices=("memory", "redis"), default="memory")
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL") or os.environ.get("TEST_REDIS_URL")
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.hub == "redis" and not args.redis_url:
        parser.error("--hub redis needs --redis-url")
    figures = measure(
        args.answers, args.tokens, args.rate, args.redis_url if args.hub == "redis" else None
    )
    print(json.dumps(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
