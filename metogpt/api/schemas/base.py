"""What the request and answer shapes share: strict input, the error body, whole numbers,
a page of a list."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict

T = TypeVar("T")


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


class Page(BaseModel, Generic[T]):
    """One page of a list (`limit`, `offset`) and how many rows the whole list has. On the
    wire the rows are named after the list, `{users: [...], total}` (PRODUCT.md §4): a page
    names them with `model_config = rows_named("users")`; in Python they are `rows`."""

    rows: list[T]
    total: int


def rows_named(name: str) -> ConfigDict:
    """The config of a page whose rows are `name` on the wire (and in its OpenAPI schema)."""
    return ConfigDict(
        alias_generator=lambda field: name if field == "rows" else field,
        validate_by_name=True,
        serialize_by_alias=True,
    )
