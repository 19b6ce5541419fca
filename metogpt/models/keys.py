"""Personal keys of the OpenAI-compatible API and its rate-limit windows."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import JSON, BigInteger, Column, DateTime
from sqlmodel import Field, SQLModel

from metogpt.models.base import new_id, timestamp


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
    created_at: datetime = timestamp()


class ApiWindow(SQLModel, table=True):
    """Requests and tokens of one rate-limit key in one minute, when no Redis is configured
    (services/gateway/limits.py)."""

    __tablename__: ClassVar[str] = "api_window"

    key: str = Field(primary_key=True, max_length=48)
    minute: int = Field(primary_key=True)
    requests: int = 0
    tokens: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
