"""The three file formats an import reads, each turned into ParsedConversations (tree.py):
MetoGPT's own export (export.py), LibreChat's conversation export (messages with
`messageId`/`parentMessageId`, flat or nested in `children`) and ChatGPT's
`conversations.json` (a list of conversations, each a `mapping` of nodes with `parent` and
`children`; nodes without visible text, such as the root and hidden system messages, are
passed through: their children hang from the nearest visible ancestor)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from metogpt.services.catalog import get_catalog
from metogpt.services.errors import ErrorCode, Forbidden, InvalidInput, ServiceError
from metogpt.services.travel import sampling
from metogpt.services.travel.tree import (
    ParsedConversation,
    ParsedMessage,
    check,
    count,
    moment,
    refuse,
    text,
)

_LIBRECHAT_ROOT = "00000000-0000-0000-0000-000000000000"
_STATUSES = {"done", "stopped", "cut", "error"}

Parser = Callable[[Any, str], list[ParsedConversation]]


def detect(doc: Any) -> tuple[str, Parser]:
    """The format of a parsed JSON document and its parser; refuses any other document."""
    if isinstance(doc, list) and doc and all(isinstance(c, dict) and "mapping" in c for c in doc):
        return "chatgpt", chatgpt
    if isinstance(doc, dict) and doc.get("format") == "metogpt":
        return "metogpt", metogpt
    if isinstance(doc, dict) and "conversationId" in doc and isinstance(doc.get("messages"), list):
        return "librechat", librechat
    raise InvalidInput("unknown import format", code=ErrorCode.IMPORT_UNKNOWN_FORMAT)


def _obj(value: Any) -> dict[str, Any]:
    """An optional object of a foreign file: {} when absent or of another type."""
    return value if isinstance(value, dict) else {}


def _where(i: int, title: Any) -> str:
    return f"conversation {i + 1} ({str(title or '')[:60]!r})"


def _dict(value: Any, where: str, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise refuse(where, f"{name} must be an object")
    return value


def _sampling(raw: dict[str, Any], model: str, *, strict: bool, where: str) -> sampling.Sampling:
    """The file's parameters: refused when wrong in our own format, dropped in others."""
    max_tokens = raw.get("max_tokens", raw.get("maxOutputTokens", raw.get("maxTokens")))
    try:
        return sampling.check(
            raw.get("temperature"), raw.get("top_p"), max_tokens, get_catalog().get(model)
        )
    except ServiceError as exc:
        if strict:
            raise refuse(where, exc.message) from None
        return sampling.Sampling()


def metogpt(doc: dict[str, Any], user_id: str) -> list[ParsedConversation]:
    if doc.get("version") != 1:
        raise refuse("the file", "unsupported MetoGPT export version")
    if doc.get("user_id") != user_id:
        raise Forbidden("the export belongs to another user", code=ErrorCode.IMPORT_FOREIGN)
    convs = doc.get("conversations")
    if not isinstance(convs, list):
        raise refuse("the file", "conversations must be a list")
    parsed = []
    for i, raw in enumerate(convs):
        where = _where(i, raw.get("title") if isinstance(raw, dict) else None)
        raw = _dict(raw, where, "a conversation")
        model = text(raw.get("model"), where, "model", limit=64)
        conv = ParsedConversation(
            title=text(raw.get("title"), where, "title"),
            model=model,
            system_prompt=text(raw.get("system_prompt"), where, "system_prompt"),
            archived=raw.get("archived") is True,
            active_leaf=raw.get("active_leaf_id")
            if isinstance(raw.get("active_leaf_id"), str)
            else None,
            created_at=moment(raw.get("created_at")),
            updated_at=moment(raw.get("updated_at")),
        )
        s = _sampling(raw, model, strict=True, where=where)
        conv.temperature, conv.top_p, conv.max_tokens = s.temperature, s.top_p, s.max_tokens
        messages = raw.get("messages")
        if not isinstance(messages, list):
            raise refuse(where, "messages must be a list")
        for m in messages:
            m = _dict(m, where, "a message")
            if not isinstance(m.get("id"), str) or not m["id"]:
                raise refuse(where, "a message has no id")
            parent = m.get("parent_id")
            status = str(m["status"]) if m.get("status") in _STATUSES else "done"
            conv.messages.append(
                ParsedMessage(
                    key=m["id"],
                    parent=parent if isinstance(parent, str) else None,
                    role=str(m.get("role")),
                    content=text(m.get("content"), where, "content"),
                    model=text(m.get("model"), where, "model", limit=64) or None,
                    status=status,
                    error=text(m.get("error"), where, "error", limit=64) or None,
                    prompt_tokens=count(m.get("prompt_tokens")),
                    completion_tokens=count(m.get("completion_tokens")),
                    coefficient=text(m.get("coefficient"), where, "coefficient", limit=16) or None,
                    created_at=moment(m.get("created_at")),
                )
            )
        parsed.append(check(conv, where))
    return parsed


def _librechat_flat(messages: list[Any], where: str) -> list[dict[str, Any]]:
    """LibreChat's messages in file order, nested `children` (a recursive export) unrolled."""
    flat: list[dict[str, Any]] = []
    stack = list(reversed(messages))
    while stack:
        m = _dict(stack.pop(), where, "a message")
        flat.append(m)
        children = m.get("children") or []
        if not isinstance(children, list):
            raise refuse(where, "children must be a list")
        stack.extend(reversed(children))
    return flat


def _librechat_text(m: dict[str, Any], where: str) -> str:
    if isinstance(m.get("text"), str) and m["text"]:
        return text(m["text"], where, "text")
    parts = m.get("content")  # agents' messages: [{"type": "text", "text": "..."}]
    if isinstance(parts, list):
        texts = [p.get("text") for p in parts if isinstance(p, dict) and p.get("type") == "text"]
        return text("\n\n".join(t for t in texts if isinstance(t, str)), where, "content")
    return ""


def librechat(doc: dict[str, Any], _user_id: str) -> list[ParsedConversation]:
    where = _where(0, doc.get("title"))
    options = _obj(doc.get("options"))
    model = str(options.get("model") or "")[:64]
    conv = ParsedConversation(
        title=text(doc.get("title"), where, "title") or "LibreChat",
        model=model,
        system_prompt=text(options.get("promptPrefix"), where, "promptPrefix"),
    )
    s = _sampling(options, model, strict=False, where=where)
    conv.temperature, conv.top_p, conv.max_tokens = s.temperature, s.top_p, s.max_tokens
    for m in _librechat_flat(doc["messages"], where):
        key = m.get("messageId")
        if not isinstance(key, str) or not key:
            raise refuse(where, "a message has no messageId")
        parent = m.get("parentMessageId")
        parent = parent if isinstance(parent, str) and parent != _LIBRECHAT_ROOT else None
        user = m.get("isCreatedByUser") is True
        conv.messages.append(
            ParsedMessage(
                key=key,
                parent=parent,
                role="user" if user else "assistant",
                content=_librechat_text(m, where),
                model=None if user else (str(m.get("model") or model)[:64] or None),
                status="error" if m.get("error") is True else "done",
                prompt_tokens=None if user else count(m.get("promptTokens")),
                completion_tokens=None if user else count(m.get("tokenCount")),
                created_at=moment(m.get("createdAt")),
            )
        )
    conv.created_at = moment(doc.get("createdAt")) or min(
        (m.created_at for m in conv.messages if m.created_at), default=None
    )
    return [check(conv, where)]


def _chatgpt_text(message: Any) -> tuple[str, str] | None:
    """(role, text) of a node shown in ChatGPT's conversation view; None for the others."""
    if not isinstance(message, dict):
        return None
    author = _obj(message.get("author"))
    role = author.get("role")
    metadata = _obj(message.get("metadata"))
    content = _obj(message.get("content"))
    if role not in ("user", "assistant") or metadata.get("is_visually_hidden_from_conversation"):
        return None
    if message.get("recipient", "all") != "all":  # a call to a tool, not an answer
        return None
    if content.get("content_type") not in ("text", "multimodal_text"):
        return None
    parts = content.get("parts")
    texts = [p for p in parts if isinstance(p, str) and p] if isinstance(parts, list) else []
    joined = "\n\n".join(texts)
    return (role, joined) if joined.strip() else None


def _nearest_visible(
    key: Any, mapping: dict[str, Any], visible: dict[str, ParsedMessage], where: str
) -> str | None:
    """The closest node from `key` up that is shown; refuses a broken chain or a cycle."""
    hops = 0
    while key is not None:
        if not isinstance(key, str) or key not in mapping:
            raise refuse(where, f"node parent {str(key)[:64]!r} is not in the mapping")
        if key in visible:
            return key
        hops += 1
        if hops > len(mapping):
            raise refuse(where, "the node tree has a cycle")
        key = _dict(mapping[key], where, "a node").get("parent")
    return None


def _chatgpt_message(
    key: str, message: dict[str, Any], shown: tuple[str, str], where: str
) -> ParsedMessage:
    metadata = _obj(message.get("metadata"))
    assistant = shown[0] == "assistant"
    return ParsedMessage(
        key=key,
        parent=None,
        role=shown[0],
        content=text(shown[1], where, "a message"),
        model=(str(metadata.get("model_slug") or "")[:64] or None) if assistant else None,
        status="cut" if assistant and message.get("status") == "in_progress" else "done",
        created_at=moment(message.get("create_time")),
    )


def _chatgpt_one(raw: dict[str, Any], where: str) -> ParsedConversation:
    mapping = _dict(raw.get("mapping"), where, "mapping")
    visible: dict[str, ParsedMessage] = {}
    for key, node in mapping.items():
        node = _dict(node, where, "a node")
        shown = _chatgpt_text(node.get("message"))
        if shown is not None:
            visible[key] = _chatgpt_message(key, node["message"], shown, where)
    for key, m in visible.items():
        m.parent = _nearest_visible(mapping[key].get("parent"), mapping, visible, where)
    current = raw.get("current_node")
    conv = ParsedConversation(
        title=text(raw.get("title"), where, "title") or "ChatGPT",
        model=str(raw.get("default_model_slug") or "")[:64],
        messages=list(visible.values()),
        active_leaf=_nearest_visible(current, mapping, visible, where) if current else None,
        archived=raw.get("is_archived") is True,
        created_at=moment(raw.get("create_time")),
        updated_at=moment(raw.get("update_time")),
    )
    return check(conv, where)


def chatgpt(doc: list[Any], _user_id: str) -> list[ParsedConversation]:
    return [_chatgpt_one(raw, _where(i, raw.get("title"))) for i, raw in enumerate(doc)]
