"""What every table uses: ids, timestamps and their ISO form."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(ts: datetime | None) -> str | None:
    """A stored moment as ISO 8601 UTC ("…Z"), as the API and the dashboard show it."""
    if ts is None:
        return None
    if ts.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def new_id() -> str:
    return uuid.uuid4().hex


def timestamp() -> Any:
    """A moment column, timezone-aware and never null, that defaults to now."""
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
