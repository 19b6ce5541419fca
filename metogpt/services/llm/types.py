"""What every provider module and its callers share: the chat request and its answer's parts.

Nothing here imports a provider SDK or the token counter, so `tokens.py` can use
`ChatMessage` without an import cycle.

A provider is one module with `async def connect(request: Request) -> Upstream`: it sends
the request and returns the answer as a stream of `Event`s plus a way to close it. The
registry in `llm/__init__.py` maps a catalog `ProviderKind` to that function.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from metogpt.services.catalog import ModelSpec, ProviderSpec

ErrorKind = Literal["auth", "rate_limit", "unavailable", "bad_request", "timeout", "cut"]
FinishReason = Literal["stop", "length", "cancelled", "error"]


ImageDetail = Literal["high", "low"]
IMAGE_DETAIL: ImageDetail = "high"  # what OpenAI is asked for: the image as the user sees it


@dataclass(frozen=True, slots=True)
class ImagePart:
    """An attached image as the provider gets it (services/files/vision.py): scaled to
    `width`×`height`, which the provider bills as `tokens`. `data` is loaded from storage
    just before sending (files.load_images), so a prepared answer stays small."""

    key: str  # the attachment's storage key
    media_type: str
    width: int
    height: int
    tokens: int
    data: bytes = field(default=b"", repr=False)


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str
    # Attachments (user messages): text files and PDFs as context blocks naming the file,
    # and images for vision models.
    files: tuple[str, ...] = ()
    images: tuple[ImagePart, ...] = ()


@dataclass(slots=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    reported: bool  # False when any part was counted locally


@dataclass(frozen=True, slots=True)
class Request:
    """Everything needed to (re)send one chat request."""

    provider: ProviderSpec
    api_key: str = field(repr=False)
    model: ModelSpec
    messages: list[ChatMessage]
    max_tokens: int
    timeout: float
    temperature: float | None = None  # None: the provider's default
    top_p: float | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """What one upstream chunk tells us; any field may be absent."""

    text: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: FinishReason | None = None


@dataclass(frozen=True, slots=True)
class Upstream:
    """One upstream request in flight."""

    events: AsyncIterator[Event]
    close: Callable[[], Awaitable[None]]


Connect = Callable[[Request], Awaitable[Upstream]]
"""A provider: send the request, return its upstream (raises SDK/transport errors)."""
