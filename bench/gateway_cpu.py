"""The CPU one streamed `/v1/chat/completions` costs the app, in-process: what the wall
clock of bench/gateway.py cannot show on a loaded machine.

The REST app (`metogpt.api:build_api`: /v1 is dispatched before its middlewares) is
called as an ASGI app by this process, no HTTP server in front, against the fake OpenAI
server in a process of its own (no delay, 20 tokens), with a personal key of a user with a
large balance on a fresh SQLite database. Sequential requests, each measured by
`time.process_time()` (this process's CPU, every thread: the thread pool's database work
included; the fake server's is not):

- before the first byte: from the call to the app to the first chunk that carries text;
- whole request: to the end of the stream (settlement and ledger row included).

With --profile, cProfile over the run prints the functions that took the most CPU.

Usage: python -m bench.gateway_cpu [--requests N] [--profile] [--top K]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

import httpx

from bench._env import WORK, bench_environ, use_database
from bench._stream_client import BODY, TOKENS
from tests.support.asgi import completions_scope
from tests.support.server import free_port

P = ParamSpec("P")
T = TypeVar("T")
DB = WORK / "gateway_cpu.db"


async def _one(app: Any, scope: dict[str, Any], payload: bytes) -> tuple[float, float, float]:
    """One request: (CPU before the first token, CPU in all, wall time to the first token)."""
    sent = False
    first_cpu = first_wall = 0.0
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": payload, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    status = 0
    body = bytearray()

    async def send(message: dict[str, Any]) -> None:
        nonlocal first_cpu, first_wall, status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            if not first_cpu and b"tok0" in chunk:
                first_cpu = time.process_time() - start_cpu
                first_wall = time.perf_counter() - start_wall
            body.extend(chunk)
            if not message.get("more_body"):
                done.set()

    await app(dict(scope), receive, send)
    total = time.process_time() - start_cpu
    if status != 200 or b"[DONE]" not in body or f"tok{TOKENS - 1}".encode() not in body:
        raise RuntimeError(f"HTTP {status}: {bytes(body[-300:])!r}")
    return first_cpu, total, first_wall


def _profiled(profile: cProfile.Profile, fn: Callable[P, T]) -> Callable[P, T]:
    """`fn`, profiled in the thread that runs it when that is a pool's thread (cProfile
    sees only the thread that enabled it; requests are sequential, so one call at a time).
    On the event loop's thread (the admissions and settlements it runs itself) the loop's
    profile already sees it."""

    def call(*args: P.args, **kw: P.kwargs) -> T:
        if threading.current_thread() is threading.main_thread():
            return fn(*args, **kw)
        profile.enable()
        try:
            return fn(*args, **kw)
        finally:
            profile.disable()

    return call


async def _run(secret: str, requests: int, profiles: Profiles | None) -> list[tuple]:
    from metogpt.api import build_api
    from metogpt.services.gateway import relay, settlements

    if profiles is not None:  # the database work, when it runs in the thread pool
        relay._admit = _profiled(profiles.pool, relay._admit)
        relay._admit_raw = _profiled(profiles.pool, relay._admit_raw)
        settlements.write = _profiled(profiles.pool, settlements.write)

    app = build_api()
    payload = json.dumps(BODY).encode()
    scope = completions_scope(secret, payload)
    for _ in range(50):  # warm: connections, caches, the tokenizer
        await _one(app, scope, payload)
    figures = []
    if profiles is not None:
        profiles.loop.enable()
    for _ in range(requests):
        figures.append(await _one(app, scope, payload))
    if profiles is not None:
        profiles.loop.disable()
    return figures


async def _concurrent(secret: str, requests: int, concurrency: int) -> float:
    """CPU per request with `concurrency` requests at a time (chunks of several streams
    arrive together: what a loaded worker sees)."""
    from metogpt.api import build_api

    app = build_api()
    payload = json.dumps(BODY).encode()
    scope = completions_scope(secret, payload)
    await asyncio.gather(*(_one(app, scope, payload) for _ in range(concurrency)))
    left = requests

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await _one(app, scope, payload)

    start = time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return (time.process_time() - start) / requests


@dataclass
class Profiles:
    loop: cProfile.Profile = field(default_factory=lambda: cProfile.Profile(time.thread_time))
    pool: cProfile.Profile = field(default_factory=lambda: cProfile.Profile(time.thread_time))

    def print(self, top: int) -> None:
        for title, profile in (("the event loop", self.loop), ("the thread pool", self.pool)):
            print(f"==== {title}: CPU (thread time)")
            if not profile.getstats():
                print("nothing ran there")  # e.g. the pool, every write done on the loop
                continue
            stats = pstats.Stats(profile).sort_stats("tottime")
            stats.print_stats(top)
            stats.sort_stats("cumulative").print_stats(top)


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return f"p50 {statistics.median(values) * 1000:.3f} ms, p90 {p90 * 1000:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=20, help="for the CPU per request")
    args = parser.parse_args()
    from bench.gateway import _metogpt_key

    (WORK / "data").mkdir(parents=True, exist_ok=True)
    fake_port = free_port()
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.fixtures.fake_providers", "--port", str(fake_port)]
    )
    try:
        from bench.gateway import _wait

        _wait(f"http://127.0.0.1:{fake_port}/_fake/requests")
        behavior = {"reply_tokens": TOKENS, "include_usage": True}
        httpx.post(f"http://127.0.0.1:{fake_port}/_fake/behavior", json=behavior)
        env = bench_environ(DB) | {
            "OPENAI_API_KEY": "sk-fake",
            "OPENAI_BASE_URL": f"http://127.0.0.1:{fake_port}/v1",
            "METOGPT_DEMO_DELAY": "0",
        }
        env.pop("REFLEX_REDIS_URL", None)
        secret = _metogpt_key(env, DB)
        use_database(DB)
        os.environ.update(env)
        profiles = Profiles() if args.profile else None
        figures = asyncio.run(_run(secret, args.requests, profiles))
        first, total, wall = (list(column) for column in zip(*figures, strict=True))
        load = os.getloadavg()
        print(f"{args.requests} streamed requests, load average {load[0]:.1f}")
        print(f"CPU before the first token: {_ms(first)}")
        print(f"CPU per whole request:      {_ms(total)}")
        print(f"wall to the first token:    {_ms(wall)}")
        if profiles is None and args.concurrency > 1:
            cpu = asyncio.run(_concurrent(secret, args.requests, args.concurrency))
            print(f"CPU per request, {args.concurrency} at a time: {cpu * 1000:.3f} ms")
        if profiles is not None:
            profiles.print(args.top)
    finally:
        fake.terminate()
        fake.wait(timeout=30)


if __name__ == "__main__":
    main()
