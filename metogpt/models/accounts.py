"""Accounts: roles, users, their sessions and throttled tries, installation facts."""

from __future__ import annotations

from datetime import datetime
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
)
from sqlmodel import Field, SQLModel

from metogpt.models.base import new_id, timestamp


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
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


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
    created_at: datetime = timestamp()  # indexed by ix_user_listing
    last_active_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class AuthSession(SQLModel, table=True):
    """A signed-in session: its id is the `jti` of the token issued for it. Every use of a
    token reads this row by its key; signing out or a password change deletes it, so the
    token stops working on every worker at once."""

    __tablename__: ClassVar[str] = "auth_session"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="user.id", max_length=32, index=True)
    created_at: datetime = timestamp()
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
