"""What the chat page shows of conversations and messages: plain rows sent to the client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from metogpt.models import Conversation
from metogpt.services import conversations


@dataclass
class ConversationRow:
    id: str
    title: str
    # The group heading shown above this row, "" inside a group: "today", "yesterday",
    # "week", "month", or "older" for a month of its own (`month` 1-12 of `year`).
    heading: str = ""
    month: int = 0
    year: str = ""

    @classmethod
    def list_of(cls, convs: list[Conversation], today: date) -> list[ConversationRow]:
        """The list's rows, newest first, each group's first row carrying its heading."""
        rows, last = [], None
        for conv in convs:
            group = conversations.age_group(conv.updated_at, today)
            year, _, month = group.partition("-")
            heading = "" if group == last else ("older" if month else group)
            rows.append(
                cls(conv.id, conv.title or "…", heading, int(month or 0), year if month else "")
            )
            last = group
        return rows


@dataclass
class MessageRow:
    id: str
    role: str
    content: str
    model: str
    status: str
    error: str
    tokens: int
    charged: int
    coefficient: str
    sibling_index: int  # 1-based
    sibling_count: int
    prev_sibling: str
    next_sibling: str
    prompt_tokens: int = 0  # a stopped answer's line says whether the prompt was charged
    completion_tokens: int = 0

    @classmethod
    def of(cls, v: conversations.MessageView) -> MessageRow:
        return cls(
            id=v.id,
            role=v.role,
            content=v.content,
            model=v.model,
            status=v.status,
            error=v.error,
            tokens=v.prompt_tokens + v.completion_tokens,
            prompt_tokens=v.prompt_tokens,
            completion_tokens=v.completion_tokens,
            charged=v.charged,
            coefficient=v.coefficient,
            sibling_index=v.sibling_index,
            sibling_count=v.sibling_count,
            prev_sibling=v.prev_sibling,
            next_sibling=v.next_sibling,
        )
