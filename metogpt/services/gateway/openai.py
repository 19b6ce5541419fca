"""OpenAI and OpenAI-compatible providers: the client's request goes on as it came (the
model's upstream name, the cap on answer tokens and the usage option set by us), and the
provider's chunks come back byte for byte unless the model name has to be changed back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from metogpt.services.catalog import get_catalog
from metogpt.services.gateway.calls import Call
from metogpt.services.gateway.tickets import Ticket
from metogpt.services.gateway.upstream import Meter, cut, dumps, loads, send, translated
from metogpt.services.gateway.wire import Response, WireError


class OpenAIUpstream:
    def __init__(self, ticket: Ticket, call: Call) -> None:
        self.ticket, self.call = ticket, call
        self.meter = Meter(call.model, reader=_read)
        self.response: Response | None = None
        # The provider's chunks name its own model; rewritten only if that is not ours.
        self.rename = ticket.spec.upstream_id != call.model

    async def open(self) -> None:
        catalog = get_catalog()
        provider = catalog.provider_for(self.ticket.spec.name)
        body = dict(self.call.body)
        body["model"] = self.ticket.spec.upstream_id
        cap = "max_completion_tokens" if "max_completion_tokens" in body else "max_tokens"
        body[cap] = self.ticket.max_tokens
        if self.call.stream:
            body["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
        self.response = await send(
            f"{(provider.base_url or '').rstrip('/')}/chat/completions",
            [
                ("Authorization", f"Bearer {catalog.api_key(provider.name) or ''}"),
                ("Content-Type", "application/json"),
            ],
            dumps(body),
        )
        self.meter.reached = True

    def events(self) -> AsyncIterator[bytes]:
        assert self.response is not None
        return translated(self.response, self._event)

    def _event(self, data: bytes) -> bytes:
        """One provider's event as the client gets it (b"": none), the meter updated."""
        data = data.strip()
        if data == b"[DONE]":
            return b""  # read to the end all the same: the connection goes back to the pool
        chunk = loads(data)
        if not isinstance(chunk, dict) or "error" in chunk:
            raise cut()
        meter = self.meter
        usage = chunk.get("usage")
        if usage:
            meter.prompt_tokens = usage.get("prompt_tokens")
            meter.completion_tokens = usage.get("completion_tokens")
        choices = chunk.get("choices")
        if not choices:
            return b""  # the usage chunk: the relay sends its own
        if not meter.id:
            meter.id = chunk.get("id") or ""
        meter.unread.append(choices)  # read for its text only if needed: half the time here
        if self.rename:
            chunk["model"] = self.call.model
            return b"data: " + dumps(chunk) + b"\n\n"
        return b"data: " + data + b"\n\n"

    async def complete(self) -> dict[str, Any]:
        assert self.response is not None
        try:
            body = loads(await self.response.read())
        except (WireError, ValueError):
            raise cut() from None
        usage = body.get("usage") or {}
        self.meter.prompt_tokens = usage.get("prompt_tokens")
        self.meter.completion_tokens = usage.get("completion_tokens")
        for choice in body.get("choices") or []:
            _count(self.meter, choice.get("message") or {})
        if self.rename:
            body["model"] = self.call.model
        return body

    async def aclose(self) -> None:
        if self.response is not None:
            await self.response.aclose()


def _read(meter: Meter, choices: Any) -> None:
    """A streamed chunk's choices, read for their text (Meter.streamed)."""
    first = choices[0] if isinstance(choices, list) else None
    if isinstance(first, dict) and isinstance(first.get("delta"), dict):
        _count(meter, first["delta"])


def _count(meter: Meter, delta: dict[str, Any]) -> None:
    """Keep the text and tool arguments: counted locally if no usage comes."""
    content = delta.get("content")
    if content:
        meter.parts.append(content)
    for call in delta.get("tool_calls") or ():
        arguments = (call.get("function") or {}).get("arguments")
        if arguments:
            meter.parts.append(arguments)
