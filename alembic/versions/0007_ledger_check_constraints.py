"""ledger invariants as CHECK constraints

The database itself refuses a row that breaks the ledger's invariants, whatever wrote it:
`0 <= user.reserved <= user.balance`, a ledger row's `balance_after >= 0` and a
reservation's `amount >= 0`. services/billing.py keeps them with conditional updates; these
are the last line of defence against a write that bypassed it.

SQLite cannot add a constraint to a table: batch mode rebuilds the three tables (copy,
drop, rename; metogpt.services.setup.migrate runs migrations with SQLite's foreign keys off,
as SQLite prescribes for rebuilding a table). Rebuilding `user` loses the triggers of its
search index and may renumber its rowids, so the index of migration 0005 is dropped first
and made again from the rebuilt table. PostgreSQL adds the constraints in place, checking
the existing rows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 02:40:00
"""

from collections.abc import Sequence
from types import ModuleType

from alembic import context, op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> {constraint name: condition}; the same as the CheckConstraints in metogpt/models/
CHECKS = {
    "user": {
        "ck_user_reserved_not_negative": "reserved >= 0",
        "ck_user_reserved_within_balance": "reserved <= balance",
    },
    "ledger_entry": {"ck_ledger_entry_balance_after_not_negative": "balance_after >= 0"},
    "reservation": {"ck_reservation_amount_not_negative": "amount >= 0"},
}


def _user_search() -> ModuleType:
    """Migration 0005, whose upgrade/downgrade make and drop the SQLite search index (both
    do nothing on PostgreSQL)."""
    script = context.script.get_revision("0005")
    assert script is not None and script.module is not None
    return script.module


def upgrade() -> None:
    search = _user_search()
    search.downgrade()
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for name, condition in checks.items():
                batch.create_check_constraint(name, condition)
    search.upgrade()


def downgrade() -> None:
    search = _user_search()
    search.downgrade()
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for name in checks:
                batch.drop_constraint(name, type_="check")
    search.upgrade()
