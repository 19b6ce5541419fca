"""Periodic grants per role: `amount` credits every `every` `unit`s, in `add` mode (credit
the amount) or `reset` mode (top the balance up to the amount, never take anything away).

Periods are fixed windows counted from 1970-01-01 00:00 UTC (weeks from Monday 1970-01-05,
months from calendar month starts), so every worker computes the same period for the same
moment. A grant is due from its period's start; it is given at the user's first request
after that (`ensure`) or by the periodic job (`grant_due`), whichever comes first.

Exactly once per user and period: the `grant` ledger row carries the period's start in
`grant_period`, unique per user. The user's row is locked first (SELECT … FOR UPDATE on
PostgreSQL; SQLite runs one writer at a time), so concurrent granters queue and the later
ones see the row; the unique index backs that up across workers and restarts. The key is
the period's start alone: one grant per user and start, whatever the role or interval
(a user moved to another role in the middle of a period gets the new role's grant from the
next period on). A `reset`
that finds the balance already high enough still writes its (zero) row: the period is
spent, and a later drop in the same period is not topped up again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from metogpt.models import GRANT, LedgerEntry, Meta, Role, User, utcnow
from metogpt.services import billing, topups
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import ErrorCode, InvalidInput, ServiceError

log = logging.getLogger("metogpt.grants")
UNITS = ("hours", "days", "weeks", "months")
MODES = ("add", "reset")
MAX_EVERY = 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MONDAY = datetime(1970, 1, 5, tzinfo=UTC)
_STEP = {"hours": timedelta(hours=1), "days": timedelta(days=1), "weeks": timedelta(weeks=1)}


@dataclass(frozen=True)
class Policy:
    amount: int
    every: int
    unit: str
    mode: str

    def as_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "every": self.every, "unit": self.unit, "mode": self.mode}


def parse_policy(raw: Any) -> dict[str, Any] | None:
    """Validate `{amount, every, unit, mode}` (or None: no grant) for storing on a role."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or set(raw) != {"amount", "every", "unit", "mode"}:
        raise InvalidInput(
            "grant must be {amount, every, unit, mode} or null", code=ErrorCode.BAD_GRANT
        )
    amount, every = raw["amount"], raw["every"]
    for value, what, top in ((amount, "amount", billing.MAX_BALANCE), (every, "every", MAX_EVERY)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
            raise InvalidInput(f"grant.{what} must be a whole number from 1 to {top}")
    if raw["unit"] not in UNITS:
        raise InvalidInput(
            f"grant.unit must be one of {', '.join(UNITS)}", code=ErrorCode.BAD_GRANT
        )
    if raw["mode"] not in MODES:
        raise InvalidInput(
            f"grant.mode must be one of {', '.join(MODES)}", code=ErrorCode.BAD_GRANT
        )
    return Policy(amount, every, raw["unit"], raw["mode"]).as_dict()


@dataclass(frozen=True)
class GrantForm:
    """The role editor's grant field as typed: off, or an amount and an interval as text."""

    on: bool = False
    amount: str = ""
    every: str = "1"
    unit: str = "days"
    mode: str = "add"

    @classmethod
    def of(cls, policy: Mapping[str, Any] | None) -> GrantForm:
        if not policy:
            return cls()
        return cls(
            True, str(policy["amount"]), str(policy["every"]), policy["unit"], policy["mode"]
        )

    def policy(self) -> dict[str, Any] | None:
        """What `parse_policy` stores (None when off); text that is not a whole number is
        refused like a number out of range."""
        if not self.on:
            return None
        numbers = []
        for text, what in ((self.amount, "amount"), (self.every, "every")):
            raw = text.strip().replace(" ", "")
            if not raw.isdigit():
                raise InvalidInput(f"grant.{what} must be a whole number", code=ErrorCode.BAD_GRANT)
            numbers.append(int(raw))
        amount, every = numbers
        return parse_policy(
            {"amount": amount, "every": every, "unit": self.unit, "mode": self.mode}
        )


def policy_of(role: Role) -> Policy | None:
    return Policy(**role.grant_policy) if role.grant_policy else None


def user_policy(session: Session, user: User) -> Policy | None:
    role = session.get(Role, user.role)
    return policy_of(role) if role is not None else None


def period_start(now: datetime, policy: Policy) -> datetime:
    now = now.astimezone(UTC)
    if policy.unit == "months":
        index = (now.year - 1970) * 12 + now.month - 1
        index -= index % policy.every
        return datetime(1970 + index // 12, index % 12 + 1, 1, tzinfo=UTC)
    origin = _MONDAY if policy.unit == "weeks" else _EPOCH
    step = _STEP[policy.unit] * policy.every
    return origin + step * ((now - origin) // step)


def next_start(start: datetime, policy: Policy) -> datetime:
    if policy.unit == "months":
        index = start.year * 12 + start.month - 1 + policy.every
        return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
    return start + _STEP[policy.unit] * policy.every


def period_key(start: datetime) -> str:
    return start.strftime("%Y-%m-%dT%H:%MZ")


def _given(session: Session, user_id: str, key: str) -> bool:
    return (
        session.exec(
            select(LedgerEntry.id).where(
                LedgerEntry.user_id == user_id, LedgerEntry.grant_period == key
            )
        ).first()
        is not None
    )


def ensure(session: Session, user_id: str, now: datetime | None = None) -> LedgerEntry | None:
    """Give the user's current grant if it is due and not given yet (inside the caller's
    write transaction). Returns the new ledger row, or None."""
    now = now or utcnow()
    user = session.get(User, user_id)
    role = session.get(Role, user.role) if user is not None else None
    policy = policy_of(role) if role is not None else None
    if user is None or role is None or policy is None or not user.enabled:
        return None
    start = period_start(now, policy)
    key = period_key(start)
    if _given(session, user_id, key):
        return None
    balance = session.exec(select(User.balance).where(User.id == user_id).with_for_update()).one()
    if _given(session, user_id, key):  # a concurrent granter finished while we waited
        return None
    delta = policy.amount if policy.mode == "add" else max(0, policy.amount - balance)
    what = "" if policy.mode == "add" else f", topped up to {policy.amount}"
    reason = (
        f"grant: role {role.name}, every {policy.every} {policy.unit}, "
        f"period from {start:%Y-%m-%d %H:%M} UTC{what}"
    )
    try:
        with session.begin_nested():
            entry = billing.apply_delta(
                session, user_id, delta, GRANT, reason=reason, grant_period=key
            )
    except IntegrityError:  # another worker's row landed first: the period is given
        return None
    topups.collect_owed(session, user_id)
    return entry


def is_due(session: Session, user: User, now: datetime | None = None) -> bool:
    """Is a grant of the user's role due and not given yet (a read inside the caller's
    transaction: a page's load asks it beside the rest of its first screen)?"""
    policy = user_policy(session, user) if user.enabled else None
    return policy is not None and not _given(
        session, user.id, period_key(period_start(now or utcnow(), policy))
    )


def give(user_id: str, now: datetime | None = None) -> bool:
    """A page load's grant once `is_due` said so (services/screens.py), in a write
    transaction of its own: True when a grant was written (a concurrent granter or a
    balance at its ceiling: False)."""
    try:
        with write_session() as session:
            return ensure(session, user_id, now) is not None
    except ServiceError as exc:  # e.g. a balance at its ceiling: the page opens anyway
        log.warning("grant to user %s skipped: %s", user_id, exc.message)
        return False


def next_grant_at(session: Session, user: User, now: datetime | None = None) -> datetime | None:
    """When the user's next grant is due: the current period's start if it is not given yet,
    else the next period's start; None when the role grants nothing."""
    policy = user_policy(session, user)
    if policy is None:
        return None
    start = period_start(now or utcnow(), policy)
    return next_start(start, policy) if _given(session, user.id, period_key(start)) else start


def grant_due(now: datetime | None = None) -> int:
    """Give every enabled user of a granting role the current period's grant, one user per
    transaction. Returns how many grants were written. A role whose pass for this period
    went through is marked done (Meta `grants:<role>`), so the later runs of the job in the
    same period cost one read; who registers after that pass gets the grant at the first
    request."""
    now = now or utcnow()
    with read_session() as session:
        roles = [r for r in session.exec(select(Role)).all() if r.grant_policy]
    given = 0
    for role in roles:
        policy = policy_of(role)
        assert policy is not None
        key = period_key(period_start(now, policy))
        marker = f"grants:{role.name}"
        with read_session() as session:
            done = session.get(Meta, marker)
            if done is not None and done.value == key:
                continue
            granted = (
                select(LedgerEntry.id)
                .where(LedgerEntry.user_id == User.id, LedgerEntry.grant_period == key)
                .exists()
            )
            due = session.exec(
                select(User.id).where(User.role == role.name, col(User.enabled).is_(True), ~granted)
            ).all()
        failed = False
        for user_id in due:
            try:
                with write_session() as session:
                    given += ensure(session, user_id, now) is not None
            except ServiceError as exc:  # e.g. a balance at its ceiling: the others go on
                log.warning("grant to user %s skipped: %s", user_id, exc.message)
                failed = True
        if not failed:
            try:
                with write_session() as session:
                    session.merge(Meta(key=marker, value=key))
            except IntegrityError:  # another worker marked it at the same moment
                pass
    return given


GRANTS_EVERY_SECONDS = 60.0


async def grants_loop() -> None:
    """A lifespan task in every worker: grants that fell due, and debts left by refunds.
    Workers running it at once are safe (see the module's docstring)."""
    while True:
        await asyncio.sleep(GRANTS_EVERY_SECONDS)
        try:
            await asyncio.to_thread(grant_due)
            await asyncio.to_thread(topups.collect_all_owed)
        except Exception:  # keep the loop alive through a passing database outage
            log.exception("periodic grants failed")
