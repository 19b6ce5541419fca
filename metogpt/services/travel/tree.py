"""What an import file becomes before anything is written: conversations as trees of
messages keyed by the file's own ids, checked whole (every parent known, no cycle, sane
sizes). The parsers (metogpt_format.py, librechat.py, chatgpt.py) build these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from metogpt.services.conversations import MAX_SYSTEM_CHARS, MAX_TITLE
from metogpt.services.errors import ErrorCode, InvalidInput

MAX_MESSAGE_CHARS = 1_000_000
MAX_MESSAGES = 20_000  # in one conversation


@dataclass
class ParsedMessage:
    key: str
    parent: str | None
    role: str  # user | assistant
    content: str
    model: str | None = None
    status: str = "done"
    error: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    coefficient: str | None = None
    created_at: datetime | None = None


@dataclass
class ParsedConversation:
    title: str
    messages: list[ParsedMessage] = field(default_factory=list)
    active_leaf: str | None = None
    model: str = ""
    system_prompt: str = ""
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    archived: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None


def refuse(where: str, what: str) -> InvalidInput:
    return InvalidInput(f"{where}: {what}"[:500], code=ErrorCode.IMPORT_INVALID)


def text(value: Any, where: str, name: str, *, limit: int = MAX_MESSAGE_CHARS) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise refuse(where, f"{name} must be text")
    if len(value) > limit:
        raise refuse(where, f"{name} is longer than {limit} characters")
    return value


def count(value: Any) -> int | None:
    """A token count from a file: a whole number ≥ 0, anything else is dropped."""
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**12
    return value if ok else None


def moment(value: Any) -> datetime | None:
    """An ISO 8601 string or a Unix time in seconds; None when absent or unreadable."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(float(value), UTC)
        if isinstance(value, str) and value:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def check(conv: ParsedConversation, where: str) -> ParsedConversation:
    """Refuse a conversation whose tree is broken; order its messages parents first."""
    conv.title = " ".join(conv.title.split())[:MAX_TITLE]
    if len(conv.system_prompt) > MAX_SYSTEM_CHARS:
        raise refuse(where, f"the system prompt is longer than {MAX_SYSTEM_CHARS} characters")
    if len(conv.messages) > MAX_MESSAGES:
        raise refuse(where, f"more than {MAX_MESSAGES} messages")
    by_key: dict[str, ParsedMessage] = {}
    for m in conv.messages:
        if m.key in by_key:
            raise refuse(where, f"message id {m.key[:64]!r} appears twice")
        if m.role not in ("user", "assistant"):
            raise refuse(where, f"message {m.key[:64]!r} has an unknown role")
        by_key[m.key] = m
    ordered: list[ParsedMessage] = []
    placed: set[str] = set()
    for m in conv.messages:
        chain: list[ParsedMessage] = []
        seen: set[str] = set()
        node: ParsedMessage | None = m
        while node is not None and node.key not in placed:
            if node.key in seen:
                raise refuse(where, f"message {node.key[:64]!r} is its own ancestor")
            chain.append(node)
            seen.add(node.key)
            if node.parent is not None and node.parent not in by_key:
                raise refuse(where, f"message {node.key[:64]!r} has an unknown parent")
            node = by_key[node.parent] if node.parent is not None else None
        for item in reversed(chain):
            placed.add(item.key)
            ordered.append(item)
    conv.messages = ordered
    if conv.active_leaf not in by_key:
        conv.active_leaf = latest_leaf(conv.messages)
    return conv


def latest_leaf(messages: list[ParsedMessage]) -> str | None:
    """The most recent message without children (the last in file order on a tie)."""
    parents = {m.parent for m in messages}
    leaves = [m for m in messages if m.key not in parents]
    if not leaves:
        return None
    floor = datetime.min.replace(tzinfo=UTC)
    return max(enumerate(leaves), key=lambda p: (p[1].created_at or floor, p[0]))[1].key
