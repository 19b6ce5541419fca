"""The floor of the streaming path: what reading the provider's streams alone costs in CPU
per token, before the app does anything with the text.

N answers at once from the fake provider (a process of its own, `--tokens` tokens each at
`--rate` tokens/s: issue 14's load has 500 at 30/s), read on uvloop as the app's
workers run, three ways:

- bare: an asyncio Protocol that only counts the bytes (the event loop's wake-up and the
  socket read per token: what no Python code on this path can go under);
- lines: the app's HTTP client (services/gateway/wire.py), the body split into lines;
- events: the app's OpenAI stream reader (services/llm/openai.py), each chunk's JSON
  parsed into text, as the chat's answers read it.

CPU is this process's (user + system) from the first request to the last byte; warm-up
requests come first. The answers' text goes nowhere: no hub, no database, no browser.

Usage: python -m bench.stream_floor [--answers 500] [--tokens 300] [--rate 30] [--json F]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
import uvloop

from bench.load.infra import fake_provider

BODY = orjson.dumps(
    {
        "model": "gpt-3.5-turbo",
        "messages": [{"role": "user", "content": "Tell me something."}],
        "stream": True,
        "max_tokens": 4096,
    }
)
HEADERS = [("Authorization", "Bearer sk-bench-fake"), ("Content-Type", "application/json")]


class _Counter(asyncio.Protocol):
    """Counts reads until the chunked body's last chunk."""

    def __init__(self, done: asyncio.Future[int]) -> None:
        self.done, self.reads = done, 0

    def data_received(self, data: bytes) -> None:
        self.reads += 1
        if data.endswith(b"0\r\n\r\n") and not self.done.done():
            self.done.set_result(self.reads)


async def _bare(base: str) -> int:
    host, port = base.removeprefix("http://").split(":")
    loop = asyncio.get_running_loop()
    done: asyncio.Future[int] = loop.create_future()
    transport, _ = await loop.create_connection(lambda: _Counter(done), host, int(port))
    head = "".join(f"{k}: {v}\r\n" for k, v in HEADERS)
    transport.write(
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}\r\n{head}"
        f"Content-Length: {len(BODY)}\r\n\r\n".encode()
        + BODY
    )
    try:
        return await done
    finally:
        transport.close()


async def _post(base: str) -> Any:
    from metogpt.services.gateway import wire
    from metogpt.services.llm.stream import tls

    return await wire.post(f"{base}/v1/chat/completions", HEADERS, BODY, tls(), 60)


async def _lines(base: str) -> int:
    response = await _post(base)
    count = sum([len(lines) async for lines in response.line_batches()])
    await response.aclose()
    return count


async def _events(base: str) -> int:
    from metogpt.services.llm.openai import _events as parsed

    response = await _post(base)
    count = sum([1 async for _ in parsed(response)])
    await response.aclose()
    return count


WAYS: dict[str, Callable[[str], Awaitable[int]]] = {
    "bare": _bare,
    "lines": _lines,
    "events": _events,
}


async def _measure(base: str, way: str, answers: int, tokens: int) -> dict[str, str | float]:
    read = WAYS[way]
    await asyncio.gather(*[read(base) for _ in range(20)])  # warm: connections, imports
    cpu, wall = time.process_time(), time.perf_counter()
    counts = await asyncio.gather(*[read(base) for _ in range(answers)])
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "way": way,
        "cpu_us_per_token": round(1e6 * cpu / (answers * tokens), 1),
        "reads_or_items_per_token": round(sum(counts) / (answers * tokens), 2),
        "wall_s": round(wall, 1),
        "load_avg": round(os.getloadavg()[0], 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--answers", type=int, default=500)
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument("--rate", type=float, default=30.0, help="tokens per second")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    figures = []
    with fake_provider(args.tokens, args.rate) as (base, _):
        for way in WAYS:
            figures.append(uvloop.run(_measure(base, way, args.answers, args.tokens)))
            print(json.dumps(figures[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
