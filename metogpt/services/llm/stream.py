"""The provider-independent stream: retries, stop, cut and usage (see `open_stream`), and the
helpers the SDK-based provider modules share.

Billing rules this module guarantees (see PRODUCT.md section 3):
- a request is retried only while nothing has been streamed yet, and only for failures
  that cost nothing (connection errors, 429, 5xx), so an answer is never produced twice;
- once text has been streamed, any failure ends the stream with ProviderError("cut") and
  `usage` covering what was produced, so the caller can charge exactly that;
- a failure before any text raises ProviderError (from open_stream or the iterator) with
  `usage` 0/0: nothing was produced, nothing is to be charged;
- a stop (aclose, or the reader cancelled) while a request is open at the provider leaves
  `usage` with at least the prompt, which the provider has received and processed; a stop
  while no request is open (connecting, waiting to retry) leaves 0/0;
- `usage` is the provider's report when it sent one, else a local count (tokens.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx2

from metogpt.services.catalog import ProviderKind
from metogpt.services.llm.errors import UPSTREAM_ERRORS, ProviderError, to_provider_error
from metogpt.services.llm.tokens import count_text_tokens
from metogpt.services.llm.types import ErrorKind, Event, FinishReason, Upstream, Usage

MAX_RETRIES = 2
RETRY_BASE_DELAY = 0.25  # seconds; doubled on each retry
# A longer retry-after is not waited for: the user learns at once instead of staring at a
# spinner, and the error carries retry_after for the UI to show.
MAX_RETRY_WAIT = 5.0

_RETRYABLE: frozenset[ErrorKind] = frozenset({"unavailable", "rate_limit"})


class ChatStream:
    """Async iterator of text deltas; `usage` and `finish_reason` are set once it has ended."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[Upstream]],
        local_prompt_tokens: int,
        kind: ProviderKind,
    ) -> None:
        self.usage: Usage | None = None
        self.finish_reason: FinishReason | None = None
        self._connect = connect
        self._local_prompt_tokens = local_prompt_tokens
        self._kind: ProviderKind = kind  # whose tokens a local count estimates
        self._upstream: Upstream | None = None
        self._parts: list[str] = []
        self._retries = 0
        self._reset_upstream_report()

    def _reset_upstream_report(self) -> None:
        self._reported_prompt: int | None = None
        self._reported_completion: int | None = None
        self._upstream_finish: FinishReason | None = None

    async def start(self) -> None:
        """Send the request, retrying transient failures; raises ProviderError."""
        while self.finish_reason is None:  # aclose() may come from another task meanwhile
            try:
                upstream = await self._connect()
            except UPSTREAM_ERRORS as exc:
                await self._backoff_or_raise(to_provider_error(exc))
                continue
            if self.finish_reason is None:
                self._upstream = upstream
            else:
                await upstream.close()
            return

    def __aiter__(self) -> ChatStream:
        return self

    async def __anext__(self) -> str:
        if self.finish_reason is not None:
            raise StopAsyncIteration
        try:
            return await self._next_text()
        except (StopAsyncIteration, ProviderError):
            raise
        except BaseException as exc:
            if self.finish_reason is None:
                # The consuming task was cancelled, or a bug: still close the upstream and
                # leave a usage behind so the caller can settle the bill.
                cancelled = isinstance(exc, asyncio.CancelledError)
                await self._finish("cancelled" if cancelled else "error")
            raise

    async def aclose(self) -> None:
        """Stop early (closing the upstream HTTP stream); no-op once the stream has ended."""
        if self.finish_reason is None:
            await self._finish("cancelled")

    async def __aenter__(self) -> ChatStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _next_text(self) -> str:
        while True:
            # aclose() may run in another task (a stop button) while this one awaits a chunk.
            if self.finish_reason is not None:
                raise StopAsyncIteration
            assert self._upstream is not None, "open_stream() starts every stream"
            error: ProviderError | None = None
            try:
                event = await anext(self._upstream.events)
            except StopAsyncIteration:
                pass
            except UPSTREAM_ERRORS as exc:
                error = to_provider_error(exc)
            else:
                self._absorb(event)
                if event.text and self.finish_reason is None:
                    self._parts.append(event.text)
                    return event.text
                continue
            if self.finish_reason is None:
                await self._on_break(error)

    def _absorb(self, event: Event) -> None:
        if event.prompt_tokens is not None:
            self._reported_prompt = event.prompt_tokens
        if event.completion_tokens is not None:
            self._reported_completion = event.completion_tokens
        if event.finish_reason is not None:
            self._upstream_finish = event.finish_reason

    async def _on_break(self, error: ProviderError | None) -> None:
        """The upstream ended (error is None) or failed. Retries (returns, with a fresh
        upstream) while nothing was streamed; otherwise ends the stream (raises)."""
        if self._upstream_finish is not None:
            # The model had finished; at most the tail (usage, [DONE]) was lost.
            await self._finish(self._upstream_finish)
            raise StopAsyncIteration
        # Without a finish signal the answer is incomplete, even if the body ended cleanly.
        error = error or ProviderError("unavailable", "The provider's answer broke off.")
        if self._parts:
            await self._finish("error")
            raise ProviderError(
                "cut", "The answer was cut off by a provider error.", status_code=error.status_code
            ) from error
        await self._close_upstream()
        self._reset_upstream_report()
        await self._backoff_or_raise(error)
        await self.start()

    async def _backoff_or_raise(self, error: ProviderError) -> None:
        delay = _retry_delay(error, self._retries)
        if delay is None:
            await self._finish("error")
            raise error
        self._retries += 1
        await asyncio.sleep(delay)

    async def _finish(self, reason: FinishReason) -> None:
        self.finish_reason = reason
        at_provider = self._upstream is not None
        await self._close_upstream()
        self.usage = self._final_usage(at_provider)

    async def _close_upstream(self) -> None:
        upstream, self._upstream = self._upstream, None
        if upstream is None:
            return
        # Closing a broken connection may fail; it is gone either way.
        with contextlib.suppress(*UPSTREAM_ERRORS):
            await upstream.close()

    def _final_usage(self, at_provider: bool) -> Usage:
        """What the answer used. `at_provider`: a request was open when the stream ended
        (a failed request is closed before this, so a failure without text costs nothing)."""
        if not at_provider and not self._parts:
            return Usage(0, 0, reported=False)  # nothing was sent or produced
        prompt = self._reported_prompt
        completion = self._reported_completion
        return Usage(
            prompt_tokens=self._local_prompt_tokens if prompt is None else prompt,
            completion_tokens=(
                count_text_tokens("".join(self._parts), self._kind)
                if completion is None
                else completion
            ),
            reported=prompt is not None and completion is not None,
        )


def _retry_delay(error: ProviderError, retries_done: int) -> float | None:
    """Seconds to wait before retrying, or None when the error must be raised."""
    if error.kind not in _RETRYABLE or retries_done >= MAX_RETRIES:
        return None
    if error.retry_after is not None:
        return error.retry_after if error.retry_after <= MAX_RETRY_WAIT else None
    return RETRY_BASE_DELAY * 2**retries_done


# --- shared by the SDK-based providers ------------------------------------------------------


async def sdk_upstream(
    open_events: Callable[[contextlib.AsyncExitStack], Awaitable[AsyncIterator[Event]]],
) -> Upstream:
    """Run `open_events` (which registers its client and stream on the exit stack) and hand
    what it opened to the upstream, which closes it; on failure it is closed at once.

    A client per request, closed with it: httpx clients are bound to the event loop they
    first ran on, and a cached client outliving its loop would leak its pooled sockets.
    A new connection per answer costs little next to the answer itself."""
    async with contextlib.AsyncExitStack() as cleanup:
        events = await open_events(cleanup)
        owned = cleanup.pop_all()  # success: the upstream now owns the client and stream
    return Upstream(events, owned.aclose)


@functools.cache
def tls() -> ssl.SSLContext:
    """One TLS context for every client: building one (loading the CA bundle) costs tens of
    milliseconds, which each answer would otherwise wait for before its request leaves."""
    return httpx2.create_ssl_context()


def finish_reason(upstream: str | None, *, length: str) -> FinishReason | None:
    """The provider's stop reason as ours: `length` is the provider's name for hitting
    max_tokens; any other reason is a normal stop."""
    if upstream is None:
        return None
    return "length" if upstream == length else "stop"
