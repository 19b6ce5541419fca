"""The streaming relay: one answer's text on its way from the provider to the screen.

`stream_answer` runs an answer prepared by answers.begin_answer end to end: it opens the
provider stream, hands the growing text to a `show` callback (at most every FLUSH_SECONDS,
less often while flushing is slow; `show` returns True to stop), and settles the answer
whatever happens.

Crash recovery charges the text saved in the database, so no text reaches the screen
before it is saved: each flush first saves the text it is about to show (answers.
save_partial, one small UPDATE off the event loop), then shows it. The database is never on
the per-token path: tokens arriving between flushes are only kept in memory, and a slow
save slows the flushes down like a slow `show` does (FLUSH_BACKOFF).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from metogpt.models import MessageStatus
from metogpt.services import llm
from metogpt.services.answers import PreparedAnswer, finish_answer, save_partial
from metogpt.services.db import write_session
from metogpt.services.files.prompt import load_images
from metogpt.services.llm import ProviderError

FLUSH_SECONDS = 0.06  # how often streamed text is handed to the screen
# ... at most: a busy server hands text over less often. A flush waits for the tab's state
# (with several workers a round trip through Redis, behind the other events of the tab);
# the next flush comes no sooner than FLUSH_BACKOFF times that wait, so a hundred streams
# cannot keep a worker busy with nothing but flushes. Never slower than MAX_FLUSH_SECONDS.
FLUSH_BACKOFF = 3.0
MAX_FLUSH_SECONDS = 1.0
STOP_POLL_SECONDS = 0.25  # while the provider is silent, how often a stop is looked for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    text: str
    status: MessageStatus
    error: str | None  # a provider error kind, or "length" when the answer hit its cap
    charged: int


class _Relay:
    """One answer's text on its way from the provider to the screen (see stream_answer)."""

    def __init__(
        self, p: PreparedAnswer, show: Callable[[str], Awaitable[bool]], flush_seconds: float
    ) -> None:
        self.p, self.show, self.flush_seconds = p, show, flush_seconds
        self.parts: list[str] = []
        self.stream: llm.ChatStream | None = None
        self.stopped = False
        self.shown = -math.inf  # the first text goes out at once: it ends the user's wait
        self.saved = ""  # the text last saved for crash recovery
        # The loop and the watcher may both flush: one at a time, so no save of an older
        # text can land after a newer one was shown.
        self.flushing = asyncio.Lock()

    @property
    def text(self) -> str:
        return "".join(self.parts)

    async def flush(self) -> bool:
        """Save the text (when it grew since the last save), then show it; True to stop."""
        async with self.flushing:
            text = self.text
            if text != self.saved:
                await asyncio.to_thread(_in_tx, save_partial, self.p.assistant_message_id, text)
                self.saved = text
            return await self.show(text)

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
        interval = self.flush_seconds
        async for delta in stream:
            self.parts.append(delta)
            now = time.monotonic()
            if now - self.shown >= interval:
                if await self.flush():
                    await self.stop()
                    break
                self.shown = time.monotonic()
                took = self.shown - now
                interval = max(self.flush_seconds, min(FLUSH_BACKOFF * took, MAX_FLUSH_SECONDS))
        return "length" if not self.stopped and stream.finish_reason == "length" else None

    async def watch(self, relay: asyncio.Future[str | None], poll_seconds: float) -> None:
        """Until `relay` ends: while the provider is silent (connecting, thinking before its
        first token, stalled), ask `show` anyway every `poll_seconds`, so a stop never
        waits for the next token."""
        while not relay.done():
            await asyncio.wait({relay}, timeout=poll_seconds)
            if relay.done() or time.monotonic() - self.shown < poll_seconds:
                continue
            self.shown = time.monotonic()
            if await self.flush():
                if self.stream is None:
                    relay.cancel()  # still in open_stream: nothing was shown or streamed
                await self.stop()

    async def stop(self) -> None:
        self.stopped = True
        if self.stream is not None:  # ends the relay's loop, even from another task
            await self.stream.aclose()


async def stream_answer(
    p: PreparedAnswer,
    show: Callable[[str], Awaitable[bool]],
    *,
    flush_seconds: float = FLUSH_SECONDS,
    poll_seconds: float = STOP_POLL_SECONDS,
) -> Outcome:
    """Run one answer end to end: relay the provider's text to `show` (at most every
    `flush_seconds`, less often while flushing is slow; it returns True to stop), saving
    each text before it is shown, then settle. While the provider sends nothing, `show` is
    still asked every `poll_seconds`. A stop once the request has reached the provider
    charges at least the prompt; a stop before that (connecting, waiting to retry) charges
    nothing. Whatever happens, the reservation is settled exactly once."""
    relay = _Relay(p, show, flush_seconds)
    task = asyncio.ensure_future(relay.run())
    status, error = MessageStatus.DONE, None
    try:
        try:
            await relay.watch(task, poll_seconds)
        finally:
            task.cancel()  # no-op once it has ended; otherwise this call is being cancelled
        if not task.cancelled():
            error = task.result()
    except ProviderError as exc:
        status, error = _broken(relay), exc.kind
    except Exception:  # a bug must not leave the reservation open or the screen spinning
        log.exception("answer %s failed", p.assistant_message_id)
        status, error = _broken(relay), "unavailable"
    if relay.stopped:
        status, error = MessageStatus.STOPPED, None
    if relay.stream is not None:
        await relay.stream.aclose()  # after a bug in the loop: closes it and leaves a usage
    text = relay.text
    usage = relay.stream.usage if relay.stream else None
    msg = await asyncio.to_thread(_in_tx, finish_answer, p, text, usage, status, error)
    return Outcome(text, status, error, msg.charged or 0 if msg else 0)


def _broken(relay: _Relay) -> MessageStatus:
    return MessageStatus.CUT if relay.parts else MessageStatus.ERROR


def _in_tx(fn: Callable[..., Any], *args: Any) -> Any:
    with write_session() as session:
        return fn(session, *args)
