"""The streaming relay: one answer's text on its way from the provider to the screen.

`stream_answer` runs an answer prepared by answers.begin_answer end to end: it opens the
provider stream, writes each piece of text into the hub of answers in flight (live/:
readers get the new text only, batched every 40 ms), and settles the answer whatever
happens. A stop asked through the hub, on any worker, ends it.

Nothing on the per-token path waits: a token is appended to a few lists. Every
SAVE_SECONDS the new text of every answer of the process is added to the stored answers
in one transaction off the event loop (`_Saver`, answers.append_partials), for the crash
recovery, which also reads what the hub had handed out when the hub outlived the worker
(Redis).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from metogpt.models import MessageStatus
from metogpt.services import live, llm
from metogpt.services.answers import PreparedAnswer, append_partials, finish_answer
from metogpt.services.db import write_session
from metogpt.services.files.prompt import load_images
from metogpt.services.llm import ProviderError

SAVE_SECONDS = 1.0  # how often the text streamed so far is saved for the crash recovery

log = logging.getLogger(__name__)


class _Saver:
    """The answers' new text, saved every SAVE_SECONDS for all the answers of the process
    in one transaction (one thread hop and one commit a second, not one per answer)."""

    def __init__(self) -> None:
        self._pending: dict[str, list[str]] = {}
        self._task: asyncio.Task[None] | None = None

    def add(self, message_id: str, text: str) -> None:
        self._pending.setdefault(message_id, []).append(text)
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._run())

    async def _run(self) -> None:
        while self._pending:
            await asyncio.sleep(SAVE_SECONDS)
            batch = {m: "".join(parts) for m, parts in self._pending.items()}
            self._pending.clear()
            try:
                await asyncio.to_thread(_in_tx, append_partials, batch)
            except Exception:  # the database away: the recovery charges what was saved
                log.exception("streamed text of %d answers not saved", len(batch))


_saver = _Saver()


@dataclass(frozen=True)
class Outcome:
    text: str
    status: MessageStatus
    error: str | None  # a provider error kind, or "length" when the answer hit its cap
    charged: int


class _Relay:
    """One answer's text on its way from the provider to the hub (see stream_answer)."""

    def __init__(self, p: PreparedAnswer, hub: live.Hub) -> None:
        self.p, self.hub = p, hub
        self.parts: list[str] = []
        self.stream: llm.ChatStream | None = None
        self.stopped = False
        self.task: asyncio.Task[str | None] | None = None
        self.closing: asyncio.Task[None] | None = None

    @property
    def text(self) -> str:
        return "".join(self.parts)

    async def run(self) -> str | None:
        """Relay until the provider ends or a stop; "length" if the answer hit its cap."""
        messages = self.p.messages
        if any(m.images for m in messages):  # attached images, read and scaled off the loop
            messages = await asyncio.to_thread(load_images, messages)
        self.stream = stream = await llm.open_stream(
            self.p.model,
            messages,
            self.p.max_tokens,
            prompt_tokens=self.p.prompt_tokens,
            temperature=self.p.temperature,
            top_p=self.p.top_p,
        )
        message_id, write, save = self.p.assistant_message_id, self.hub.write, _saver.add
        async for delta in stream:
            self.parts.append(delta)
            write(message_id, delta)
            save(message_id, delta)
        return "length" if not self.stopped and stream.finish_reason == "length" else None

    def on_stop(self) -> None:
        """The hub's call when a stop is asked (on the event loop, once)."""
        self.stopped = True
        if self.stream is not None:  # ends the relay's loop from this other task
            self.closing = asyncio.ensure_future(self.stream.aclose())
        elif self.task is not None:
            self.task.cancel()  # still in open_stream: nothing was streamed


async def stream_answer(p: PreparedAnswer, *, hub: live.Hub | None = None) -> Outcome:
    """Run one answer end to end: relay the provider's text to the hub (`live.hub()`
    unless given), then settle. A stop once the request has reached the provider charges
    at least the prompt; a stop before that (connecting, waiting to retry) charges
    nothing. Whatever happens, the reservation is settled exactly once, and then the
    hub's readers get the answer's end."""
    hub = hub or live.hub()
    relay = _Relay(p, hub)
    relay.task = task = asyncio.ensure_future(relay.run())
    hub.open(p.assistant_message_id, relay.on_stop)
    status, error = MessageStatus.DONE, None
    try:
        error = await task
    except asyncio.CancelledError:
        me = asyncio.current_task()
        if not relay.stopped or (me is not None and me.cancelling()):
            raise  # this call is being cancelled, not the stop of a connecting stream
    except ProviderError as exc:
        status, error = _broken(relay), exc.kind
    except Exception:  # a bug must not leave the reservation open or the screen spinning
        log.exception("answer %s failed", p.assistant_message_id)
        status, error = _broken(relay), "unavailable"
    if relay.stopped:
        status, error = MessageStatus.STOPPED, None
    try:
        if relay.closing is not None:
            await relay.closing
        if relay.stream is not None:
            await relay.stream.aclose()  # after a bug in the loop: closes it, leaves a usage
        text = relay.text
        usage = relay.stream.usage if relay.stream else None
        msg = await asyncio.to_thread(_in_tx, finish_answer, p, text, usage, status, error)
    finally:
        await hub.close(p.assistant_message_id, status.value)
    return Outcome(text, status, error, msg.charged or 0 if msg else 0)


@dataclass(frozen=True)
class Answering:
    """An answer on its way (start_answer): what was prepared, and the task that streams
    and settles it."""

    prepared: PreparedAnswer
    task: asyncio.Task[Outcome]


_answering: set[asyncio.Task[Outcome]] = set()


def start_answer(p: PreparedAnswer) -> Answering:
    """`stream_answer` as a task of its own, started now: the provider is asked at once,
    while the caller shows the turn (the screen is read and written during the provider's
    first-token delay instead of before it). The task runs to its settlement even if the
    caller goes away; it is held here until it ends."""
    task = asyncio.ensure_future(stream_answer(p))
    _answering.add(task)
    task.add_done_callback(_answering.discard)
    return Answering(p, task)


def _broken(relay: _Relay) -> MessageStatus:
    return MessageStatus.CUT if relay.parts else MessageStatus.ERROR


def _in_tx(fn: Callable[..., Any], *args: Any) -> Any:
    with write_session() as session:
        return fn(session, *args)
