"""What the chat page shows of conversations and messages: plain rows sent to the client."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from metogpt.models import Conversation
from metogpt.services import conversations, files


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
class FileRow:
    """An attachment as the page shows it: a thumbnail (images) or a chip."""

    id: str
    name: str
    size: str  # "1.2 MB", "340 KB"
    kind: str  # image | pdf | text
    url: str  # a signed link for this tab's session (services/files/links.py)

    @classmethod
    def of(cls, found: files.FileInfo, url: str) -> FileRow:
        return cls(found.id, found.name, size_label(found.size), found.kind, url)


def size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


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
    files: list[FileRow] = field(default_factory=list)

    @classmethod
    def of(
        cls, v: conversations.MessageView, link: Callable[[str], str] = lambda _: ""
    ) -> MessageRow:
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
            files=[FileRow.of(found, link(found.id)) for found in v.files],
        )
