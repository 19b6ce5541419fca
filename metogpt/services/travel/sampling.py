"""Sampling parameters of a chat (temperature, top_p, the answer's token cap): checked once
here for presets, conversations and imported files alike."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from metogpt.services.catalog import ModelSpec
from metogpt.services.errors import ErrorCode, InvalidInput

MAX_TEMPERATURE = 2.0  # OpenAI's range; Anthropic's is 0..1 and is clamped where it is sent


@dataclass(frozen=True)
class Sampling:
    """None means the provider's default (for max_tokens: the model's largest answer)."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None


def _number(raw: Any, name: str, low: float, high: float) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise InvalidInput(f"{name} must be a number", code=ErrorCode.BAD_PARAMETER)
    if not low <= raw <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}", code=ErrorCode.BAD_PARAMETER)
    return float(raw)


def check(temperature: Any, top_p: Any, max_tokens: Any, spec: ModelSpec | None) -> Sampling:
    """The parameters if valid for `spec` (max_tokens within its largest answer); raises
    InvalidInput (code bad_parameter) naming the first bad one."""
    if max_tokens is not None:
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int):
            raise InvalidInput("max_tokens must be a whole number", code=ErrorCode.BAD_PARAMETER)
        limit = spec.max_output if spec else 1_000_000
        if not 1 <= max_tokens <= limit:
            raise InvalidInput(
                f"max_tokens must be between 1 and {limit} for this model",
                code=ErrorCode.BAD_PARAMETER,
            )
    return Sampling(
        _number(temperature, "temperature", 0.0, MAX_TEMPERATURE),
        _number(top_p, "top_p", 0.0, 1.0),
        max_tokens,
    )
