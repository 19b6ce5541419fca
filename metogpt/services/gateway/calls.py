"""One `/v1/chat/completions` request, read and checked before anything is reserved.

The body is kept as the client sent it: for an OpenAI upstream it goes on almost unchanged
(model name, max_tokens and the usage option set by us), so parameters we do not know are
the provider's to accept or refuse. What billing needs is read out of it here.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from metogpt.services.gateway.errors import GatewayError, bad_request
from metogpt.services.gateway.upstream import loads
from metogpt.services.llm.tokens import TOKENS_PER_MESSAGE, TOKENS_PER_REPLY, encoding

MAX_BODY = 8_000_000
_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


@dataclass(frozen=True, slots=True)
class Call:
    body: dict[str, Any]
    model: str
    messages: list[dict[str, Any]]
    stream: bool
    include_usage: bool
    max_tokens: int | None  # the client's cap, if any
    prompt_tokens: int  # local count (cl100k_base), what the reservation is sized on


def content_text(content: Any) -> str:
    """The text of a message's content: a string or a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(p.get("text") or "") for p in content if isinstance(p, dict) and "text" in p
        )
    return ""


def _count(messages: list[dict[str, Any]], tools: Any) -> int:
    enc = encoding()
    total = TOKENS_PER_REPLY
    for m in messages:
        total += TOKENS_PER_MESSAGE + len(enc.encode_ordinary(content_text(m.get("content"))))
        if m.get("tool_calls"):
            total += len(enc.encode_ordinary(json.dumps(m["tool_calls"])))
    if tools:
        total += len(enc.encode_ordinary(json.dumps(tools)))
    return total


def _positive_int(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise bad_request(f"{name} must be a positive integer", name)
    return value


def _number(body: dict[str, Any], name: str, low: float, high: float) -> None:
    value = body.get(name)
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        raise bad_request(f"{name} must be a number from {low:g} to {high:g}", name)


def parse(raw: bytes) -> Call:
    """The request, or a 400 saying what is wrong with it."""
    if len(raw) > MAX_BODY:
        raise GatewayError(413, f"request body larger than {MAX_BODY} bytes")
    try:
        body = loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise bad_request("model is required", "model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise bad_request("messages must be a non-empty array", "messages")
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in _ROLES:
            raise bad_request(f"messages[{i}] needs a role of {sorted(_ROLES)}", "messages")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise bad_request("stream must be true or false", "stream")
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise bad_request("stream_options must be an object", "stream_options")
    if body.get("n") not in (None, 1):
        raise bad_request("only n=1 is supported", "n")
    cap = _positive_int(body, "max_completion_tokens") or _positive_int(body, "max_tokens")
    _number(body, "temperature", 0, 2)
    _number(body, "top_p", 0, 1)
    stop = body.get("stop")
    if stop is not None and not (
        isinstance(stop, str)
        or (isinstance(stop, list) and len(stop) <= 4 and all(isinstance(s, str) for s in stop))
    ):
        raise bad_request("stop must be a string or up to 4 strings", "stop")
    tools = body.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise bad_request("tools must be an array", "tools")
    return Call(
        body=body,
        model=model,
        messages=messages,
        stream=stream,
        include_usage=bool(stream and options and options.get("include_usage")),
        max_tokens=cap,
        prompt_tokens=_count(messages, tools),
    )
