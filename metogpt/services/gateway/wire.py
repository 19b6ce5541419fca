"""A lean HTTP/1.1 client for the providers' APIs: one POST at a time per connection,
connections kept alive per event loop, the answer's body read as it comes.

httpx (with httpcore and h11 under it) took ~45% of the gateway's CPU per streamed request
(bench/README.md, "The OpenAI-compatible API"): URL and header objects built for each
request, the head and the body written apart, and five async layers with their cancel
scopes for each chunk of the answer. Here a request is one write of bytes, and the body is
decoded (chunked, by length or to the end) and split into lines on one buffer.

Only what the upstreams need: POST with a body, HTTP/1.1, TLS, no proxies (the httpx
client it replaces did not read proxy settings either), no compression (we ask for none).
A kept-alive connection the provider has closed is found before use; one that fails before
any byte of the answer arrived is retried once on a new connection.
"""

from __future__ import annotations

import asyncio
import functools
import socket
import ssl
import time
from collections.abc import AsyncIterator
from typing import cast
from urllib.parse import urlsplit

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 300.0  # between two reads
KEEPALIVE_SECONDS = 5.0  # an idle connection older than this is closed, not reused
MAX_IDLE = 200  # idle connections kept per origin
MAX_HEAD = 64 * 1024
MAX_LINE = 16 * 1024 * 1024


class WireError(Exception):
    """The provider could not be reached, or broke the answer off."""


class WireTimeout(WireError):
    """No answer (or no more of it) within the timeout."""


@functools.lru_cache(maxsize=64)
def endpoint(url: str) -> tuple[tuple[str, int, bool], str, str]:
    """(origin: host, port, TLS), the request target and the Host header of a URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WireError(f"not an HTTP URL: {url[:100]!r}")
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return (parts.hostname, port, tls), target, parts.netloc


class _Connection(asyncio.Protocol):
    """One connection: what arrived, and a waiter to wake when more does."""

    def __init__(self, origin: tuple[str, int, bool]) -> None:
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.waiter: asyncio.Future[None] | None = None
        self.idle_since = 0.0
        self.read_timeout = 0.0  # set by each request

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport's subclasses, but have its methods
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self._wake()

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def usable(self) -> bool:
        """Idle, open, not too old, nothing unasked for in its buffer."""
        transport = self.transport
        return (
            not self.eof
            and not self.buffer
            and transport is not None
            and not transport.is_closing()
            and time.monotonic() - self.idle_since < KEEPALIVE_SECONDS
        )

    async def more(self) -> None:
        """Wait for more bytes (or the end); WireTimeout after `read_timeout`."""
        if self.eof:
            raise WireError("the connection was closed")
        loop = asyncio.get_running_loop()
        waiter = self.waiter = loop.create_future()
        timer = loop.call_later(self.read_timeout, _expire, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self.waiter = None

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(WireTimeout("the provider did not answer in time"))


_pools: dict[asyncio.AbstractEventLoop, dict[tuple[str, int, bool], list[_Connection]]] = {}


def _pool(loop: asyncio.AbstractEventLoop) -> dict[tuple[str, int, bool], list[_Connection]]:
    pool = _pools.get(loop)
    if pool is None:
        for old in [lp for lp in _pools if lp.is_closed()]:
            del _pools[old]
        pool = _pools[loop] = {}
    return pool


def _idle(origin: tuple[str, int, bool]) -> _Connection | None:
    idle = _pool(asyncio.get_running_loop()).get(origin)
    while idle:
        conn = idle.pop()
        if conn.usable():
            return conn
        conn.close()
    return None


async def _connect(origin: tuple[str, int, bool], context: ssl.SSLContext) -> _Connection:
    host, port, tls = origin
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            _, conn = await loop.create_connection(
                lambda: _Connection(origin),
                host,
                port,
                ssl=context if tls else None,
                server_hostname=host if tls else None,
            )
    except TimeoutError:
        raise WireTimeout(f"no connection to {host}:{port} in time") from None
    except OSError as exc:  # refused, unreachable, name unknown, TLS failures
        raise WireError(f"cannot connect to {host}:{port}: {exc}") from None
    sock = conn.transport.get_extra_info("socket") if conn.transport else None
    if sock is not None:  # the head and body go in one write, but say it anyway
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


class _Stale(WireError):
    """A kept-alive connection was closed by the provider before it answered."""


async def post(
    url: str,
    headers: list[tuple[str, str]],
    body: bytes,
    context: ssl.SSLContext,
    timeout: float | None = None,
) -> Response:
    """Send a POST (head and body in one write) and read the answer's head; WireError if
    the provider cannot be reached or does not answer (`timeout` between two reads:
    READ_TIMEOUT if None)."""
    origin, target, host = endpoint(url)
    if any("\r" in part or "\n" in part for header in headers for part in header):
        raise WireError("a header holds a line break")
    lines = [
        f"POST {target} HTTP/1.1",
        f"Host: {host}",
        f"Content-Length: {len(body)}",
        "Accept-Encoding: identity",
        *(f"{name}: {value}" for name, value in headers),
    ]
    request = "\r\n".join(lines).encode() + b"\r\n\r\n" + body
    conn = _idle(origin)
    if conn is not None:
        try:
            return await _ask(conn, request, timeout)
        except _Stale:  # closed while idle: once more on a new connection
            pass
    return await _ask(await _connect(origin, context), request, timeout)


async def _ask(conn: _Connection, request: bytes, timeout: float | None) -> Response:
    conn.read_timeout = READ_TIMEOUT if timeout is None else timeout
    try:
        assert conn.transport is not None
        conn.transport.write(request)
        buf = conn.buffer
        while True:
            end = buf.find(b"\r\n\r\n")
            while end < 0:
                if len(buf) > MAX_HEAD:
                    raise WireError("the answer's head is too long")
                if conn.eof:
                    raise (
                        _Stale("the connection was closed")
                        if not buf
                        else WireError("the provider broke the answer's head off")
                    )
                await conn.more()
                end = buf.find(b"\r\n\r\n")
            status, headers = _head(bytes(buf[:end]))
            del buf[: end + 4]
            if status >= 200:
                return Response(conn, status, headers)
            # 1xx (e.g. 100 Continue): the real answer follows
    except BaseException:
        conn.close()
        raise


def _head(raw: bytes) -> tuple[int, dict[str, str]]:
    status_line, *fields = raw.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise WireError(f"not an HTTP/1.1 answer: {status_line[:100]!r}")
    headers: dict[str, str] = {}
    for field in fields:
        name, sep, value = field.partition(":")
        if not sep:
            raise WireError("a malformed header in the answer")
        name, value = name.strip().lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return int(parts[1]), headers


def _size(line: bytearray) -> int:
    """A chunk's size line: hexadecimal digits, perhaps extensions after a `;`."""
    try:
        size = int(line, 16)
    except ValueError:
        try:
            size = int(bytes(line).split(b";", 1)[0], 16)
        except ValueError:
            raise WireError("a malformed chunk") from None
    if size < 0:
        raise WireError("a malformed chunk")
    return size


class Response:
    """An answer's status and headers; its body read with `line_batches()` or `read()`,
    then `aclose()` (which keeps the connection for the next request if the body was read
    to its end)."""

    def __init__(self, conn: _Connection, status: int, headers: dict[str, str]) -> None:
        self.status = status
        self.headers = headers
        self._conn: _Connection | None = conn
        self._chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        length = headers.get("content-length")
        if length is not None and not length.isdigit():
            raise WireError(f"a malformed Content-Length: {length[:20]!r}")
        self._left = int(length) if length is not None and not self._chunked else -1
        if status in (204, 304):
            self._chunked, self._left = False, 0
        self._keep = headers.get("connection", "").lower() != "close" and (
            self._chunked or self._left >= 0
        )
        self._done = False

    async def _pieces(self) -> AsyncIterator[bytes]:
        """The body, decoded: at each turn, all of it that has arrived."""
        conn = self._conn
        if conn is None:
            raise WireError("the response is closed")
        buf = conn.buffer
        while True:
            piece = self._unchunk(buf) if self._chunked else self._take(buf, conn.eof)
            if piece:
                yield piece  # more may arrive meanwhile: look at the buffer again first
            if self._done:
                return
            if not piece:
                await conn.more()

    def _take(self, buf: bytearray, eof: bool) -> bytes:
        """What has arrived of a body sent by length or up to the connection's end."""
        take = len(buf) if self._left < 0 else min(self._left, len(buf))
        piece = bytes(buf[:take])
        del buf[:take]
        if self._left > 0:
            self._left -= take
        self._done = self._left == 0 or (self._left < 0 and eof and not buf)
        return piece

    def _unchunk(self, buf: bytearray) -> bytes:
        """The data of the complete chunks that have arrived (taken off the buffer)."""
        pieces = []
        pos = 0
        while True:
            end = buf.find(b"\r\n", pos)
            if end < 0:
                if len(buf) - pos > MAX_HEAD:
                    raise WireError("a malformed chunk")
                break
            size = _size(buf[pos:end])
            if size == 0:  # the last chunk, then trailers (none expected) and a blank line
                stop = buf.find(b"\r\n\r\n", end)
                if stop >= 0:
                    pos, self._done = stop + 4, True
                elif len(buf) - end > MAX_HEAD:
                    raise WireError("the trailers are too long")
                break
            if size > MAX_LINE:
                raise WireError("a chunk is too large")
            if len(buf) < end + size + 4:
                break
            pieces.append(buf[end + 2 : end + 2 + size])
            pos = end + size + 4
        del buf[:pos]
        return b"".join(pieces)

    async def line_batches(self) -> AsyncIterator[list[bytes]]:
        """The body's lines (without their line ends), all that have arrived at a time: a
        relay passes a batch on as one piece."""
        pending = b""
        async for piece in self._pieces():
            data = pending + piece if pending else piece
            lines = data.split(b"\n")
            pending = lines.pop()
            if len(pending) > MAX_LINE:
                raise WireError("a line of the answer is too long")
            if lines:
                yield [line.removesuffix(b"\r") for line in lines] if b"\r" in data else lines
        if pending:
            yield [pending]

    async def read(self, limit: int = 256 * 1024 * 1024) -> bytes:
        body = bytearray()
        async for piece in self._pieces():
            body += piece
            if len(body) > limit:
                raise WireError("the answer is too large")
        return bytes(body)

    async def aclose(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._done and self._keep and not conn.buffer and not conn.eof:
            conn.idle_since = time.monotonic()
            idle = _pool(asyncio.get_running_loop()).setdefault(conn.origin, [])
            if len(idle) < MAX_IDLE:
                idle.append(conn)
                return
        conn.close()
