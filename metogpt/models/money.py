"""Money: the ledger, its daily usage sums, reservations, packages and payments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    text,
)
from sqlmodel import Field, SQLModel

from metogpt.models.base import new_id, timestamp

# The kinds of ledger rows (LedgerEntry.kind).
GRANT, CHARGE, ADJUSTMENT, REFUND = "grant", "charge", "adjustment", "refund"
TOPUP = "topup"  # a paid package credited (services/topups.py)


class LedgerEntry(SQLModel, table=True):
    __tablename__: ClassVar[str] = "ledger_entry"
    __table_args__ = (
        Index("ix_ledger_user_id_id", "user_id", "id"),
        Index("ix_ledger_created_at", "created_at"),
        CheckConstraint("balance_after >= 0", name="ck_ledger_entry_balance_after_not_negative"),
        # A periodic grant is given once per user and period, whatever the workers do. Partial:
        # the other rows (every charge) are not written into it (migration 0016).
        Index(
            "ux_ledger_user_grant_period",
            "user_id",
            "grant_period",
            unique=True,
            sqlite_where=text("grant_period IS NOT NULL"),
            postgresql_where=text("grant_period IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(foreign_key="user.id", max_length=32)
    kind: str = Field(max_length=16)  # grant | charge | adjustment | refund | topup
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    balance_after: int = Field(sa_column=Column(BigInteger, nullable=False))
    model: str | None = Field(default=None, max_length=64)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    coefficient: str | None = Field(default=None, max_length=16)
    conversation_id: str | None = Field(default=None, max_length=32)
    message_id: str | None = Field(default=None, max_length=32)
    reason: str | None = Field(default=None, max_length=500)
    actor_id: str | None = Field(default=None, max_length=32)
    # Periodic grants only: the start of the period granted, e.g. "2026-12-03T00:00Z".
    grant_period: str | None = Field(default=None, max_length=24)
    # A charge of the OpenAI-compatible API: the personal key that made the request.
    api_key_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = timestamp()


# SQLite: the table is its primary key's B-tree (WITHOUT ROWID), one B-tree to write per
# row instead of the table and its key's index: for the tables every charge writes.
_CLUSTERED: dict[str, Any] = {"sqlite_with_rowid": False}


def _total() -> Any:
    return Field(default=0, sa_column=Column(BigInteger, nullable=False))


class UsageDaily(SQLModel, table=True):
    """The `charge` rows of the ledger summed per UTC day and model, written in the same
    transaction as each charge (services/analytics.record_charge). The usage charts read
    these few rows instead of the ledger. A day and model is spread over `slot`s (on
    PostgreSQL a settle adds to one at random, so parallel settles of one model do not
    queue on one row lock: migration 0017); readers sum them."""

    __tablename__: ClassVar[str] = "usage_daily"
    __table_args__ = _CLUSTERED

    day: date = Field(primary_key=True)
    model: str = Field(primary_key=True, max_length=64)
    tokens: int = _total()
    credits: int = _total()
    answers: int = _total()
    slot: int = Field(
        default=0,
        sa_column=Column(SmallInteger, primary_key=True, autoincrement=False, default=0),
    )


class UsageUserDaily(SQLModel, table=True):
    """The same sums per UTC day and user: top spenders over a range read these."""

    __tablename__: ClassVar[str] = "usage_user_daily"
    __table_args__ = _CLUSTERED

    day: date = Field(primary_key=True)
    user_id: str = Field(primary_key=True, foreign_key="user.id", max_length=32)
    tokens: int = _total()
    credits: int = _total()
    answers: int = _total()


class Reservation(SQLModel, table=True):
    """Credits held for one answer in flight. The row exists only while the answer runs, so
    the table stays small and has no index but its key: every reserve and settle writes it,
    and the few queries by user or age scan it (migration 0016)."""

    __table_args__ = (
        CheckConstraint("amount >= 0", name="ck_reservation_amount_not_negative"),
        _CLUSTERED,
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="user.id", max_length=32)
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    model: str = Field(max_length=64)
    coefficient: str = Field(max_length=16)
    prompt_tokens: int
    max_tokens: int
    conversation_id: str | None = Field(default=None, max_length=32)
    message_id: str | None = Field(default=None, max_length=32)
    # An answer of the OpenAI-compatible API: its key, and the completion tokens it had
    # streamed when last saved (what the crash recovery charges; services/gateway/).
    api_key_id: str | None = Field(default=None, max_length=32)
    streamed_tokens: int | None = None
    created_at: datetime = timestamp()


class Package(SQLModel, table=True):
    """A top-up users can buy: a price in the currency's minor units and the credits it gives."""

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    name: str = Field(max_length=100)
    price: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)  # ISO 4217, upper case
    credits: int = Field(sa_column=Column(BigInteger, nullable=False))
    active: bool = True
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class Payment(SQLModel, table=True):
    """One purchase of a package through a provider. The package's name, price, currency and
    credits are copied here when the payment starts: the provider must confirm exactly this
    amount and currency, and later edits of the package change nothing for it."""

    __table_args__ = (Index("ix_payment_user_created", "user_id", "created_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="user.id", max_length=32)
    package_id: str | None = Field(
        default=None,
        sa_column=Column(String(32), ForeignKey("package.id", ondelete="SET NULL")),
    )
    package_name: str = Field(max_length=100)
    provider: str = Field(max_length=16)  # yookassa | stripe
    provider_payment_id: str | None = Field(default=None, max_length=100, unique=True)
    confirmation_url: str | None = Field(default=None, max_length=2000)
    amount: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)
    credits: int = Field(sa_column=Column(BigInteger, nullable=False))
    # pending | succeeded | canceled | refunded | failed (the provider refused to start it)
    status: str = Field(default="pending", max_length=16, index=True)
    provider_status: str | None = Field(default=None, max_length=32)
    # Set, with the `topup` ledger row, by the one transaction that credits the payment.
    credited_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    credit_entry_id: int | None = None
    refunded_amount: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    reversed_credits: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    problem: str | None = Field(default=None, max_length=300)  # e.g. an amount mismatch
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
