"""What the request and answer shapes share: strict input, the error body, whole numbers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, BeforeValidator, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=10_000)


class ErrorOut(BaseModel):
    error: str
    message: str


def _whole(value: Any) -> Any:
    # JSON has one number type: 100.0 is the whole number 100, as JSON Schema's "integer"
    # says; 100.5, "100" and true stay refused by StrictInt.
    return int(value) if isinstance(value, float) and value.is_integer() else value


# A StrictInt that takes 100.0 for 100: `Annotated[StrictInt, Field(ge=.., le=..), WHOLE]`
# (after the constraints, so the schema documents them as minimum and maximum).
WHOLE = BeforeValidator(_whole)
