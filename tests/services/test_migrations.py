"""The tables in metogpt/models/ and the Alembic migrations describe the same schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlmodel import SQLModel

from metogpt.models import User
from metogpt.services import db, setup, users
from tests.conftest import make_account
from tests.support.calls import sql


def test_models_match_migrations(database: str) -> None:
    # `database` ran every migration on a fresh schema; autogenerate must find nothing left.
    with db.engines().write.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": setup.in_models})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_the_sqlite_search_index_follows_the_user_table(database: str) -> None:
    if database != "sqlite":
        pytest.skip("the FTS5 search index exists on SQLite only")
    acc = make_account()
    with db.write_session() as session:
        user = session.get(User, acc.id)
        assert user is not None
        user.name = "Renamed Person"
        session.add(user)

    def found(needle: str) -> list[str]:
        with db.read_session() as session:
            rows = sql(
                session,
                'SELECT "user".id FROM user_search JOIN "user" ON "user".rowid = '
                "user_search.rowid WHERE user_search MATCH :q",
                q=f'"{needle}"',
            )
            return [r[0] for r in rows]

    assert found("renamed pers") == [acc.id]
    assert found(acc.user.name) == []  # the old name is gone from the index
    with db.write_session() as session:
        # FTS5's own check: the index holds exactly the table's rows (raises if not).
        sql(session, "INSERT INTO user_search(user_search) VALUES ('integrity-check')")


@pytest.mark.parametrize("needle", ["smith", "exa", "o'b%_\\x"])
def test_the_postgresql_user_search_can_use_the_trigram_indexes(database: str, needle: str) -> None:
    if database != "postgres":
        pytest.skip("the trigram indexes exist on PostgreSQL only")
    with db.read_session() as session:
        query = select(func.count()).select_from(User).where(users._search_match(session, needle))
        compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        # Without table scans on offer, the plan shows whether the search's expressions
        # (escaped or not) are the indexed ones: otherwise it still has to scan.
        for kind in ("seqscan", "indexscan", "indexonlyscan"):
            sql(session, f"SET LOCAL enable_{kind} = off")
        plan = "\n".join(row[0] for row in sql(session, f"EXPLAIN {compiled}"))
    for index in ("ix_user_trgm_email", "ix_user_trgm_username", "ix_user_trgm_name"):
        assert index in plan, plan


def _index_definitions(conn, table: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,)
        )
    else:
        rows = conn.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", (table,)
        )
    return {name: sql or "" for name, sql in rows}


def test_partial_indexes_and_sqlite_table_options_match_the_models(database: str) -> None:
    # Autogenerate compares neither an index's WHERE nor SQLite's WITHOUT ROWID: this does.
    with db.engines().write.connect() as conn:
        dialect = conn.dialect.name
        for table in SQLModel.metadata.sorted_tables:
            if dialect == "sqlite":
                sql = conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                    (table.name,),
                ).scalar_one()
                clustered = not table.dialect_options["sqlite"]["with_rowid"]
                assert ("WITHOUT ROWID" in sql) == clustered, table.name
            found = _index_definitions(conn, table.name)
            for index in table.indexes:
                where = index.dialect_options[dialect]["where"]
                assert index.name in found, index.name
                assert (" WHERE " in found[index.name]) == (where is not None), index.name
