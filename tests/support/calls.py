"""Calling services from a test: each call in its own write transaction, rows read fresh
(a user, with their ledger's sum), a whole chat turn; and plain SQL, past the models."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import CursorResult, text
from sqlmodel import Session, func, select

from metogpt.models import LedgerEntry, Message, User
from metogpt.services import answers, conversations, relay
from metogpt.services.db import read_session, write_session


def sql(session: Session, statement: str, **params: Any) -> CursorResult:
    """Plain SQL in `session`'s transaction (what no model reads or writes: a constraint's
    refusal, a search index, another revision's columns)."""
    return session.connection().execute(text(statement), params)


def user_row(user_id: str) -> User:
    """The user as stored now (balance and reserved included), read in its own session."""
    with read_session() as s:
        user = s.get(User, user_id)
        assert user is not None
        return user


def message_row(message_id: str) -> Message:
    """The message as stored now, read in its own session."""
    with read_session() as s:
        message = s.get(Message, message_id)
        assert message is not None
        return message


def with_ledger_sum(user_id: str) -> tuple[User, int]:
    """The user as stored now and the sum of their ledger, read in one session: the books
    are right when the balance equals the sum."""
    with read_session() as s:
        user = s.get(User, user_id)
        assert user is not None
        total = s.exec(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                LedgerEntry.user_id == user_id
            )
        ).one()
        return user, int(total)


def in_write(fn: Any, *args: Any, **kw: Any) -> Any:
    """`fn(session, *args, **kw)` in a write transaction of its own, committed on return."""
    with write_session() as s:
        return fn(s, *args, **kw)


def asked(user_id: str, text: str, model: str, conv: str | None = None) -> answers.PreparedAnswer:
    """The user asks `text` in `conv` (None: a new conversation): the prompt is saved and
    its answer begun (reserved), not yet streamed."""
    msg = in_write(conversations.post_user_message, user_row(user_id), conv, text, model)
    return in_write(answers.begin_answer, user_row(user_id), msg.id, model)


def answered_turn(user_id: str, conv: str | None, text: str, model: str = "gpt-3.5-turbo") -> str:
    """The user asks `text` in `conv` (None: a new conversation) and the provider's answer is
    streamed and billed; returns the conversation's id."""
    prepared = asked(user_id, text, model, conv)
    asyncio.run(relay.stream_answer(prepared))
    return prepared.conversation_id


def charges_of(user_id: str) -> list[LedgerEntry]:
    """The user's `charge` ledger rows, oldest first."""
    with read_session() as s:
        rows = s.exec(
            select(LedgerEntry)
            .where(LedgerEntry.user_id == user_id, LedgerEntry.kind == "charge")
            .order_by(LedgerEntry.id)  # type: ignore[arg-type]
        )
        return list(rows.all())
