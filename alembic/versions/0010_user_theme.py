"""user.theme: the user's light, dark or system theme, remembered across browsers

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 06:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE (no batch copy), as in 0009: a copy of "user" could not be dropped
    # while other tables' foreign keys point at it.
    op.add_column(
        "user", sa.Column("theme", sa.String(length=8), server_default="system", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("user", "theme")
