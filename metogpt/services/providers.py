"""One streaming interface over OpenAI, Anthropic, OpenAI-compatible endpoints and the demo.

    stream = await open_stream(model, messages, max_tokens)
    try:
        async for delta in stream:
            ...
    finally:
        await stream.aclose()      # no-op after a normal end; stops the upstream otherwise
    stream.usage                   # what to charge

Billing rules this module guarantees (see PRODUCT.md section 3):
- a request is retried only while nothing has been streamed yet, and only for failures
  that cost nothing (connection errors, 429, 5xx), so an answer is never produced twice;
- once text has been streamed, any failure ends the stream with ProviderError("cut") and
  `usage` covering what was produced, so the caller can charge exactly that;
- a failure before any text raises ProviderError (from open_stream or the iterator) with
  `usage` 0/0: nothing was produced, nothing is to be charged;
- `usage` is the provider's report when it sent one, else a local count (tokens.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import functools
import re
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import anthropic
import httpx2
import openai

from metogpt.services.catalog import Catalog, ModelSpec, ProviderSpec, get_catalog
from metogpt.services.tokens import count_prompt_tokens, count_text_tokens
from metogpt.settings import demo_delay

ErrorKind = Literal["auth", "rate_limit", "unavailable", "bad_request", "timeout", "cut"]
FinishReason = Literal["stop", "length", "cancelled", "error"]

MAX_RETRIES = 2
RETRY_BASE_DELAY = 0.25  # seconds; doubled on each retry
# A longer retry-after is not waited for: the user learns at once instead of staring at a
# spinner, and the error carries retry_after for the UI to show.
MAX_RETRY_WAIT = 5.0

_RETRYABLE: frozenset[ErrorKind] = frozenset({"unavailable", "rate_limit"})


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(slots=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    reported: bool  # False when any part was counted locally


class ProviderError(Exception):
    """A provider failure, with a short English message that never contains the API key.

    `kind` is one of auth, rate_limit, unavailable, bad_request, timeout, cut (the answer
    broke off after text had been streamed). `retry_after` is the provider's hint in seconds.
    """

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        retry_after: float | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.retry_after = retry_after
        self.status_code = status_code


@dataclass(frozen=True, slots=True)
class _Event:
    """What one upstream chunk tells us; any field may be absent."""

    text: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: FinishReason | None = None


@dataclass(frozen=True, slots=True)
class _Upstream:
    """One upstream request in flight."""

    events: AsyncIterator[_Event]
    close: Callable[[], Awaitable[None]]


_Connect = Callable[[], Awaitable[_Upstream]]

# Failures of the network or of the provider, as opposed to bugs in our code, which propagate.
# Anthropic's stream lets transport errors through unwrapped, hence httpx2 and OSError.
_UPSTREAM_ERRORS = (openai.APIError, anthropic.APIError, httpx2.HTTPError, OSError)
_TIMEOUT_ERRORS = (openai.APITimeoutError, anthropic.APITimeoutError, httpx2.TimeoutException)


class ChatStream:
    """Async iterator of text deltas; `usage` and `finish_reason` are set once it has ended."""

    def __init__(self, connect: _Connect, local_prompt_tokens: int) -> None:
        self.usage: Usage | None = None
        self.finish_reason: FinishReason | None = None
        self._connect = connect
        self._local_prompt_tokens = local_prompt_tokens
        self._upstream: _Upstream | None = None
        self._parts: list[str] = []
        self._retries = 0
        self._reset_upstream_report()

    def _reset_upstream_report(self) -> None:
        self._reported_prompt: int | None = None
        self._reported_completion: int | None = None
        self._upstream_finish: FinishReason | None = None

    async def _start(self) -> None:
        """Send the request, retrying transient failures; raises ProviderError."""
        while self.finish_reason is None:  # aclose() may come from another task meanwhile
            try:
                upstream = await self._connect()
            except _UPSTREAM_ERRORS as exc:
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
            except _UPSTREAM_ERRORS as exc:
                error = to_provider_error(exc)
            else:
                self._absorb(event)
                if event.text and self.finish_reason is None:
                    self._parts.append(event.text)
                    return event.text
                continue
            if self.finish_reason is None:
                await self._on_break(error)

    def _absorb(self, event: _Event) -> None:
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
        await self._start()

    async def _backoff_or_raise(self, error: ProviderError) -> None:
        delay = _retry_delay(error, self._retries)
        if delay is None:
            await self._finish("error")
            raise error
        self._retries += 1
        await asyncio.sleep(delay)

    async def _finish(self, reason: FinishReason) -> None:
        self.finish_reason = reason
        await self._close_upstream()
        self.usage = self._final_usage(reason)

    async def _close_upstream(self) -> None:
        upstream, self._upstream = self._upstream, None
        if upstream is None:
            return
        # Closing a broken connection may fail; it is gone either way.
        with contextlib.suppress(*_UPSTREAM_ERRORS):
            await upstream.close()

    def _final_usage(self, reason: FinishReason) -> Usage:
        if reason == "error" and not self._parts:
            return Usage(0, 0, reported=False)  # nothing was produced, nothing to charge
        prompt = self._reported_prompt
        completion = self._reported_completion
        return Usage(
            prompt_tokens=self._local_prompt_tokens if prompt is None else prompt,
            completion_tokens=(
                count_text_tokens("".join(self._parts)) if completion is None else completion
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


def to_provider_error(exc: BaseException) -> ProviderError:
    """Map an SDK or transport exception to a ProviderError (never echoing the SDK message,
    which may quote part of the key)."""
    if isinstance(exc, _TIMEOUT_ERRORS):
        return ProviderError("timeout", "The provider did not answer in time.")
    if isinstance(exc, openai.APIStatusError | anthropic.APIStatusError):
        return _status_error(exc.status_code, exc.response.headers)
    if isinstance(exc, openai.APIConnectionError | anthropic.APIConnectionError | OSError):
        return ProviderError("unavailable", "Could not reach the provider.")
    return ProviderError("unavailable", "The provider failed while answering.")


def _status_error(status: int, headers: httpx2.Headers) -> ProviderError:
    if status < 400:
        # An error event inside a 200 stream (e.g. Anthropic's overloaded_error).
        return ProviderError("unavailable", "The provider failed while answering.")
    if status in (401, 403):
        return ProviderError(
            "auth", f"The provider rejected the API key (HTTP {status}).", status_code=status
        )
    if status == 429:
        return ProviderError(
            "rate_limit",
            "The provider is rate-limiting requests; try again shortly.",
            retry_after=_retry_after(headers),
            status_code=status,
        )
    if status == 408:
        return ProviderError("timeout", "The provider did not answer in time.", status_code=status)
    if status >= 500:
        return ProviderError(
            "unavailable",
            f"The provider is unavailable right now (HTTP {status}).",
            retry_after=_retry_after(headers),
            status_code=status,
        )
    return ProviderError(
        "bad_request", f"The provider refused the request (HTTP {status}).", status_code=status
    )


def _retry_after(headers: httpx2.Headers) -> float | None:
    """The retry-after hint in seconds: retry-after-ms (OpenAI), seconds, or an HTTP date."""
    try:
        if (millis := headers.get("retry-after-ms")) is not None:
            return max(float(millis) / 1000, 0.0)
        if (value := headers.get("retry-after")) is None:
            return None
        if re.fullmatch(r"\s*\d+(\.\d+)?\s*", value):
            return float(value)
        return max(email.utils.parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


# --- providers ----------------------------------------------------------------------------


async def open_stream(
    model: ModelSpec,
    messages: Sequence[ChatMessage],
    max_tokens: int,
    *,
    catalog: Catalog | None = None,
    timeout: float = 60.0,
) -> ChatStream:
    """Send the chat request and return its stream of text deltas.

    Raises ProviderError when the request fails before anything is streamed (after retries).
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    if not messages:
        raise ValueError("messages must not be empty")
    catalog = catalog or get_catalog()
    provider = catalog.provider_for(model.name)
    request = _Request(
        provider=provider,
        api_key=catalog.api_key(provider.name) or "",
        model=model,
        messages=list(messages),
        max_tokens=max_tokens,
        timeout=timeout,
    )
    stream = ChatStream(lambda: _connect(request), count_prompt_tokens(messages))
    await stream._start()
    return stream


@dataclass(frozen=True, slots=True)
class _Request:
    """Everything needed to (re)send one chat request."""

    provider: ProviderSpec
    api_key: str = field(repr=False)
    model: ModelSpec
    messages: list[ChatMessage]
    max_tokens: int
    timeout: float


async def _connect(request: _Request) -> _Upstream:
    if request.provider.kind == "demo":
        return _demo_connect(request)
    # A client per request, closed with it: httpx clients are bound to the event loop they
    # first ran on, and a cached client outliving its loop would leak its pooled sockets.
    # A new connection per answer costs little next to the answer itself.
    async with contextlib.AsyncExitStack() as cleanup:
        if request.provider.kind == "anthropic":
            events = await _anthropic_events(request, cleanup)
        else:
            events = await _openai_events(request, cleanup)
        owned = cleanup.pop_all()  # success: the upstream now owns the client and stream
    return _Upstream(events, owned.aclose)


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every client: building one (loading the CA bundle) costs tens of
    milliseconds, which each answer would otherwise wait for before its request leaves."""
    return httpx2.create_ssl_context()


async def _openai_events(
    request: _Request, cleanup: contextlib.AsyncExitStack
) -> AsyncIterator[_Event]:
    # max_retries=0: retrying is ours to decide, because only we know whether text was shown.
    client = openai.AsyncOpenAI(
        api_key=request.api_key,
        base_url=request.provider.base_url,
        max_retries=0,
        timeout=request.timeout,
        http_client=openai.DefaultAsyncHttpxClient(verify=_tls()),
    )
    cleanup.push_async_callback(client.close)
    stream = await client.chat.completions.create(
        model=request.model.upstream_id,
        messages=[{"role": m.role, "content": m.content} for m in request.messages],
        max_tokens=request.max_tokens,
        stream=True,
        stream_options={"include_usage": True},
    )
    cleanup.push_async_callback(stream.close)

    async def events() -> AsyncIterator[_Event]:
        async for chunk in stream:
            if chunk.usage is not None:
                yield _Event(
                    prompt_tokens=chunk.usage.prompt_tokens,
                    completion_tokens=chunk.usage.completion_tokens,
                )
            if chunk.choices:  # the final usage chunk has none
                choice = chunk.choices[0]
                yield _Event(
                    text=(choice.delta.content or "") if choice.delta else "",
                    finish_reason=_finish_reason(choice.finish_reason, length="length"),
                )

    return events()


async def _anthropic_events(
    request: _Request, cleanup: contextlib.AsyncExitStack
) -> AsyncIterator[_Event]:
    client = anthropic.AsyncAnthropic(
        api_key=request.api_key,
        base_url=request.provider.base_url,
        max_retries=0,
        timeout=request.timeout,
        http_client=anthropic.DefaultAsyncHttpxClient(verify=_tls()),
    )
    cleanup.push_async_callback(client.close)
    # Anthropic takes the system prompt as a parameter, not as a message.
    system = "\n\n".join(m.content for m in request.messages if m.role == "system")
    stream = await client.messages.create(
        model=request.model.upstream_id,
        messages=[
            {"role": m.role, "content": m.content} for m in request.messages if m.role != "system"
        ],
        system=system or anthropic.omit,
        max_tokens=request.max_tokens,
        stream=True,
    )
    cleanup.push_async_callback(stream.close)

    async def events() -> AsyncIterator[_Event]:
        async for event in stream:
            if event.type == "message_start":
                yield _Event(prompt_tokens=_anthropic_input_tokens(event.message.usage))
            elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                yield _Event(text=event.delta.text)
            elif event.type == "message_delta":
                yield _Event(
                    prompt_tokens=_anthropic_input_tokens(event.usage),
                    completion_tokens=event.usage.output_tokens,
                    finish_reason=_finish_reason(event.delta.stop_reason, length="max_tokens"),
                )

    return events()


def _anthropic_input_tokens(usage: Any) -> int | None:
    """All prompt tokens, cached ones included (they are part of what was sent)."""
    if usage.input_tokens is None:
        return None
    cached = (usage.cache_creation_input_tokens or 0) + (usage.cache_read_input_tokens or 0)
    return usage.input_tokens + cached


def _finish_reason(upstream: str | None, *, length: str) -> FinishReason | None:
    if upstream is None:
        return None
    return "length" if upstream == length else "stop"


# --- demo provider ------------------------------------------------------------------------

_DEMO_OPENINGS = ("Happy to help!", "Good question!", "Sure thing!", "Let's see.")


def _demo_connect(request: _Request) -> _Upstream:
    text = demo_answer(request.model, request.messages)
    delay = demo_delay()
    stopped = asyncio.Event()

    async def events() -> AsyncIterator[_Event]:
        budget = request.max_tokens
        # Word by word, leading whitespace kept so that the deltas join back into the text.
        for piece in re.findall(r"\s*\S+", text):
            cost = count_text_tokens(piece)
            if cost > budget:
                yield _Event(finish_reason="length")
                return
            budget -= cost
            await asyncio.sleep(delay * cost)
            if stopped.is_set():
                return
            yield _Event(text=piece)
        yield _Event(finish_reason="stop")

    async def close() -> None:
        # A flag rather than aclose(): the generator may be running in another task.
        stopped.set()

    return _Upstream(events(), close)


def demo_answer(model: ModelSpec, messages: Sequence[ChatMessage]) -> str:
    """The demo provider's Markdown answer: the same question always gets the same answer."""
    question = next((m.content for m in reversed(messages) if m.role == "user"), "")
    words = question.split()
    summary = " ".join(words[:12]) + (" …" if len(words) > 12 else "")
    opening = _DEMO_OPENINGS[zlib.crc32(question.encode()) % len(_DEMO_OPENINGS)]
    why = (
        "you picked the built-in demo model"
        if model.provider == "demo"
        else f"no API key is configured for **{model.label}**"
    )
    return (
        f"{opening} This answer comes from the **demo provider**: {why}, "
        "so no real AI model was asked.\n\n"
        f"You asked:\n\n> {summary or '(an empty message)'}\n\n"
        "A real model would answer that properly. Meanwhile, here is how answers look:\n\n"
        "- **bold** and *italic* text, lists and `inline code`;\n"
        "- code blocks with highlighting:\n\n"
        "```python\n"
        "def greet(name: str) -> str:\n"
        '    return f"Hello, {name}!"\n'
        "```\n\n"
        "Set `OPENAI_API_KEY` or `ANTHROPIC_API_KEY` to get real answers."
    )
