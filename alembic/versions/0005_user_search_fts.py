"""user search index (SQLite)

An FTS5 trigram index over user.email, username and name, kept in step with `user` by
triggers: the admin user search finds the rows of a needle of 3 or more characters
without walking the whole user list (bench/README.md). Nothing on PostgreSQL.

Any later migration that rebuilds `user` on SQLite (batch mode recreates the table)
drops these triggers: it must create them again (tests/services/test_migrations.py checks
the index against the table after every migration).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 15:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = "email, username, name"
_NEW = "new.rowid, new.email, new.username, new.name"
_OLD = "'delete', old.rowid, old.email, old.username, old.name"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        f"CREATE VIRTUAL TABLE user_search USING fts5({_COLUMNS}, content='user', "
        "content_rowid='rowid', tokenize='trigram')"
    )
    op.execute(
        "CREATE TRIGGER user_search_insert AFTER INSERT ON user BEGIN "
        f"INSERT INTO user_search(rowid, {_COLUMNS}) VALUES ({_NEW}); END"
    )
    op.execute(
        "CREATE TRIGGER user_search_delete AFTER DELETE ON user BEGIN "
        f"INSERT INTO user_search(user_search, rowid, {_COLUMNS}) VALUES ({_OLD}); END"
    )
    op.execute(
        "CREATE TRIGGER user_search_update AFTER UPDATE OF email, username, name ON user BEGIN "
        f"INSERT INTO user_search(user_search, rowid, {_COLUMNS}) VALUES ({_OLD}); "
        f"INSERT INTO user_search(rowid, {_COLUMNS}) VALUES ({_NEW}); END"
    )
    op.execute("INSERT INTO user_search(user_search) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER user_search_{trigger}")
    op.execute("DROP TABLE user_search")
