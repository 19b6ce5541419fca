"""Models served by the offline demo provider (no provider key configured): its text
deltas through llm.open_stream, dressed as OpenAI chunks. Text only: tools are ignored."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from metogpt.services import llm
from metogpt.services.gateway.calls import Call, content_text
from metogpt.services.gateway.tickets import Ticket
from metogpt.services.gateway.upstream import Meter, cut
from metogpt.services.llm import ChatMessage, ProviderError


class LocalUpstream:
    def __init__(self, ticket: Ticket, call: Call) -> None:
        self.ticket, self.call = ticket, call
        self.meter = Meter(call.model, id=f"chatcmpl-{uuid.uuid4().hex}")
        self.stream: llm.ChatStream | None = None

    async def open(self) -> None:
        messages = [
            ChatMessage(
                "system"
                if m["role"] in ("system", "developer")
                else "assistant"
                if m["role"] == "assistant"
                else "user",
                content_text(m.get("content")),
            )
            for m in self.call.messages
        ]
        try:
            self.stream = await llm.open_stream(
                self.ticket.spec,
                messages,
                self.ticket.max_tokens,
                prompt_tokens=self.ticket.prompt_tokens,
            )
        except ProviderError:
            raise cut() from None
        self.meter.reached = True

    async def events(self) -> AsyncIterator[bytes]:
        assert self.stream is not None
        meter = self.meter
        yield meter.chunk({"role": "assistant", "content": ""})
        try:
            async for delta in self.stream:
                meter.parts.append(delta)
                yield meter.chunk({"content": delta})
        except ProviderError:
            raise cut() from None
        self._usage()
        yield meter.chunk({}, meter.finish_reason)

    def _usage(self) -> None:
        assert self.stream is not None
        usage = self.stream.usage
        if usage is None:
            return
        self.meter.prompt_tokens = usage.prompt_tokens
        self.meter.completion_tokens = usage.completion_tokens
        self.meter.finish_reason = "length" if self.stream.finish_reason == "length" else "stop"

    async def complete(self) -> dict[str, Any]:
        async for _ in self.events():
            pass
        meter = self.meter
        message = {"role": "assistant", "content": "".join(meter.parts)}
        choice = {"index": 0, "message": message, "logprobs": None}
        return {
            "id": meter.id,
            "object": "chat.completion",
            "created": meter.created,
            "model": self.call.model,
            "choices": [{**choice, "finish_reason": meter.finish_reason}],
        }

    async def aclose(self) -> None:
        if self.stream is not None:
            await self.stream.aclose()
