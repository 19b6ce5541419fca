"""The hub of answers in flight: the relay writes an answer's text into it, readers follow
it from a character offset (services/live/__init__.py has the reader's whole path).

A writer's side costs next to nothing per token: `write` appends to a list. One task per
process (`_run`) hands out what was written every FLUSH_SECONDS (longer with many answers:
`flush_seconds`) for every answer at once, so the cost of delivery grows with time and the
number of answers, not with tokens; the first text of a quiet answer goes out at once.
Stops are recorded in the hub too and reach the writing relay through the `on_stop` it
gave `open`, wherever the stop was asked.

`MemoryHub` serves one process; `RedisHub` (streams.py) serves every worker through Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

FLUSH_SECONDS = 0.04  # deltas are batched this long (the 30-50 ms)...
MAX_FLUSH_SECONDS = 0.12  # ...growing to this with many answers in flight in the process
BUSY_ANSWERS, FULL_ANSWERS = 50, 250  # where it starts to grow, where it stops
POLL_SECONDS = 0.25  # how often stops asked on another worker are looked for
KEEP_SECONDS = 60.0  # an ended answer stays readable this long (a late reader, a reload)
WAIT_SECONDS = 2.0  # a reader's wait for news before it asks whether the writer lives
QUIET_SECONDS = 10.0  # after this long without news a reader asks whether the answer ended

log = logging.getLogger(__name__)


def flush_seconds(answers: int) -> float:
    """The hand-out interval with `answers` in flight in this process: FLUSH_SECONDS up to
    BUSY_ANSWERS, then longer, up to MAX_FLUSH_SECONDS at FULL_ANSWERS. Each piece of text
    costs a write per reader and per hub whatever its length, and the text comes at the
    same pace: with many answers, fewer and larger pieces keep the CPU of a streamed token
    down when it is short (500 chats on two cores), at a first text up to 80 ms later."""
    if answers <= BUSY_ANSWERS:
        return FLUSH_SECONDS
    share = min((answers - BUSY_ANSWERS) / (FULL_ANSWERS - BUSY_ANSWERS), 1.0)
    return FLUSH_SECONDS + share * (MAX_FLUSH_SECONDS - FLUSH_SECONDS)


@dataclass(frozen=True)
class Delta:
    offset: int  # the characters of the answer before `text`
    text: str

    @property
    def end_offset(self) -> int:
        return self.offset + len(self.text)


@dataclass(frozen=True)
class End:
    status: str  # a MessageStatus value


Event = Delta | End
Ended = Callable[[], Awaitable[bool]]


async def not_known() -> bool:
    return False


class Silence:
    """A reader's time without news. Every QUIET_SECONDS of it, `ended` (the database) is
    asked whether the answer has ended without the hub saying so (a hand-out lost to a
    Redis failure): the reader then stops waiting."""

    def __init__(self, ended: Ended) -> None:
        self.ended, self.since = ended, time.monotonic()

    def heard(self) -> None:
        self.since = time.monotonic()

    async def over(self) -> bool:
        if time.monotonic() - self.since < QUIET_SECONDS:
            return False
        self.since = time.monotonic()
        return await self.ended()


@dataclass
class _Writing:
    """An answer this process writes: what is not yet handed out, and how to stop it."""

    on_stop: Callable[[], None]
    pending: list[str] = field(default_factory=list)
    offset: int = 0  # characters handed out so far
    stopped: bool = False


class Hub:
    """What both hubs share: the writers' side, batched by one task per process."""

    poll_seconds: float | None = None  # while answers are written, wake this often anyway

    def __init__(self) -> None:
        self._writing: dict[str, _Writing] = {}
        self._opened: list[str] = []
        self._ended: dict[str, str] = {}
        self._delivered: list[asyncio.Future[None]] = []
        self._kick: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._me: tuple[int, str] | None = None
        self._preparing = 0  # turns of this process whose answer has not opened yet

    @property
    def writer(self) -> str:
        """This process's name among the workers (made after a fork, never shared)."""
        if self._me is None or self._me[0] != os.getpid():
            self._me = (os.getpid(), uuid.uuid4().hex)
        return self._me[1]

    # ---- the turns' side (state/chat/turns.py) -------------------------------------------

    @contextlib.asynccontextmanager
    async def preparing(self) -> AsyncIterator[None]:
        """A chat turn runs in this process: while it does, `alive(self.writer)` holds
        elsewhere too (a worker's heartbeat, in Redis), before its answer opens as after."""
        self._preparing += 1
        self._wake()
        try:
            yield
        finally:
            self._preparing -= 1

    async def alive(self, writer: str) -> bool:
        """Does the process named `writer` live (one process: only this one does)?"""
        return writer == self.writer

    # ---- the writer's side (the relay) --------------------------------------------------

    def open(self, message_id: str, on_stop: Callable[[], None]) -> None:
        """An answer starts. `on_stop` is called (once, on the event loop) when a stop is
        asked for it, here or on another worker, now or later."""
        self._writing[message_id] = _Writing(on_stop)
        self._opened.append(message_id)
        self._wake()

    def write(self, message_id: str, text: str) -> None:
        """More of the answer's text; handed out within `flush_seconds`."""
        if text:
            self._writing[message_id].pending.append(text)
            self._wake()

    async def close(self, message_id: str, status: str) -> None:
        """The answer ended with `status` (its text and settlement are in the database):
        the rest of its text and the end are handed out before this returns."""
        self._ended[message_id] = status
        done = asyncio.get_running_loop().create_future()
        self._delivered.append(done)
        self._wake()
        await done

    def _stop_local(self, message_id: str) -> bool:
        """Stop an answer this process writes (False: it writes no such answer)."""
        writing = self._writing.get(message_id)
        if writing is None:
            return False
        if not writing.stopped:
            writing.stopped = True
            writing.on_stop()
        return True

    def _wake(self) -> None:
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._kick = asyncio.Event()  # a new event loop (tests run several)
            self._task = loop.create_task(self._run())
        assert self._kick is not None
        self._kick.set()

    async def _run(self) -> None:
        kick = self._kick
        assert kick is not None
        while True:
            timeout = self.poll_seconds if self._writing or self._preparing else None
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await kick.wait()
            kick.clear()
            delivered, self._delivered = self._delivered, []
            try:
                await self._hand_out()
            except Exception:  # Redis away: readers miss text the database still has
                log.exception("answers in flight could not be handed out")
            finally:
                for done in delivered:
                    if not done.done():
                        done.set_result(None)
            await asyncio.sleep(flush_seconds(len(self._writing)))

    async def _hand_out(self) -> None:
        opened, self._opened = self._opened, []
        deltas: dict[str, Delta] = {}
        for message_id, writing in self._writing.items():
            if writing.pending:
                text = "".join(writing.pending)
                writing.pending.clear()
                deltas[message_id] = Delta(writing.offset, text)
                writing.offset += len(text)
        ended, self._ended = self._ended, {}
        for message_id in ended:
            self._writing.pop(message_id, None)
        await self._deliver(opened, deltas, ended)

    async def _deliver(
        self, opened: list[str], deltas: dict[str, Delta], ended: dict[str, str]
    ) -> None:
        """Hand out one batch: answers that opened, new text, ends (in that order)."""
        raise NotImplementedError

    # ---- the readers' side ------------------------------------------------------------

    def follow(
        self, message_id: str, offset: int, ended: Ended = not_known
    ) -> AsyncIterator[Event]:
        """The answer's text from `offset` as it comes, then its End. Returns without an
        End when no live writer has it (not started yet, or its worker died), or when
        `ended` says it has ended (see Silence)."""
        raise NotImplementedError

    async def request_stop(self, message_id: str) -> None:
        raise NotImplementedError

    def recorded_text(self, message_id: str) -> str | None:
        """For crash recovery: the text handed out for an answer whose writer died, when
        the hub outlived it (None: unknown here)."""
        raise NotImplementedError


@dataclass
class Recorded:
    """An answer as a MemoryHub keeps it for its readers."""

    deltas: list[Delta] = field(default_factory=list)
    end: str | None = None
    ended_at: float = 0.0
    news: asyncio.Event = field(default_factory=asyncio.Event)

    def tell(self) -> None:
        self.news.set()
        self.news = asyncio.Event()


async def read_record(
    recorded: Recorded, offset: int, quiet: Ended, silence: Silence
) -> AsyncIterator[Event]:
    """An answer's record from `offset`: its deltas as they are added, then its End.
    Returns without an End when `quiet()`, asked after each WAIT_SECONDS without news,
    says to (the writer is gone, or the answer ended without the hub saying so)."""
    seen = 0
    while True:
        news = recorded.news
        # One delta at a time: while this reader is suspended in a yield (its client is
        # slow to take the text), the hand-out may append more, which it must not skip.
        while seen < len(recorded.deltas):
            delta = recorded.deltas[seen]
            seen += 1
            if delta.end_offset > offset:
                cut = max(offset - delta.offset, 0)
                yield Delta(delta.offset + cut, delta.text[cut:])
                offset = delta.end_offset
                silence.heard()
        if recorded.end is not None:
            yield End(recorded.end)
            return
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                await news.wait()
        except TimeoutError:
            if await quiet():
                return


class MemoryHub(Hub):
    """One process: writers and readers share this object (the app without Redis)."""

    def __init__(self) -> None:
        super().__init__()
        self._answers: dict[str, Recorded] = {}
        self._stops: dict[str, float] = {}  # asked before their answer opened: when
        self._opening = Recorded()  # its news: an answer opened

    def open(self, message_id: str, on_stop: Callable[[], None]) -> None:
        self._forget_old()
        self._answers[message_id] = Recorded()
        self._opening.tell()
        super().open(message_id, on_stop)
        if self._stops.pop(message_id, None) is not None:
            self._stop_local(message_id)

    def _forget_old(self) -> None:
        now = time.monotonic()
        for message_id in [
            m for m, a in self._answers.items() if a.end and now - a.ended_at > KEEP_SECONDS
        ]:
            del self._answers[message_id]
        for message_id in [m for m, at in self._stops.items() if now - at > KEEP_SECONDS]:
            del self._stops[message_id]

    async def _deliver(
        self, opened: list[str], deltas: dict[str, Delta], ended: dict[str, str]
    ) -> None:
        for message_id, delta in deltas.items():
            recorded = self._answers[message_id]
            recorded.deltas.append(delta)
            if message_id not in ended:
                recorded.tell()
        for message_id, status in ended.items():
            recorded = self._answers[message_id]
            recorded.end, recorded.ended_at = status, time.monotonic()
            recorded.tell()

    async def follow(
        self, message_id: str, offset: int, ended: Ended = not_known
    ) -> AsyncIterator[Event]:
        while True:
            recorded = self._answers.get(message_id)
            if recorded is not None:
                break
            # Not opened (yet): wait a little for it, as XREAD BLOCK does in Redis.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(WAIT_SECONDS):
                    while message_id not in self._answers:
                        await self._opening.news.wait()
            if message_id not in self._answers:
                return  # the caller asks the database again
        silence = Silence(ended)
        async for event in read_record(recorded, offset, silence.over, silence):
            yield event

    async def request_stop(self, message_id: str) -> None:
        if not self._stop_local(message_id):
            self._stops[message_id] = time.monotonic()  # the answer has not opened yet

    def recorded_text(self, message_id: str) -> str | None:
        return None  # a MemoryHub dies with its writers
