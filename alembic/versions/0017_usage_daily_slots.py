"""usage_daily in slots

Every settle adds its charge to the `usage_daily` row of its day and model. On PostgreSQL
that row is locked from the settle's UPDATE until its COMMIT (the WAL flush included), so
all the settles of one model queued on it, one flush after another: 8 connections gave
no more pairs per second than 2 (bench/pg_billing.py). The row is now spread over
`slot`s (services/analytics.SLOTS): each settle on PostgreSQL adds to one at random,
and the readers sum them. SQLite, one writer at a time anyway, keeps writing slot 0.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE, PKEY = "usage_daily", "usage_daily_pkey"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _batch():  # type: ignore[no-untyped-def]
    """SQLite rebuilds the table (keeping it WITHOUT ROWID, migration 0016)."""
    if _sqlite():
        return op.batch_alter_table(
            TABLE, recreate="always", table_kwargs={"sqlite_with_rowid": False}
        )
    return op.batch_alter_table(TABLE)


def upgrade() -> None:
    # SQLite: the rebuilt table's key (it has no name there) is replaced by the new one,
    # whose columns are all marked primary.
    slot = sa.Column(
        "slot", sa.SmallInteger(), nullable=False, server_default="0", primary_key=_sqlite()
    )
    with _batch() as batch:
        batch.add_column(slot)
        if not _sqlite():
            batch.drop_constraint(PKEY, type_="primary")
        batch.create_primary_key(PKEY, ["day", "model", "slot"])
    with _batch() as batch:
        batch.alter_column("slot", server_default=None)


def downgrade() -> None:
    op.execute(
        "CREATE TABLE usage_daily_merged AS SELECT day, model, SUM(tokens) AS tokens, "
        "SUM(credits) AS credits, SUM(answers) AS answers FROM usage_daily GROUP BY day, model"
    )
    op.execute("DELETE FROM usage_daily")
    with _batch() as batch:
        if not _sqlite():
            batch.drop_constraint(PKEY, type_="primary")
            batch.create_primary_key(PKEY, ["day", "model"])
        batch.drop_column("slot")
    op.execute(
        "INSERT INTO usage_daily (day, model, tokens, credits, answers) "
        "SELECT day, model, tokens, credits, answers FROM usage_daily_merged"
    )
    op.drop_table("usage_daily_merged")
