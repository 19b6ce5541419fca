"""Database tables (plain SQLModel). Business rules live in services/, not here."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    false,
)
from sqlmodel import Field, SQLModel


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


def _ts(index: bool = False) -> Any:
    return Field(
        default_factory=utcnow,
        sa_column=Column(DateTime(timezone=True), nullable=False, index=index),
    )


class Role(SQLModel, table=True):
    name: str = Field(primary_key=True, max_length=32)
    # Case-insensitive uniqueness: the lower-cased name carries the unique index.
    name_key: str = Field(max_length=32, unique=True)
    # {TYPE: {ACTION: bool}}, always the full matrix.
    permissions: dict[str, dict[str, bool]] = Field(sa_column=Column(JSON, nullable=False))
    # {model: {"enabled": bool, "coefficient": "1.5"}}; coefficients kept as decimal strings
    # so that what an admin typed is what billing uses, digit for digit.
    model_access: dict[str, dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    system: bool = False
    # The periodic grant: {"amount": int, "every": int, "unit": "hours|days|weeks|months",
    # "mode": "add|reset"}, or None (services/grants.py).
    grant_policy: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # Rate limits of the OpenAI-compatible API: {"user_rpm", "user_tpm", "key_rpm",
    # "key_tpm"} (requests and tokens per minute; a missing entry: no limit), or None.
    api_limits: dict[str, int] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class User(SQLModel, table=True):
    __table_args__ = (
        # The admin user list, newest first: pages (deep offsets included), the substring
        # search and its exact count all walk this one index in order, without a sort and
        # without reading the table rows (bench/RESULTS.md has the figures).
        Index("ix_user_listing", "created_at", "id", "email", "username", "name"),
        # The ledger invariants' last line of defence (services/billing.py keeps them with
        # conditional updates; a write that bypassed it is refused here): 0 <= reserved <=
        # balance, so the balance is never negative either.
        CheckConstraint("reserved >= 0", name="ck_user_reserved_not_negative"),
        CheckConstraint("reserved <= balance", name="ck_user_reserved_within_balance"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    email: str = Field(max_length=254, unique=True)
    username: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=128)
    password_hash: str = Field(max_length=128)
    role: str = Field(
        sa_column=Column(String(32), ForeignKey("role.name"), nullable=False, index=True)
    )
    # Ledger balance: always equals the sum of this user's ledger rows.
    balance: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    # Credits held by open reservations (in-flight answers); available = balance - reserved.
    reserved: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    # Credits a refunded payment took back that the free balance could not cover yet: while
    # above zero no new answer starts (services/topups.py collects it as credits come in).
    owed: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, default=0, server_default="0")
    )
    enabled: bool = True
    # Bumped on role, password or enabled change: tokens carrying an older value are dead.
    token_version: int = 0
    locale: str = Field(default="en", max_length=8)
    # light | dark | system (services/profile.THEMES): applied wherever the user signs in.
    theme: str = Field(
        default="system", sa_column=Column(String(8), nullable=False, server_default="system")
    )
    created_at: datetime = _ts()  # indexed by ix_user_listing
    last_active_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


# The kinds of ledger rows (LedgerEntry.kind).
GRANT, CHARGE, ADJUSTMENT, REFUND = "grant", "charge", "adjustment", "refund"
TOPUP = "topup"  # a paid package credited (services/topups.py)


class LedgerEntry(SQLModel, table=True):
    __tablename__: ClassVar[str] = "ledger_entry"
    __table_args__ = (
        Index("ix_ledger_user_id_id", "user_id", "id"),
        Index("ix_ledger_created_at", "created_at"),
        CheckConstraint("balance_after >= 0", name="ck_ledger_entry_balance_after_not_negative"),
        # A periodic grant is given once per user and period, whatever the workers do.
        Index("ux_ledger_user_grant_period", "user_id", "grant_period", unique=True),
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
    created_at: datetime = _ts()


def _total() -> Any:
    return Field(default=0, sa_column=Column(BigInteger, nullable=False))


class UsageDaily(SQLModel, table=True):
    """The `charge` rows of the ledger summed per UTC day and model, written in the same
    transaction as each charge (services/analytics.record_charge). The usage charts read
    these few rows instead of the ledger."""

    __tablename__: ClassVar[str] = "usage_daily"

    day: date = Field(primary_key=True)
    model: str = Field(primary_key=True, max_length=64)
    tokens: int = _total()
    credits: int = _total()
    answers: int = _total()


class UsageUserDaily(SQLModel, table=True):
    """The same sums per UTC day and user: top spenders over a range read these."""

    __tablename__: ClassVar[str] = "usage_user_daily"

    day: date = Field(primary_key=True)
    user_id: str = Field(primary_key=True, foreign_key="user.id", max_length=32)
    tokens: int = _total()
    credits: int = _total()
    answers: int = _total()


class Reservation(SQLModel, table=True):
    """Credits held for one answer in flight. The row exists only while the answer runs."""

    __table_args__ = (CheckConstraint("amount >= 0", name="ck_reservation_amount_not_negative"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="user.id", max_length=32, index=True)
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
    created_at: datetime = _ts(index=True)


class ApiKey(SQLModel, table=True):
    """A personal key of the OpenAI-compatible API (services/keys.py). Only the SHA-256 of
    the secret is kept: the secret is shown once, when the key is created."""

    __tablename__: ClassVar[str] = "api_key"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="user.id", max_length=32, index=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16)  # the secret's first characters, to recognise it
    secret_hash: str = Field(max_length=64, unique=True)
    # A subset of the role's models (None: whatever the role allows at the time).
    models: list[str] | None = Field(default=None, sa_column=Column(JSON))
    expires_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    last_used_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    spent: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    created_at: datetime = _ts()


class ApiWindow(SQLModel, table=True):
    """Requests and tokens of one rate-limit key in one minute, when no Redis is configured
    (services/gateway/limits.py)."""

    __tablename__: ClassVar[str] = "api_window"

    key: str = Field(primary_key=True, max_length=48)
    minute: int = Field(primary_key=True)
    requests: int = 0
    tokens: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))


class AuthSession(SQLModel, table=True):
    """A signed-in session: its id is the `jti` of the token issued for it. Every use of a
    token reads this row by its key; signing out or a password change deletes it, so the
    token stops working on every worker at once."""

    __tablename__: ClassVar[str] = "auth_session"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="user.id", max_length=32, index=True)
    created_at: datetime = _ts()
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class ThrottleHit(SQLModel, table=True):
    """One claimed try of a throttled action (a sign-in, a registration), counted against
    its key until `until` (services/throttle.py)."""

    __tablename__: ClassVar[str] = "throttle_hit"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=400, index=True)
    until: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))


class Meta(SQLModel, table=True):
    """Small key/value facts about the installation (e.g. that roles were seeded)."""

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=256)


class Conversation(SQLModel, table=True):
    __table_args__ = (Index("ix_conversation_user_updated", "user_id", "updated_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="user.id", max_length=32)
    title: str = Field(default="", max_length=200)
    system_prompt: str = Field(default="", max_length=20_000)
    model: str = Field(default="", max_length=64)
    # The message at the end of the branch being shown; the branch is its path to the root.
    active_leaf_id: str | None = Field(default=None, max_length=32)
    # Sampling parameters sent with every answer (None: the provider's default); a preset
    # sets them when the conversation starts (services/travel/presets.py).
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None  # the answer's cap, within the model's max_output
    archived: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # Brought in from a file (services/travel/imports.py): its answers were never billed here.
    imported: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    # Set when the user deletes it: hidden at once, restorable (Undo) until purged.
    deleted_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class MessageStatus(StrEnum):
    """Where a message stands (Message.status; stored as its value, a plain string)."""

    STREAMING = "streaming"  # an answer in progress (or left by a crashed worker)
    DONE = "done"
    STOPPED = "stopped"  # the user pressed Stop
    CUT = "cut"  # the provider broke off after some text
    ERROR = "error"  # the provider failed before any text


class Message(SQLModel, table=True):
    """A node of the conversation tree: edits and regenerations add siblings."""

    __table_args__ = (Index("ix_message_conversation_created", "conversation_id", "created_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    conversation_id: str = Field(foreign_key="conversation.id", max_length=32)
    parent_id: str | None = Field(default=None, max_length=32, index=True)
    role: str = Field(max_length=16)  # user | assistant
    content: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    model: str | None = Field(default=None, max_length=64)
    status: str = Field(default=MessageStatus.DONE, max_length=16)  # a MessageStatus value
    error: str | None = Field(default=None, max_length=64)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    charged: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    coefficient: str | None = Field(default=None, max_length=16)
    created_at: datetime = _ts()


class Package(SQLModel, table=True):
    """A top-up users can buy: a price in the currency's minor units and the credits it gives."""

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    name: str = Field(max_length=100)
    price: int = Field(sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(max_length=3)  # ISO 4217, upper case
    credits: int = Field(sa_column=Column(BigInteger, nullable=False))
    active: bool = True
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


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
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Attachment(SQLModel, table=True):
    """A file a user uploaded (services/files/): the bytes in storage under `storage_key`,
    what the model is given here. Unsent until `message_id` is set; deleted with its
    conversation. The id is random (uuid4): it is also the file's unguessable address."""

    __table_args__ = (Index("ix_attachment_user_created", "user_id", "created_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="user.id", max_length=32)
    conversation_id: str | None = Field(default=None, max_length=32, index=True)
    message_id: str | None = Field(default=None, max_length=32, index=True)
    position: int = 0  # order among the message's attachments
    name: str = Field(max_length=255)  # as uploaded, shown and sent to the model; never a path
    size: int = Field(sa_column=Column(BigInteger, nullable=False))  # stored bytes
    kind: str = Field(max_length=8)  # image | pdf | text
    media_type: str = Field(max_length=64)  # what the stored bytes are, by their content
    storage_key: str = Field(max_length=80)
    width: int | None = None  # images: pixels as stored
    height: int | None = None
    # PDFs and text files: the text the model is given (a PDF without a text layer: "")
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    text_tokens: int = 0  # tokens of the context block built from `text` (cl100k_base)
    created_at: datetime = _ts()


class Share(SQLModel, table=True):
    """A read-only snapshot of a conversation's branch, readable by anyone with its token at
    /s/{token}. Revoking deletes the row; updating rewrites the snapshot."""

    token: str = Field(primary_key=True, max_length=64)
    conversation_id: str = Field(foreign_key="conversation.id", max_length=32, index=True)
    user_id: str = Field(foreign_key="user.id", max_length=32, index=True)
    title: str = Field(default="", max_length=200)
    # [{"role": "user|assistant", "content": str, "model": str}], root to leaf.
    messages: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class Preset(SQLModel, table=True):
    """Saved chat settings. A user's own (owner_id set) or a shared one an admin published
    to chosen roles (owner_id None, `roles` listing them)."""

    __table_args__ = (Index("ix_preset_owner_position", "owner_id", "position"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    owner_id: str | None = Field(default=None, foreign_key="user.id", max_length=32)
    name: str = Field(max_length=100)
    model: str = Field(max_length=64)
    system_prompt: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    position: int = 0
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
