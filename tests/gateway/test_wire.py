"""The upstreams' HTTP/1.1 client (services/gateway/wire.py) against raw loopback servers
that send exactly the bytes a test scripts: chunks split anywhere, bodies by length or to
the connection's end, kept-alive connections reused or found closed."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from metogpt.services.gateway import wire

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]
_TLS = ssl.create_default_context()
_EVENTS = [b'data: {"n": %d}' % i for i in range(5)] + [b"data: [DONE]"]
_SSE = b"".join(line + b"\n\n" for line in _EVENTS)
_OK_CHUNKED = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
)


def _chunked(body: bytes, size: int, last: bool = True) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts)
    return chunks + b"0\r\n\r\n" if last else chunks


async def _request(reader: asyncio.StreamReader) -> bytes:
    """One request's head and body, as sent."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    return head + await reader.readexactly(length)


@asynccontextmanager
async def _server(handler: Handler) -> AsyncIterator[tuple[str, list[int]]]:
    """A loopback server running `handler(reader, writer, n)` for its n-th connection;
    yields its base URL and the connections' numbers."""
    connections: list[int] = []

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(len(connections) + 1)
        try:
            await handler(reader, writer, connections[-1])
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}/v1", connections


async def _lines(response: wire.Response) -> list[bytes]:
    return [line async for batch in response.line_batches() for line in batch if line]


async def _post(base: str, body: bytes = b"{}") -> wire.Response:
    return await wire.post(f"{base}/chat/completions", [("X-Test", "1")], body, _TLS)


@pytest.mark.asyncio
@pytest.mark.parametrize("split", [1, 3, 17, 10_000])
async def test_chunked_events_split_anywhere_and_the_connection_is_kept(split: int) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        while True:
            await _request(reader)
            raw = _OK_CHUNKED + _chunked(_SSE, 11)
            for i in range(0, len(raw), split):  # the bytes arrive in pieces of `split`
                writer.write(raw[i : i + split])
                await writer.drain()
                await asyncio.sleep(0)

    async with _server(answer) as (base, connections):
        for _ in range(3):
            response = await _post(base)
            assert response.status == 200
            assert response.headers["content-type"] == "text/event-stream"
            assert await _lines(response) == _EVENTS
            await response.aclose()
    assert connections == [1]  # one connection, kept alive for all three


@pytest.mark.asyncio
async def test_the_request_is_sent_whole_with_its_headers() -> None:
    got: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        got.append(await _request(reader))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    async with _server(answer) as (base, _):
        response = await wire.post(
            f"{base}/chat/completions?x=1", [("X-Test", "1")], b'{"a": 1}', _TLS
        )
        assert await response.read() == b"ok"
        await response.aclose()
    head, body = got[0].split(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /v1/chat/completions?x=1 HTTP/1.1"
    assert b"X-Test: 1" in lines and b"Content-Length: 8" in lines
    assert body == b'{"a": 1}'


@pytest.mark.asyncio
async def test_data_that_arrives_while_the_reader_is_busy_is_not_waited_for_again() -> None:
    """The rest of the answer (its last chunk included) arrives while the relay handles
    the first batch; the provider keeps the connection open. Waiting for more bytes then
    would wait until the provider closes an idle connection (5 s for uvicorn)."""
    sent_rest = asyncio.Event()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await _request(reader)
        writer.write(_OK_CHUNKED + _chunked(_EVENTS[0] + b"\n\n", 1000, last=False))
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(_chunked(b"".join(e + b"\n\n" for e in _EVENTS[1:]), 1000))
        await writer.drain()
        sent_rest.set()
        await asyncio.sleep(10)  # kept open

    async def read_slowly() -> list[bytes]:
        response = await _post(base)
        lines: list[bytes] = []
        async for batch in response.line_batches():
            lines += [line for line in batch if line]
            await sent_rest.wait()  # busy while the rest arrives
            await asyncio.sleep(0.05)
        await response.aclose()
        return lines

    async with _server(answer) as (base, _):
        assert await asyncio.wait_for(read_slowly(), 5) == _EVENTS


@pytest.mark.asyncio
async def test_bodies_by_length_and_to_the_end_of_the_connection() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await _request(reader)
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n\r\n")
        writer.write(b'{"error":1}')
        await _request(reader)  # kept alive: the second request comes on it
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nline one\r\nline two")

    async with _server(answer) as (base, connections):
        refused = await _post(base)
        assert (refused.status, await refused.read()) == (400, b'{"error":1}')
        await refused.aclose()
        to_the_end = await _post(base)
        assert await _lines(to_the_end) == [b"line one", b"line two"]
        await to_the_end.aclose()
    assert connections == [1]


@pytest.mark.asyncio
async def test_a_kept_alive_connection_closed_before_answering_is_retried_once() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await _request(reader)
        if n == 2:  # the retry
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nretry")
            await writer.drain()
            return
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst")
        await writer.drain()
        await _request(reader)  # the provider drops the kept-alive connection unanswered

    async with _server(answer) as (base, _):
        first = await _post(base)
        assert await first.read() == b"first"
        await first.aclose()
        second = await _post(base)
        assert await second.read() == b"retry"
        await second.aclose()


@pytest.mark.asyncio
async def test_a_new_connection_closed_before_answering_is_an_error() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await _request(reader)

    async with _server(answer) as (base, _):
        with pytest.raises(wire.WireError):
            await _post(base)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"SSH-2.0-OpenSSH\r\n\r\n",
    ],
)
async def test_a_malformed_answer_head_is_an_error(head: bytes) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await _request(reader)
        writer.write(head)
        await writer.drain()
        await asyncio.sleep(10)

    async with _server(answer) as (base, _):
        with pytest.raises(wire.WireError):
            await asyncio.wait_for(_post(base), 5)


@pytest.mark.asyncio
async def test_a_stream_cut_before_its_last_chunk_is_an_error() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await _request(reader)
        writer.write(_OK_CHUNKED + _chunked(_SSE, 20)[:-5])

    async with _server(answer) as (base, _):
        response = await _post(base)
        with pytest.raises(wire.WireError):
            await _lines(response)
        await response.aclose()


@pytest.mark.asyncio
async def test_no_answer_in_time_is_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wire, "READ_TIMEOUT", 0.2)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await _request(reader)
        await asyncio.sleep(30)

    async with _server(answer) as (base, _):
        with pytest.raises(wire.WireTimeout):
            await _post(base)


@pytest.mark.asyncio
async def test_nothing_is_sent_with_a_line_break_in_a_header_or_to_no_server() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await _request(reader)

    async with _server(answer) as (base, connections):
        with pytest.raises(wire.WireError, match="line break"):
            await wire.post(f"{base}/x", [("Authorization", "Bearer a\r\nX-Evil: 1")], b"", _TLS)
        assert connections == []
    with pytest.raises(wire.WireError):  # the server is gone: refused
        await _post(base)
    with pytest.raises(wire.WireError):
        await wire.post("ftp://example.com/x", [], b"", _TLS)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("size_line", "ok"),
    [(b"%x", True), (b"%X;name=value", True), (b"-%x", False), (b"zz", False)],
)
async def test_chunk_sizes_with_extensions_are_read_and_malformed_ones_refused(
    size_line: bytes, ok: bool
) -> None:
    body = b'data: {"n": 1}\r\n\r\ndata: [DONE]\r\n\r\n'  # CRLF line ends, as SSE allows

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        await _request(reader)
        head = size_line % len(body) if b"%" in size_line else size_line
        writer.write(_OK_CHUNKED + head + b"\r\n" + body + b"\r\n0\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(10)

    async with _server(answer) as (base, _):
        response = await _post(base)
        if ok:
            assert await asyncio.wait_for(_lines(response), 5) == [
                b'data: {"n": 1}',
                b"data: [DONE]",
            ]
        else:
            with pytest.raises(wire.WireError):
                await asyncio.wait_for(_lines(response), 5)
        await response.aclose()
