"""Cost coefficients: validated once, kept as exact decimals, applied in integer arithmetic."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

from metogpt.services.errors import InvalidInput

MAX_COEFFICIENT = Decimal(1000)
SCALE = 10_000  # four decimals


def parse(value: Any, where: str = "coefficient") -> str:
    """Return the canonical decimal string of a valid coefficient (finite, 0 < c ≤ 1000,
    at most 4 decimals), or raise InvalidInput. Floats go through their shortest repr,
    so 1.1 stays 1.1 rather than 1.100000000000000088817841970012523."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput(f"{where} must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput(f"{where} must be a finite number")
    try:
        dec = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise InvalidInput(f"{where} must be a number") from None
    if not dec.is_finite():
        raise InvalidInput(f"{where} must be a finite number")
    if not (0 < dec <= MAX_COEFFICIENT):
        raise InvalidInput(f"{where} must be greater than 0 and at most 1000")
    if dec != dec.quantize(Decimal("0.0001")):
        raise InvalidInput(f"{where} has more than 4 decimals")
    return format(dec.quantize(Decimal("0.0001")).normalize(), "f")


def scaled(coefficient: str) -> int:
    """The coefficient in ten-thousandths, an exact integer."""
    return int(Decimal(coefficient) * SCALE)


def cost(tokens: int, coefficient: str) -> int:
    """ceil(tokens × coefficient), exactly: integer arithmetic, no float rounding."""
    if tokens < 0:
        raise ValueError("tokens cannot be negative")
    return -(-tokens * scaled(coefficient) // SCALE)


def affordable_tokens(credits: int, coefficient: str) -> int:
    """The largest token count whose cost fits in `credits`."""
    if credits <= 0:
        return 0
    return credits * SCALE // scaled(coefficient)


def as_number(coefficient: str) -> float | int:
    dec = Decimal(coefficient)
    return int(dec) if dec == dec.to_integral_value() else float(dec)
