"""The hub of answers in flight (services/live/), in memory and through Redis: readers get
every delta once from any offset, stops reach the writer wherever they are asked, a dead
writer is noticed, and a whole answer reaches the reader that follows it as the page does."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import pytest
import redis

from metogpt.models import MessageStatus, new_id
from metogpt.services import answers, conversations, live, relay
from metogpt.services.catalog import reset_catalog_cache
from metogpt.services.errors import NotFound, Unauthorized
from metogpt.services.live import core
from metogpt.services.live.core import End, Hub, MemoryHub
from metogpt.services.live.streams import RedisHub
from tests.conftest import Account, make_account
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.support.calls import in_write, user_row

REDIS_URL = os.environ.get("TEST_REDIS_URL")
T = TypeVar("T")


def _run(scenario: Callable[[], Awaitable[T]]) -> T:
    async def run() -> T:
        return await scenario()

    return asyncio.run(run())


@pytest.fixture(params=["memory", "redis", "redis-same-worker"])
def pair(request: pytest.FixtureRequest) -> Iterator[tuple[Hub, Hub]]:
    """A writer's hub and a reader's: one MemoryHub for both; two RedisHubs (two workers:
    the reader's hub has never seen the answer); or one RedisHub (the reader is on the
    worker that writes the answer, and reads it from its memory)."""
    if request.param == "memory":
        hub = MemoryHub()
        yield hub, hub
        return
    if not REDIS_URL:
        pytest.skip("the Redis hub needs TEST_REDIS_URL")
    writer = RedisHub(REDIS_URL)
    yield writer, writer if request.param == "redis-same-worker" else RedisHub(REDIS_URL)


async def _read(hub: Hub, message_id: str, offset: int = 0) -> tuple[list[live.Delta], End | None]:
    deltas: list[live.Delta] = []
    async for event in hub.follow(message_id, offset):
        if isinstance(event, End):
            return deltas, event
        deltas.append(event)
    return deltas, None


def _text(deltas: list[live.Delta]) -> str:
    return "".join(d.text for d in deltas)


async def _until(condition: Callable[[], bool]) -> None:
    """Until `condition` holds: a hand-out through Redis is a round trip, which a loaded
    machine may take its time over."""
    async with asyncio.timeout(30):
        while not condition():
            await asyncio.sleep(0.02)


def test_a_reader_gets_every_delta_batched_and_the_end(pair: tuple[Hub, Hub]) -> None:
    writer, reader = pair
    answer = new_id()
    words = [f"w{i} " for i in range(200)]

    async def scenario() -> tuple[list[live.Delta], End | None]:
        writer.open(answer, lambda: None)
        reading = asyncio.ensure_future(_read(reader, answer))
        for word in words:
            writer.write(answer, word)
            await asyncio.sleep(0)  # the hand-out task may run between any two writes
        await writer.close(answer, "done")
        return await reading

    deltas, end = _run(scenario)
    assert _text(deltas) == "".join(words) and end == End("done")
    # Offsets chain, and the 200 writes went out in a few batches of FLUSH_SECONDS, not one
    # each. (Writes 1 ms apart took 0.2-0.4 s, but on a loaded machine a 1 ms sleep can take
    # tens: as many batches as the writes took FLUSH_SECONDS.)
    assert [d.offset for d in deltas] == [0] + [d.end_offset for d in deltas[:-1]]
    assert len(deltas) < 40


def test_a_reader_slower_than_the_writer_misses_nothing(pair: tuple[Hub, Hub]) -> None:
    """More text handed out while the reader is still busy with the last delta (its client
    is slow to take it) reaches it after that delta, none of it skipped."""
    writer, reader = pair
    answer = new_id()

    async def scenario() -> list[live.Event]:
        writer.open(answer, lambda: None)
        writer.write(answer, "first ")
        events = reader.follow(answer, 0)
        got: list[live.Event] = [await anext(events)]  # the reader is suspended in its yield
        for word in ("second ", "third "):
            writer.write(answer, word)
            await asyncio.sleep(core.FLUSH_SECONDS * 3)  # handed out meanwhile
        await writer.close(answer, "done")
        return got + [event async for event in events]

    events = _run(scenario)
    deltas = [event for event in events if isinstance(event, live.Delta)]
    assert events == [*deltas, End("done")]
    assert _text(deltas) == "first second third " and [d.offset for d in deltas] == [0, 6, 13]


def test_a_reader_resumes_from_any_offset_even_after_the_end(pair: tuple[Hub, Hub]) -> None:
    writer, reader = pair
    answer = new_id()
    text = "Здравствуй, мир! 🌍 " * 20  # offsets count characters, not bytes

    async def scenario() -> list[tuple[list[live.Delta], End | None]]:
        writer.open(answer, lambda: None)
        for i in range(0, len(text), 7):
            writer.write(answer, text[i : i + 7])
            await asyncio.sleep(0.01)
        await writer.close(answer, "stopped")
        return [await _read(reader, answer, offset) for offset in (0, 1, 33, len(text))]

    for offset, (deltas, end) in zip((0, 1, 33, len(text)), _run(scenario), strict=True):
        assert _text(deltas) == text[offset:] and end == End("stopped")
        assert not deltas or deltas[0].offset == offset


def test_a_stop_reaches_the_writer_once_wherever_it_is_asked(pair: tuple[Hub, Hub]) -> None:
    writer, other = pair
    early, running = new_id(), new_id()
    heard: list[str] = []

    async def scenario() -> None:
        await other.request_stop(early)  # pressed before the answer began
        writer.open(early, lambda: heard.append("early"))
        writer.open(running, lambda: heard.append("running"))
        writer.write(running, "some text")
        await _until(lambda: bool(heard))
        assert heard == ["early"]
        await other.request_stop(running)  # from the other worker
        await other.request_stop(running)
        await _until(lambda: "running" in heard)
        await writer.close(early, "stopped")
        await writer.close(running, "stopped")

    _run(scenario)
    assert heard == ["early", "running"]


@pytest.mark.skipif(not REDIS_URL, reason="the Redis hub needs TEST_REDIS_URL")
def test_a_reader_of_a_dead_worker_gives_up_and_the_text_stays_for_the_recovery() -> None:
    assert REDIS_URL
    writer, reader = RedisHub(REDIS_URL), RedisHub(REDIS_URL)
    answer = new_id()
    keys = redis.Redis.from_url(REDIS_URL)

    async def scenario() -> tuple[list[live.Delta], End | None]:
        writer.open(answer, lambda: None)
        writer.write(answer, "half an answer")
        await _until(lambda: reader.recorded_text(answer) == "half an answer")
        keys.delete(f"metogpt:writer:{writer.writer}")  # its heartbeat lapses: it died
        assert writer._task is not None
        writer._task.cancel()
        return await _read(reader, answer)

    deltas, end = _run(scenario)
    assert _text(deltas) == "half an answer" and end is None
    assert reader.recorded_text(answer) == "half an answer"
    ttl = keys.ttl(f"metogpt:answer:{answer}")
    assert isinstance(ttl, int) and 3000 < ttl <= 3600  # kept for the recovery


@pytest.mark.skipif(not REDIS_URL, reason="the Redis hub needs TEST_REDIS_URL")
def test_a_worker_running_a_turn_lives_for_the_others_until_its_heartbeat_lapses() -> None:
    # state/chat/turns.py: a tab whose turn shows no answer yet asks whether its worker lives.
    assert REDIS_URL
    worker, other = RedisHub(REDIS_URL), RedisHub(REDIS_URL)
    keys = redis.Redis.from_url(REDIS_URL)
    beat = f"metogpt:writer:{worker.writer}"

    async def scenario() -> list[bool]:
        seen = [await other.alive(worker.writer)]  # has run nothing yet: no heartbeat
        async with worker.preparing():  # a turn runs, its answer not open
            await _until(lambda: bool(keys.exists(beat)))
            await asyncio.sleep(1.5)
            assert int(str(keys.ttl(beat))) > 3  # refreshed meanwhile (HEARTBEAT_TTL: 5 s)
            seen += [await other.alive(worker.writer), await worker.alive(worker.writer)]
            assert worker._task is not None
            worker._task.cancel()  # the worker dies...
            keys.delete(beat)  # ...and its heartbeat lapses
            seen.append(await other.alive(worker.writer))
        return seen

    assert _run(scenario) == [False, True, True, False]
    memory = MemoryHub()  # one process: only itself lives
    assert _run(lambda: memory.alive(memory.writer)) is True
    assert _run(lambda: memory.alive(other.writer)) is False


@pytest.mark.skipif(not REDIS_URL, reason="the Redis hub needs TEST_REDIS_URL")
def test_an_ended_answer_expires_from_redis_soon_after() -> None:
    assert REDIS_URL
    hub, answer = RedisHub(REDIS_URL), new_id()

    async def scenario() -> None:
        hub.open(answer, lambda: None)
        hub.write(answer, "text")
        await hub.close(answer, "done")

    _run(scenario)
    ttl = redis.Redis.from_url(REDIS_URL).ttl(f"metogpt:answer:{answer}")
    assert isinstance(ttl, int) and 0 < ttl <= core.KEEP_SECONDS


# --- an answer followed as the page follows it ----------------------------------------------


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", server.openai_base_url)
        reset_catalog_cache()
        yield server
    monkeypatch.undo()
    reset_catalog_cache()


@pytest.fixture(params=["memory", "redis"])
def configured(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.param == "redis" and not REDIS_URL:
        pytest.skip("the Redis hub needs TEST_REDIS_URL")
    live.configure(REDIS_URL if request.param == "redis" else None)
    yield
    live.configure(None)


@pytest.mark.usefixtures("configured")
def test_the_page_gets_the_whole_answer_while_it_streams_and_after(
    database: str, fake: FakeProviderServer
) -> None:
    fake.behavior = FakeBehavior(reply_tokens=120, tokens_per_second=300)
    acc = make_account(balance=5000)
    user = user_row(acc.id)
    token = acc.token
    msg = in_write(conversations.post_user_message, user, None, "Tell me", "gpt-3.5-turbo")
    p = in_write(answers.begin_answer, user, msg.id, "gpt-3.5-turbo")

    async def follow(offset: int) -> tuple[str, End]:
        text = ""
        async for event in await live.follow(token, p.assistant_message_id, offset):
            if isinstance(event, End):
                return text, event
            text += event.text
        raise AssertionError("no end")

    async def scenario() -> tuple[relay.Outcome, list[tuple[str, End]]]:
        answer = asyncio.ensure_future(relay.stream_answer(p))
        readers = [asyncio.ensure_future(follow(offset)) for offset in (0, 50)]
        outcome = await answer
        return outcome, [*await asyncio.gather(*readers), await follow(0), await follow(40)]

    outcome, seen = _run(scenario)
    assert outcome.status == MessageStatus.DONE and outcome.text.endswith("tok119")
    done = End(MessageStatus.DONE.value)
    assert (
        seen
        == [
            (outcome.text, done),
            (outcome.text[50:], done),
            (outcome.text, done),  # after the end: the saved text
            (outcome.text[40:], done),
        ]
    )

    stranger = make_account().token
    with pytest.raises(NotFound):
        _run(lambda: live.follow(stranger, p.assistant_message_id))
    with pytest.raises(NotFound):  # a prompt is not an answer
        _run(lambda: live.follow(token, p.user_message_id))
    with pytest.raises(Unauthorized):
        _run(lambda: live.follow("not-a-token", p.assistant_message_id))


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Readers wait 0.2 s for news, not 2 s (both hubs' readers wait in core.read_record)."""
    monkeypatch.setattr(core, "WAIT_SECONDS", 0.2)
    return monkeypatch


def _unstreamed() -> tuple[Account, answers.PreparedAnswer]:
    """An account and an answer that has begun (reserved, stored as streaming), no more."""
    acc = make_account(balance=5000)
    msg = in_write(
        conversations.post_user_message, user_row(acc.id), None, "Hello?", "gpt-3.5-turbo"
    )
    return acc, in_write(answers.begin_answer, user_row(acc.id), msg.id, "gpt-3.5-turbo")


@pytest.mark.usefixtures("configured")
def test_an_answer_no_worker_writes_ends_as_lost(database: str, quick: pytest.MonkeyPatch) -> None:
    quick.setattr(live, "LOST_AFTER_SECONDS", 0.5)
    acc, p = _unstreamed()  # never streamed

    async def follow() -> list[live.Event]:
        return [event async for event in await live.follow(acc.token, p.assistant_message_id)]

    assert _run(follow) == [End(live.LOST)]


@pytest.mark.usefixtures("configured")
def test_a_reader_whose_end_was_lost_finishes_from_the_database(
    database: str, quick: pytest.MonkeyPatch
) -> None:
    # The hub handed out the first text, then its hand-outs failed (Redis away): the
    # answer ended and was stored, the reader never heard. After QUIET_SECONDS of silence
    # it asks the database and finishes with the stored rest and the end.
    quick.setattr(core, "QUIET_SECONDS", 0.3)
    acc, p = _unstreamed()

    async def scenario() -> list[live.Event]:
        hub = live.hub()
        hub.open(p.assistant_message_id, lambda: None)
        hub.write(p.assistant_message_id, "Half of it")
        events: list[live.Event] = []
        async for event in await live.follow(acc.token, p.assistant_message_id):
            events.append(event)
            if len(events) == 1:  # stored whole; the hub is never told
                in_write(
                    answers.finish_answer, p, "Half of it, and the rest", None, MessageStatus.DONE
                )
        return events

    assert _run(scenario) == [
        live.Delta(0, "Half of it"),
        live.Delta(10, ", and the rest"),
        End("done"),
    ]


def test_the_hand_out_interval_grows_with_the_answers_in_flight() -> None:
    intervals = [core.flush_seconds(n) for n in (0, core.BUSY_ANSWERS, 150, core.FULL_ANSWERS)]
    assert intervals[0] == intervals[1] == core.FLUSH_SECONDS
    assert core.FLUSH_SECONDS < intervals[2] < core.MAX_FLUSH_SECONDS
    assert intervals[3] == core.flush_seconds(10 * core.FULL_ANSWERS) == core.MAX_FLUSH_SECONDS
