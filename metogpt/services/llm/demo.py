"""The offline demo provider: a fixed Markdown answer, streamed word by word.

It serves the `demo` model, and every model whose provider has no API key (catalog.py)."""

from __future__ import annotations

import asyncio
import re
import zlib
from collections.abc import AsyncIterator, Sequence

from metogpt.services.catalog import ModelSpec
from metogpt.services.llm.tokens import count_text_tokens
from metogpt.services.llm.types import ChatMessage, Event, Request, Upstream
from metogpt.settings import demo_delay

_OPENINGS = ("Happy to help!", "Good question!", "Sure thing!", "Let's see.")


async def connect(request: Request) -> Upstream:
    text = demo_answer(request.model, request.messages)
    delay = demo_delay()
    stopped = asyncio.Event()

    async def events() -> AsyncIterator[Event]:
        budget = request.max_tokens
        # Word by word, leading whitespace kept so that the deltas join back into the text.
        for piece in re.findall(r"\s*\S+", text):
            cost = count_text_tokens(piece, "demo")
            if cost > budget:
                yield Event(finish_reason="length")
                return
            budget -= cost
            await asyncio.sleep(delay * cost)
            if stopped.is_set():
                return
            yield Event(text=piece)
        yield Event(finish_reason="stop")

    async def close() -> None:
        # A flag rather than aclose(): the generator may be running in another task.
        stopped.set()

    return Upstream(events(), close)


def demo_answer(model: ModelSpec, messages: Sequence[ChatMessage]) -> str:
    """The demo provider's Markdown answer: the same question always gets the same answer."""
    question = next((m.content for m in reversed(messages) if m.role == "user"), "")
    words = question.split()
    summary = " ".join(words[:12]) + (" …" if len(words) > 12 else "")
    opening = _OPENINGS[zlib.crc32(question.encode()) % len(_OPENINGS)]
    why = (
        "you picked the built-in demo model"
        if model.provider == "demo"
        else f"no API key is configured for **{model.label}**"
    )
    return (
        f"{opening} This answer comes from the **demo provider**: {why}, "
        "so no real AI model was asked.\n\n"
        f"You asked:\n\n> {summary or '(an empty message)'}\n\n"
        "A real model would answer that properly. Meanwhile, here is how answers look:\n\n"
        "- **bold** and *italic* text, lists and `inline code`;\n"
        "- code blocks with highlighting:\n\n"
        "```python\n"
        "def greet(name: str) -> str:\n"
        '    return f"Hello, {name}!"\n'
        "```\n\n"
        "Set `OPENAI_API_KEY` or `ANTHROPIC_API_KEY` to get real answers."
    )
