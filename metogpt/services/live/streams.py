"""The hub through Redis (REFLEX_REDIS_URL): every worker reads every answer in flight.

One Redis stream per answer, `metogpt:answer:<id>`: a first entry naming the worker that
writes it (`w`), then the deltas (`o`: their offset, `t`: their text), then the end
(`end`: the status). A worker's readers of answers written elsewhere are served by one
task (`_read_remote`): at each hand-out interval, one XREAD over all those streams, each
from where it is, so a browser whose request lands on another worker than the answer, or
comes back after a reload, gets every delta, for one round trip per hand-out, not one per
reader and delta. The stream expires KEEP_SECONDS after its end (an hour after its
start if its worker died: the crash recovery reads the text from it).

A stop is a key (`metogpt:answer:<id>:stop`) that the writing worker looks for every
POLL_SECONDS, for all its answers in one MGET. Each worker refreshes a heartbeat key
while it writes or runs a chat turn: a reader whose answer has gone quiet asks it whether
the writer lives, and so does a tab whose turn shows no answer yet (`alive`).

A reader on the worker that writes the answer reads it from that worker's memory, as in
one process (a MemoryHub's record of its own answers): no Redis round trip per delta.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass

import redis
import redis.asyncio as aioredis

from metogpt.services import redis_version  # noqa: F401  (its version read once per process)
from metogpt.services.live.core import (
    KEEP_SECONDS,
    POLL_SECONDS,
    Delta,
    Ended,
    Event,
    MemoryHub,
    Recorded,
    Silence,
    flush_seconds,
    not_known,
    read_record,
)

WRITING_TTL = 3600  # seconds an answer's stream outlives a worker that died writing it
HEARTBEAT_SECONDS = 1.0
HEARTBEAT_TTL = 5  # a worker silent this long is dead to the readers of its answers

log = logging.getLogger(__name__)


def _key(message_id: str) -> str:
    return f"metogpt:answer:{message_id}"


def _stop_key(message_id: str) -> str:
    return f"metogpt:answer:{message_id}:stop"


def _writer_key(writer: str) -> str:
    return f"metogpt:writer:{writer}"


@dataclass
class _Remote(Recorded):
    """An answer written on another worker, as this one's readers follow it."""

    last: bytes | str = "0-0"  # the last stream entry read
    writer: str | None = None
    followers: int = 0


class RedisHub(MemoryHub):
    poll_seconds = POLL_SECONDS

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis] = (
            weakref.WeakKeyDictionary()
        )
        self._sync: redis.Redis | None = None
        self._beat = self._looked = -float("inf")  # the last heartbeat, look for stops
        self._remote: dict[str, _Remote] = {}  # followed here, written elsewhere
        self._reader: asyncio.Task[None] | None = None

    def _client(self) -> aioredis.Redis:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = aioredis.Redis.from_url(self.url)
        return client

    async def _deliver(
        self, opened: list[str], deltas: dict[str, Delta], ended: dict[str, str]
    ) -> None:
        await super()._deliver(opened, deltas, ended)  # this worker's readers
        pipe = self._client().pipeline(transaction=False)
        now = time.monotonic()
        if opened or now - self._beat >= HEARTBEAT_SECONDS:
            pipe.set(_writer_key(self.writer), 1, ex=HEARTBEAT_TTL)
            self._beat = now
        for message_id in opened:
            pipe.xadd(_key(message_id), {"w": self.writer})
            pipe.expire(_key(message_id), WRITING_TTL)
        for message_id, delta in deltas.items():
            pipe.xadd(_key(message_id), {"o": delta.offset, "t": delta.text})
        for message_id, status in ended.items():
            pipe.xadd(_key(message_id), {"end": status})
            pipe.expire(_key(message_id), int(KEEP_SECONDS))
        watched = list(self._writing) if opened or now - self._looked >= POLL_SECONDS else []
        if watched:
            pipe.mget([_stop_key(m) for m in watched])
            self._looked = now
        replies = await pipe.execute()
        if watched:
            for message_id, stop in zip(watched, replies[-1], strict=True):
                if stop is not None:
                    self._stop_local(message_id)

    async def follow(
        self, message_id: str, offset: int, ended: Ended = not_known
    ) -> AsyncIterator[Event]:
        if message_id in self._answers:  # written here
            async for event in super().follow(message_id, offset, ended):
                yield event
            return
        remote = self._remote.get(message_id)
        if remote is None:
            remote = self._remote[message_id] = _Remote()
            self._read_remote_soon()
        remote.followers += 1
        silence = Silence(ended)

        async def quiet() -> bool:
            """Nothing for WAIT_SECONDS: not opened (yet), or its worker died (ask the
            database), or ended without the hub saying so."""
            writer = remote.writer
            if writer is None or not await self._client().exists(_writer_key(writer)):
                return True
            return await silence.over()

        try:
            async for event in read_record(remote, offset, quiet, silence):
                yield event
        finally:
            remote.followers -= 1
            if not remote.followers and self._remote.get(message_id) is remote:
                del self._remote[message_id]

    def _read_remote_soon(self) -> None:
        loop = asyncio.get_running_loop()
        task = self._reader
        if task is None or task.done() or task.get_loop() is not loop:
            self._reader = loop.create_task(self._read_remote())

    async def _read_remote(self) -> None:
        """One reader for every answer this worker follows but does not write: at each
        hand-out interval (core.flush_seconds), one XREAD over all their streams (not a
        blocking XREAD per reader and per delta), the entries added to their records."""
        client = self._client()
        while self._remote:
            streams = {_key(m): r for m, r in self._remote.items() if r.end is None}
            got = []
            try:
                if streams:
                    got = await client.xread({k: r.last for k, r in streams.items()}, count=1000)
            except redis.RedisError:  # the readers' quiet() finds out what became of them
                log.exception("answers in flight could not be read from Redis")
            for key, entries in got or []:
                remote = streams[key.decode()]
                for entry_id, fields in entries:
                    remote.last = entry_id
                    if b"w" in fields:
                        remote.writer = fields[b"w"].decode()
                    elif b"end" in fields:
                        remote.end = fields[b"end"].decode()
                    elif remote.end is None:
                        remote.deltas.append(Delta(int(fields[b"o"]), fields[b"t"].decode()))
                remote.tell()
            await asyncio.sleep(flush_seconds(len(self._remote) + len(self._writing)))

    async def alive(self, writer: str) -> bool:
        if writer == self.writer:
            return True
        try:
            return bool(await self._client().exists(_writer_key(writer)))
        except redis.RedisError:  # unknown: the turn is not given up on a Redis failure
            log.exception("whether worker %s lives could not be read from Redis", writer)
            return True

    async def request_stop(self, message_id: str) -> None:
        await self._client().set(_stop_key(message_id), 1, ex=WRITING_TTL)
        self._stop_local(message_id)  # written here: no need to wait for the next look

    def recorded_text(self, message_id: str) -> str | None:
        if self._sync is None:
            self._sync = redis.Redis.from_url(self.url, socket_timeout=5)
        try:
            entries = self._sync.xrange(_key(message_id))
        except redis.RedisError:  # the saved text (a second behind at most) is charged
            log.warning("the text of answer %s could not be read from Redis", message_id)
            return None
        if not entries:
            return None
        return "".join(fields[b"t"].decode() for _, fields in entries if b"t" in fields)  # type: ignore[union-attr]
