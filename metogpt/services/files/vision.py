"""Images for the model: the size each provider takes and what it counts for them.

We scale an image down to the provider's limits ourselves before sending it, so the
provider scales nothing and its published formula, applied to the size we send, is exactly
what it bills:

- OpenAI (detail "high"): fit in 2048×2048, then the shortest side at most 768 px; then
  85 + 170 × the number of 512-px tiles. Detail "low": 85, whatever the size.
- Anthropic: the long edge at most 1568 px and at most ~1,600 tokens (1.2 megapixels);
  then ⌈width × height / 750⌉.
OpenAI-compatible endpoints are counted like OpenAI (an estimate: their models vary).
"""

from __future__ import annotations

import io
import math

from PIL import Image

from metogpt.services.catalog import ProviderKind
from metogpt.services.llm.types import IMAGE_DETAIL, ImageDetail

OPENAI_FIT = 2048
OPENAI_SHORT_SIDE = 768
OPENAI_TILE = 512
OPENAI_BASE_TOKENS = 85
OPENAI_TILE_TOKENS = 170
ANTHROPIC_LONG_EDGE = 1568
ANTHROPIC_MAX_PIXELS = 1_200_000  # 1,600 tokens × 750
ANTHROPIC_PIXELS_PER_TOKEN = 750


def _scaled(width: int, height: int, factor: float) -> tuple[int, int]:
    if factor >= 1:
        return width, height
    return max(1, math.floor(width * factor)), max(1, math.floor(height * factor))


def openai_size(width: int, height: int) -> tuple[int, int]:
    width, height = _scaled(width, height, OPENAI_FIT / max(width, height))
    return _scaled(width, height, OPENAI_SHORT_SIDE / min(width, height))


def anthropic_size(width: int, height: int) -> tuple[int, int]:
    factor = min(
        ANTHROPIC_LONG_EDGE / max(width, height),
        math.sqrt(ANTHROPIC_MAX_PIXELS / (width * height)),
    )
    width, height = _scaled(width, height, factor)
    while width * height > ANTHROPIC_MAX_PIXELS:  # floor's rounding never overshoots; belt
        width, height = _scaled(width, height, 0.999)
    return width, height


def openai_tokens(width: int, height: int, detail: ImageDetail = IMAGE_DETAIL) -> int:
    """OpenAI's tile formula for an image of this size (after its own scaling)."""
    if detail == "low":
        return OPENAI_BASE_TOKENS
    width, height = openai_size(width, height)
    tiles = math.ceil(width / OPENAI_TILE) * math.ceil(height / OPENAI_TILE)
    return OPENAI_BASE_TOKENS + OPENAI_TILE_TOKENS * tiles


def anthropic_tokens(width: int, height: int) -> int:
    """Anthropic's ⌈w × h / 750⌉ for an image of this size (after its own scaling)."""
    width, height = anthropic_size(width, height)
    return math.ceil(width * height / ANTHROPIC_PIXELS_PER_TOKEN)


def sent_size(kind: ProviderKind, width: int, height: int) -> tuple[int, int]:
    return anthropic_size(width, height) if kind == "anthropic" else openai_size(width, height)


def image_tokens(kind: ProviderKind, width: int, height: int) -> int:
    """What a provider of `kind` bills for an image of this size."""
    if kind == "anthropic":
        return anthropic_tokens(width, height)
    return openai_tokens(width, height)


def scale(data: bytes, media_type: str, size: tuple[int, int]) -> bytes:
    """The stored image at `size` (the stored bytes themselves when already that size)."""
    image = Image.open(io.BytesIO(data))
    if image.size == size:
        return data
    out = io.BytesIO()
    image.resize(size, Image.Resampling.LANCZOS).save(
        out, {"image/jpeg": "JPEG", "image/webp": "WEBP"}.get(media_type, "PNG"), quality=90
    )
    return out.getvalue()
