"""Anthropic's Messages API behind the OpenAI shape: the request translated one way
(system prompt, tool calls and results, stop sequences, images), the answer the other
(text and tool-use blocks, stop reasons, usage), streaming included."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from metogpt.services.catalog import get_catalog
from metogpt.services.gateway.calls import Call, content_text
from metogpt.services.gateway.tickets import Ticket
from metogpt.services.gateway.upstream import Meter, cut, dumps, loads, send, translated
from metogpt.services.gateway.wire import Response, WireError

VERSION = "2023-06-01"
_FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
}


def _parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks: list[dict[str, Any]] = []
    for part in content if isinstance(content, list) else ():
        if not isinstance(part, dict):
            continue
        if part.get("type") == "text":
            blocks.append({"type": "text", "text": str(part.get("text") or "")})
        elif part.get("type") == "image_url":
            url = str((part.get("image_url") or {}).get("url") or "")
            if url.startswith("data:") and ";base64," in url:
                media, data = url[5:].split(";base64,", 1)
                source = {"type": "base64", "media_type": media, "data": data}
            else:
                source = {"type": "url", "url": url}
            blocks.append({"type": "image", "source": source})
    return blocks


def _arguments(raw: Any) -> Any:
    try:
        return json.loads(raw) if isinstance(raw, str) and raw else {}
    except ValueError:
        return {}


def _message(m: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    role = m["role"]
    if role in ("tool", "function"):
        result = {
            "type": "tool_result",
            "tool_use_id": str(m.get("tool_call_id") or m.get("name") or ""),
            "content": content_text(m.get("content")),
        }
        return "user", [result]
    blocks = _parts(m.get("content"))
    if role == "assistant":
        for call in m.get("tool_calls") or ():
            function = call.get("function") or {}
            blocks.append(
                {
                    "type": "tool_use",
                    "id": call.get("id"),
                    "name": function.get("name"),
                    "input": _arguments(function.get("arguments")),
                }
            )
    return ("assistant" if role == "assistant" else "user"), blocks


def request_body(ticket: Ticket, call: Call) -> dict[str, Any]:
    """The OpenAI request as a Messages API request."""
    system = "\n\n".join(
        content_text(m.get("content"))
        for m in call.messages
        if m["role"] in ("system", "developer")
    )
    messages: list[dict[str, Any]] = []
    for m in call.messages:
        if m["role"] in ("system", "developer"):
            continue
        role, blocks = _message(m)
        if messages and messages[-1]["role"] == role:  # Anthropic wants turns to alternate
            messages[-1]["content"].extend(blocks)
        else:
            messages.append({"role": role, "content": blocks})
    body: dict[str, Any] = {
        "model": ticket.spec.upstream_id,
        "messages": messages,
        "max_tokens": ticket.max_tokens,
        "stream": call.stream,
    }
    if system:
        body["system"] = system
    source = call.body
    if source.get("temperature") is not None:
        body["temperature"] = min(float(source["temperature"]), 1.0)  # Anthropic: 0..1
    if source.get("top_p") is not None:
        body["top_p"] = source["top_p"]
    stop = source.get("stop")
    if stop:
        body["stop_sequences"] = [stop] if isinstance(stop, str) else stop
    tools = [t.get("function") or {} for t in source.get("tools") or () if isinstance(t, dict)]
    if tools:
        body["tools"] = [
            {
                "name": f.get("name"),
                "description": f.get("description") or "",
                "input_schema": f.get("parameters") or {"type": "object", "properties": {}},
            }
            for f in tools
        ]
        choice = _tool_choice(source.get("tool_choice"))
        if choice:
            body["tool_choice"] = choice
    return body


def _tool_choice(choice: Any) -> dict[str, Any] | None:
    if choice == "required":
        return {"type": "any"}
    if choice in ("auto", "none"):
        return {"type": choice}
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        return {"type": "tool", "name": choice["function"].get("name")}
    return None


def _input_tokens(usage: dict[str, Any]) -> int | None:
    """All prompt tokens, cached ones included."""
    if usage.get("input_tokens") is None:
        return None
    cached = (usage.get("cache_creation_input_tokens") or 0) + (
        usage.get("cache_read_input_tokens") or 0
    )
    return usage["input_tokens"] + cached


class AnthropicUpstream:
    def __init__(self, ticket: Ticket, call: Call) -> None:
        self.ticket, self.call = ticket, call
        self.meter = Meter(call.model)
        self.response: Response | None = None
        self.tools: dict[int, int] = {}  # Anthropic's block index -> OpenAI's tool call index

    async def open(self) -> None:
        catalog = get_catalog()
        provider = catalog.provider_for(self.ticket.spec.name)
        self.response = await send(
            f"{(provider.base_url or '').rstrip('/')}/v1/messages",
            [
                ("x-api-key", catalog.api_key(provider.name) or ""),
                ("anthropic-version", VERSION),
                ("Content-Type", "application/json"),
            ],
            dumps(request_body(self.ticket, self.call)),
        )
        self.meter.reached = True

    def events(self) -> AsyncIterator[bytes]:
        assert self.response is not None
        return translated(self.response, self._event)

    def _event(self, raw: bytes) -> bytes:
        """One Anthropic event as an OpenAI chunk (b"": none), the meter updated."""
        data = loads(raw)
        if not isinstance(data, dict):
            raise cut()
        meter = self.meter
        kind = data.get("type")
        if kind == "message_start":
            message = data.get("message") or {}
            meter.id = "chatcmpl-" + str(message.get("id") or "")
            meter.prompt_tokens = _input_tokens(message.get("usage") or {})
            return meter.chunk({"role": "assistant", "content": ""})
        if kind == "content_block_start":
            block = data.get("content_block") or {}
            if block.get("type") == "tool_use":
                self.tools[data.get("index", 0)] = index = len(self.tools)
                call = {
                    "index": index,
                    "id": block.get("id"),
                    "type": "function",
                    "function": {"name": block.get("name"), "arguments": ""},
                }
                return meter.chunk({"tool_calls": [call]})
        elif kind == "content_block_delta":
            delta = data.get("delta") or {}
            if delta.get("type") == "text_delta":
                meter.parts.append(delta.get("text") or "")
                return meter.chunk({"content": delta.get("text") or ""})
            if delta.get("type") == "input_json_delta":
                partial = delta.get("partial_json") or ""
                meter.parts.append(partial)
                index = self.tools.get(data.get("index", 0), 0)
                call = {"index": index, "function": {"arguments": partial}}
                return meter.chunk({"tool_calls": [call]})
        elif kind == "message_delta":
            usage = data.get("usage") or {}
            meter.prompt_tokens = _input_tokens(usage) or meter.prompt_tokens
            if usage.get("output_tokens") is not None:
                meter.completion_tokens = usage["output_tokens"]
            reason = (data.get("delta") or {}).get("stop_reason")
            meter.finish_reason = _FINISH.get(reason or "", "stop")
        elif kind == "message_stop":  # read on to the end all the same: the connection is reused
            return meter.chunk({}, meter.finish_reason or "stop")
        elif kind == "error":
            raise cut()
        return b""

    async def complete(self) -> dict[str, Any]:
        assert self.response is not None
        try:
            body = loads(await self.response.read())
        except (WireError, ValueError):
            raise cut() from None
        meter = self.meter
        usage = body.get("usage") or {}
        meter.prompt_tokens = _input_tokens(usage)
        meter.completion_tokens = usage.get("output_tokens")
        text, calls = [], []
        for block in body.get("content") or ():
            if block.get("type") == "text":
                text.append(block.get("text") or "")
            elif block.get("type") == "tool_use":
                arguments = json.dumps(block.get("input") or {})
                calls.append(
                    {
                        "id": block.get("id"),
                        "type": "function",
                        "function": {"name": block.get("name"), "arguments": arguments},
                    }
                )
        meter.parts.extend(text)
        message: dict[str, Any] = {"role": "assistant", "content": "".join(text) or None}
        if calls:
            message["tool_calls"] = calls
        finish = _FINISH.get(body.get("stop_reason") or "", "stop")
        return {
            "id": "chatcmpl-" + str(body.get("id") or ""),
            "object": "chat.completion",
            "created": meter.created,
            "model": self.call.model,
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
            ],
            "usage": meter.usage(meter.prompt_tokens or 0, meter.completion_tokens or 0),
        }

    async def aclose(self) -> None:
        if self.response is not None:
            await self.response.aclose()
