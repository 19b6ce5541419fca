"""Calling services from a test: each call in its own write transaction, rows read fresh."""

from __future__ import annotations

from typing import Any

from metogpt.models import User
from metogpt.services.db import read_session, write_session


def user_row(user_id: str) -> User:
    """The user as stored now (balance and reserved included), read in its own session."""
    with read_session() as s:
        user = s.get(User, user_id)
        assert user is not None
        return user


def in_write(fn: Any, *args: Any, **kw: Any) -> Any:
    """`fn(session, *args, **kw)` in a write transaction of its own, committed on return."""
    with write_session() as s:
        return fn(s, *args, **kw)
