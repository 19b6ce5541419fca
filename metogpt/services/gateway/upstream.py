"""What every upstream of the API shares: the meter of what an answer used, the request to
the provider (wire.py: connections kept alive) and the mapping of a provider's refusal to
an OpenAI error.

An upstream (openai.py, anthropic.py, local.py) is opened once the credits are reserved;
`open` raises GatewayError when the provider refuses before answering (nothing is charged
then). `events` yields the answer as OpenAI `chat.completion.chunk` SSE events (bytes,
without the usage chunk and `[DONE]`, which the relay adds); `complete` returns a whole
`chat.completion`. Both keep the meter up to date.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from metogpt.services.gateway import wire
from metogpt.services.gateway.errors import GatewayError
from metogpt.services.gateway.wire import Response
from metogpt.services.llm.stream import tls


@dataclass(slots=True)
class Meter:
    """What the answer used so far, and the ids its chunks carry."""

    model: str
    id: str = ""
    created: int = field(default_factory=lambda: int(time.time()))
    reached: bool = False  # the provider answered: the prompt is paid for from here on
    prompt_tokens: int | None = None  # as the provider reported them
    completion_tokens: int | None = None
    parts: list[str] = field(default_factory=list)  # text and tool arguments streamed
    finish_reason: str | None = None
    # Chunks passed on before being read for their text, and how to read one: their text
    # is needed only if no usage comes, or for a progress save (`streamed`).
    unread: list[Any] = field(default_factory=list)
    reader: Callable[[Meter, Any], None] | None = None

    def streamed(self) -> list[str]:
        """The text and tool arguments streamed so far."""
        if self.unread:
            assert self.reader is not None
            for item in self.unread:
                self.reader(self, item)
            self.unread.clear()
        return self.parts

    def chunk(self, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return event(
            {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
                "choices": [choice],
                **extra,
            }
        )

    def usage(self, prompt: int, completion: int) -> dict[str, int]:
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }


def loads(raw: bytes) -> Any:
    """JSON from a provider: orjson (~3x the standard library's speed on a stream's chunks),
    the standard library for what orjson refuses (integers past 64 bits)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def dumps(data: Any) -> bytes:
    """Compact JSON (orjson: ~20x the standard library's speed), the standard library for
    what orjson refuses."""
    try:
        return orjson.dumps(data)
    except TypeError:
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def event(data: dict[str, Any]) -> bytes:
    return b"data: " + dumps(data) + b"\n\n"


async def translated(response: Response, event: Callable[[bytes], bytes]) -> AsyncIterator[bytes]:
    """The provider's SSE `data:` lines as the client gets them (`event` of each line's
    data; b"": nothing), all those that have arrived in one piece. When the provider breaks
    off, what was made of its last lines is passed on first (the meter counted it), then
    GatewayError."""
    try:
        async for lines in response.line_batches():
            out: list[bytes] = []
            failed = False
            for line in lines:
                if line[:5] == b"data:":
                    try:
                        out.append(event(line[5:]))
                    except (GatewayError, ValueError):
                        failed = True
                        break
            if any(out):
                yield b"".join(out)
            if failed:
                raise cut()
    except (wire.WireError, ValueError):
        raise cut() from None


class Upstream(Protocol):
    meter: Meter

    async def open(self) -> None: ...

    def events(self) -> AsyncIterator[bytes]: ...

    async def complete(self) -> dict[str, Any]: ...

    async def aclose(self) -> None: ...


async def send(url: str, headers: list[tuple[str, str]], body: bytes) -> Response:
    """POST to the provider, the answer's body to be read; a refusal (HTTP >= 400) or a
    failure to connect raises GatewayError."""
    try:
        response = await wire.post(url, headers, body, tls())
    except wire.WireTimeout:
        raise GatewayError(
            504, "the model provider did not answer in time", "server_error"
        ) from None
    except wire.WireError:
        raise GatewayError(502, "the model provider cannot be reached", "server_error") from None
    if response.status >= 400:
        try:
            raw = await response.read(limit=1_000_000)
        except wire.WireError:
            raw = b""
        await response.aclose()
        raise refusal(response.status, raw, response.headers.get("retry-after"))
    return response


def refusal(status: int, raw: bytes, retry_after: str | None) -> GatewayError:
    """A provider's error as ours. Its own credentials' problems (401/403) are not the
    client's: they become a 502 that does not repeat the provider's text (OpenAI echoes
    the key it was given)."""
    if status == 429:
        seconds = _seconds(retry_after)
        return GatewayError(
            429,
            "the model provider is rate limiting; try again later",
            "requests",
            "rate_limit_exceeded",
            retry_after=seconds,
        )
    if status in (400, 404, 413, 422):
        return GatewayError(400, f"the model provider refused the request: {_message(raw)}")
    return GatewayError(502, f"the model provider failed (HTTP {status})", "server_error")


def _seconds(value: str | None) -> int:
    try:
        return max(1, int(float(value or "1") + 0.999))
    except ValueError:
        return 1


def _message(raw: bytes) -> str:
    try:
        body = json.loads(raw)
        error = body.get("error") if isinstance(body, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
    except ValueError:
        message = None
    return str(message or raw[:200].decode("utf-8", "replace"))[:500]


def cut(status: int = 502) -> GatewayError:
    return GatewayError(status, "the model provider broke off the answer", "server_error")
