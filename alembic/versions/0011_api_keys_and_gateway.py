"""personal API keys and the OpenAI-compatible gateway

api_key (the SHA-256 of each secret, unique: a key is found by one indexed lookup),
api_window (rate-limit counters per minute when no Redis is configured), role.api_limits
(requests and tokens per minute of the gateway), the key's id on reservations and ledger
rows, and the tokens a gateway answer had streamed (what the crash recovery charges).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 06:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("prefix", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("secret_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("models", sa.JSON(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("spent", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    op.create_index(op.f("ix_api_key_user_id"), "api_key", ["user_id"], unique=False)
    op.create_table(
        "api_window",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=48), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("tokens", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", "minute"),
    )
    with op.batch_alter_table("role") as batch:
        batch.add_column(sa.Column("api_limits", sa.JSON(), nullable=True))
    with op.batch_alter_table("reservation") as batch:
        batch.add_column(
            sa.Column("api_key_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch.add_column(sa.Column("streamed_tokens", sa.Integer(), nullable=True))
    with op.batch_alter_table("ledger_entry") as batch:
        batch.add_column(
            sa.Column("api_key_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("ledger_entry") as batch:
        batch.drop_column("api_key_id")
    with op.batch_alter_table("reservation") as batch:
        batch.drop_column("streamed_tokens")
        batch.drop_column("api_key_id")
    with op.batch_alter_table("role") as batch:
        batch.drop_column("api_limits")
    op.drop_table("api_window")
    op.drop_index(op.f("ix_api_key_user_id"), table_name="api_key")
    op.drop_table("api_key")
