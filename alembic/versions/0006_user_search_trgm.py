"""user search indexes (PostgreSQL)

Trigram GIN indexes (pg_trgm) on user.email, lower(username) and lower(name), the three
expressions the admin user search compares with LIKE '%needle%' on PostgreSQL
(services/users.py, `_search_match`): a needle of 3 or more characters is then found
from the indexes instead of by reading every user (bench/RESULTS.md, PostgreSQL search).
pg_trgm is a trusted extension, so a database owner without superuser rights may install
it; where the database refuses, the search keeps working by reading the table, and this
migration says so in a warning. Nothing on SQLite (migration 0005 has its own index).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 18:05:00
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# Index name -> the indexed expression; metogpt.services.setup.in_models knows the prefix.
INDEXES = {
    "ix_user_trgm_email": "email",
    "ix_user_trgm_username": "lower(username)",
    "ix_user_trgm_name": "lower(name)",
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as exc:
        log.warning("no pg_trgm (%s): the user search will read the whole table", exc.orig)
        return
    for name, expression in INDEXES.items():
        # fastupdate off: a new user goes straight into the index. With the default, new
        # entries wait in a pending list that every search reads through until the next
        # vacuum; users are added one at a time, so the saving on inserts is nothing.
        op.execute(
            f'CREATE INDEX {name} ON "user" USING gin ({expression} gin_trgm_ops) '
            "WITH (fastupdate = off)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
