"""What the chat page shows of conversations and messages: plain rows sent to the client."""

from __future__ import annotations

from dataclasses import dataclass

from metogpt.services import conversations


@dataclass
class ConversationRow:
    id: str
    title: str


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
