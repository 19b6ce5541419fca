"""conversations that travel: presets, share links, archive, import, sampling parameters

conversation.archived (hidden from the sidebar), conversation.imported (brought in from a
file, never billed here), conversation.temperature/top_p/max_tokens (sent with each
answer); share (a read-only snapshot of a branch behind a token) and preset (saved chat
settings, a user's own or shared by an admin with chosen roles).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE (no batch copy), as in 0009: other tables point at "conversation".
    op.add_column("conversation", sa.Column("temperature", sa.Float(), nullable=True))
    op.add_column("conversation", sa.Column("top_p", sa.Float(), nullable=True))
    op.add_column("conversation", sa.Column("max_tokens", sa.Integer(), nullable=True))
    op.add_column(
        "conversation",
        sa.Column("archived", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "conversation",
        sa.Column("imported", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "share",
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("token"),
    )
    with op.batch_alter_table("share", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_share_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_share_user_id"), ["user_id"], unique=False)
    op.create_table(
        "preset",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("owner_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("system_prompt", sa.Text(), nullable=False),
        sa.Column("temperature", sa.Float(), nullable=True),
        sa.Column("top_p", sa.Float(), nullable=True),
        sa.Column("max_tokens", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("preset", schema=None) as batch_op:
        batch_op.create_index("ix_preset_owner_position", ["owner_id", "position"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("preset", schema=None) as batch_op:
        batch_op.drop_index("ix_preset_owner_position")
    op.drop_table("preset")
    with op.batch_alter_table("share", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_user_id"))
        batch_op.drop_index(batch_op.f("ix_share_conversation_id"))
    op.drop_table("share")
    op.drop_column("conversation", "imported")
    op.drop_column("conversation", "archived")
    op.drop_column("conversation", "max_tokens")
    op.drop_column("conversation", "top_p")
    op.drop_column("conversation", "temperature")
