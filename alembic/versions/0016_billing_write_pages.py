"""fewer pages written per reserve + settle

Every reserve and every settle writes each B-tree it touches, and on SQLite each page
written is a WAL frame of the commit (bench/README.md, "Billing throughput"). Three changes
take a reserve + settle pair from ~18 pages to ~9:

- `reservation` holds only the answers in flight (a few hundred rows at most): its two
  secondary indexes (user_id, created_at), written by every reserve and settle, served the
  crash recovery at start-up and the held-credits refusal, which now scan it. On SQLite
  the table is WITHOUT ROWID: the primary key is the table, one B-tree instead of two.
- `ux_ledger_user_grant_period` keeps one periodic grant per user and period; it is now
  partial (`grant_period IS NOT NULL`), so the other ledger rows (every charge) are not
  in it.
- the usage rollups `usage_daily` and `usage_user_daily` are WITHOUT ROWID on SQLite (the
  (day, key) primary key is the table).

SQLite rebuilds the three tables in batch mode (copy, drop, rename); PostgreSQL only
changes the indexes.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GRANT_INDEX, GRANT_COLUMNS = "ux_ledger_user_grant_period", ["user_id", "grant_period"]
RESERVATION_INDEXES = {
    "ix_reservation_created_at": ["created_at"],
    "ix_reservation_user_id": ["user_id"],
}
ROLLUPS = ("usage_daily", "usage_user_daily")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _rowid(table: str, *, with_rowid: bool):  # type: ignore[no-untyped-def]
    """A batch operation on `table`; on SQLite it rebuilds the table with or without rowid."""
    if not _sqlite():
        return op.batch_alter_table(table)
    return op.batch_alter_table(
        table, recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}
    )


def upgrade() -> None:
    op.drop_index(GRANT_INDEX, table_name="ledger_entry")
    only_grants = sa.text("grant_period IS NOT NULL")
    op.create_index(
        GRANT_INDEX,
        "ledger_entry",
        GRANT_COLUMNS,
        unique=True,
        sqlite_where=only_grants,
        postgresql_where=only_grants,
    )
    with _rowid("reservation", with_rowid=False) as batch:
        for name in RESERVATION_INDEXES:
            batch.drop_index(name)
    if _sqlite():
        for table in ROLLUPS:
            with _rowid(table, with_rowid=False):
                pass


def downgrade() -> None:
    if _sqlite():
        for table in ROLLUPS:
            with _rowid(table, with_rowid=True):
                pass
    with _rowid("reservation", with_rowid=True) as batch:
        for name, columns in RESERVATION_INDEXES.items():
            batch.create_index(name, columns, unique=False)
    op.drop_index(GRANT_INDEX, table_name="ledger_entry")
    op.create_index(GRANT_INDEX, "ledger_entry", GRANT_COLUMNS, unique=True)
