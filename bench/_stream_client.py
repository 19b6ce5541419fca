"""What bench/gateway.py's targets are asked and how: one streamed chat completion (20
tokens) from a minimal HTTP/1.1 client on asyncio streams (keep-alive, chunked SSE; a
heavier client would be the bottleneck and hide the difference), run by `concurrency`
clients at a time; with the CPU the target's processes used. bench/gateway_cpu.py asks the
same."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from dataclasses import dataclass, field

from bench._proc import tree_cpu

MODEL = "gpt-3.5-turbo"
TOKENS = 20
BODY = {
    "model": MODEL,
    "messages": [{"role": "user", "content": "Say twenty words."}],
    "stream": True,
    "max_tokens": 100,
}


@dataclass
class Target:
    name: str
    port: int
    path: str
    key: str
    pid: int | None = None  # the server's process (its children counted too)
    ttft: dict[int, list[float]] = field(default_factory=dict)  # concurrency -> seconds
    rps: dict[int, list[float]] = field(default_factory=dict)
    cpu: dict[int, list[float]] = field(default_factory=dict)  # CPU seconds per request


# ---- a minimal streaming HTTP/1.1 client ----------------------------------------------


class Conn:
    def __init__(self, target: Target) -> None:
        self.target = target
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        payload = json.dumps(BODY).encode()
        self.request = (
            f"POST {target.path} HTTP/1.1\r\nHost: 127.0.0.1:{target.port}\r\n"
            f"Authorization: Bearer {target.key}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n"
        ).encode() + payload

    async def one(self) -> float:
        """One streamed completion; returns its time to first token."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.target.port)
            sock = self.writer.get_extra_info("socket")
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader, writer = self.reader, self.writer
        assert reader is not None
        start = time.perf_counter()
        writer.write(self.request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        if status != 200:
            raise RuntimeError(f"{self.target.name}: HTTP {status}: {head!r}")
        headers = head.lower()
        first: float | None = None
        body = b""
        if b"transfer-encoding: chunked" in headers:
            while True:
                size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                data = await reader.readexactly(size + 2)
                if first is None and b"tok0" in data:
                    first = time.perf_counter() - start
                body += data
                if size == 0:
                    break
        else:
            length = int(headers.split(b"content-length:")[1].split(b"\r\n")[0])
            body = await reader.readexactly(length)
            first = time.perf_counter() - start
        if b"[DONE]" not in body or f"tok{TOKENS - 1}".encode() not in body:
            raise RuntimeError(f"{self.target.name}: incomplete stream: {body[-300:]!r}")
        if b"connection: close" in headers:
            writer.close()
            self.writer = None
        assert first is not None
        return first

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def run_batch(
    target: Target, concurrency: int, requests: int
) -> tuple[list[float], float, float | None]:
    conns = [Conn(target) for _ in range(concurrency)]
    await asyncio.gather(*(c.one() for c in conns))  # warm: connections open, caches hot
    ttfts: list[float] = []
    left = requests

    async def worker(conn: Conn) -> None:
        nonlocal left
        while left > 0:
            left -= 1
            ttfts.append(await conn.one())

    cpu = tree_cpu(target.pid) if target.pid else 0.0
    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    elapsed = time.perf_counter() - start
    used = (tree_cpu(target.pid) - cpu) / len(ttfts) if target.pid else None
    for c in conns:
        c.close()
    return ttfts, len(ttfts) / elapsed, used
