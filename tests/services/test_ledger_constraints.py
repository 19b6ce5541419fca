"""The database's CHECK constraints (migration 0007): a write that bypasses services/billing.py
and breaks a ledger invariant is refused by the database itself, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import CheckConstraint, inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from metogpt.services import accounts, billing, db, holds, roles, setup
from metogpt.services.db import read_session, write_session
from tests.conftest import make_account
from tests.support.calls import sql
from tests.support.server import fresh_postgres_database


def _row(user_id: str) -> tuple[int, int, list[int]]:
    # Plain SQL: it reads the same columns at any revision (the models are head's).
    with read_session() as s:
        found = sql(s, 'SELECT balance, reserved FROM "user" WHERE id = :id', id=user_id).one()
        after = sql(
            s, "SELECT balance_after FROM ledger_entry WHERE user_id = :id ORDER BY id", id=user_id
        )
        return found[0], found[1], [row[0] for row in after]


def _hold(user_id: str) -> holds.Hold:
    with write_session() as s:
        return holds.reserve(
            s, user_id, model="gpt-4", coefficient="1", prompt_tokens=10, max_output=10
        )


BROKEN = {
    "more reserved than the balance": 'UPDATE "user" SET reserved = balance + 1 WHERE id = :id',
    "negative reserved": 'UPDATE "user" SET reserved = -1 WHERE id = :id',
    "negative balance": 'UPDATE "user" SET balance = -5, reserved = 0 WHERE id = :id',
    "balance below reserved": 'UPDATE "user" SET balance = reserved - 1 WHERE id = :id',
    "negative balance after": "UPDATE ledger_entry SET balance_after = -1 WHERE user_id = :id",
    "negative reservation": "UPDATE reservation SET amount = -1 WHERE user_id = :id",
}


@pytest.mark.parametrize("statement", BROKEN.values(), ids=BROKEN.keys())
def test_the_database_refuses_a_write_that_breaks_an_invariant(
    database: str, statement: str
) -> None:
    acc = make_account(balance=500)
    _hold(acc.id)
    before = _row(acc.id)
    with pytest.raises(IntegrityError, match=r"(?i)check"), write_session() as s:
        sql(s, statement, id=acc.id)
    assert _row(acc.id) == before
    with read_session() as s:
        assert billing.reconcile(s) == []


def test_a_write_within_the_invariants_passes(database: str) -> None:
    # The control: the constraints refuse the broken rows above, not every direct write.
    acc = make_account(balance=500)
    with write_session() as s:
        sql(s, 'UPDATE "user" SET reserved = balance WHERE id = :id', id=acc.id)
    assert _row(acc.id)[:2] == (500, 500)


def test_the_database_has_the_constraints_of_the_models(database: str) -> None:
    # Alembic's autogenerate does not compare CHECK constraints: this does.
    with db.engines().write.connect() as conn:
        inspector = inspect(conn)
        for table in SQLModel.metadata.sorted_tables:
            declared = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
            found = {c["name"] for c in inspector.get_check_constraints(table.name)}
            assert found == declared, table.name


@contextmanager
def _fresh_database(backend: str, tmp_path: Path) -> Iterator[None]:
    if backend == "sqlite":
        db.configure(f"sqlite:///{tmp_path}/upgrade.db")
        yield
        return
    server = os.environ["TEST_POSTGRES_URL"]
    with fresh_postgres_database(server, f"metogpt_upgrade_{os.getpid()}") as url:
        db.configure(url)
        try:
            yield
        finally:
            db.engines().write.dispose()


def _search_index_holds(user_id: str) -> None:
    """The user search index of migration 0005 (SQLite) or 0006 (PostgreSQL) is there and
    finds the user."""
    with read_session() as s:
        if s.get_bind().dialect.name == "sqlite":
            # FTS5's own check: the index holds exactly the table's rows (raises if not).
            sql(s, "INSERT INTO user_search(user_search) VALUES ('integrity-check')")
            found = sql(
                s,
                'SELECT "user".id FROM user_search JOIN "user" ON "user".rowid = '
                "user_search.rowid WHERE user_search MATCH '\"quartz\"'",
            )
            assert [row[0] for row in found] == [user_id]
        else:
            indexes = {i["name"] for i in inspect(s.connection()).get_indexes("user")}
            assert {"ix_user_trgm_email", "ix_user_trgm_name"} <= indexes


def test_0007_keeps_the_rows_and_the_search_index(database: str, tmp_path: Path) -> None:
    """An installation with users, ledger rows and a reservation migrates down past 0007
    and up again, keeping them (on SQLite batch mode rebuilds the tables that other
    tables' rows refer to). The rows are written at head: the models are head's."""
    with _fresh_database(database, tmp_path):
        setup.migrate()
        with write_session() as s:
            roles.seed_roles(s)
        user = accounts.create("zoe@example.com", "zoe_q", "Zoë Quartz", "password-1", balance=700)
        hold = _hold(user.id)
        before = _row(user.id)

        setup.migrate("0006", down=True)
        assert _row(user.id) == before
        _search_index_holds(user.id)
        with write_session() as s:  # without the constraints the database lets it through
            sql(s, BROKEN["negative reserved"], id=user.id)
            sql(s, 'UPDATE "user" SET reserved = :r WHERE id = :id', id=user.id, r=before[1])

        setup.migrate()
        assert _row(user.id) == before
        _search_index_holds(user.id)
        broken = BROKEN["more reserved than the balance"]
        with pytest.raises(IntegrityError), write_session() as s:
            sql(s, broken, id=user.id)
        with write_session() as s:
            assert holds.settle(s, hold.reservation_id, 10, 5) is not None
        _search_index_holds(user.id)
        with read_session() as s:
            assert billing.reconcile(s) == []


def _books() -> tuple[list[tuple[object, ...]], ...]:
    """The open holds and the rollups (usage_daily's slots summed: migration 0017)."""
    sums = "SUM(tokens), SUM(credits), SUM(answers)"
    queries = (
        "SELECT * FROM reservation ORDER BY 1, 2",
        f"SELECT day, model, {sums} FROM usage_daily GROUP BY 1, 2 ORDER BY 1, 2",
        "SELECT * FROM usage_user_daily ORDER BY 1, 2",
    )
    with read_session() as s:
        return tuple([tuple(row) for row in sql(s, query)] for query in queries)


def test_0016_keeps_the_holds_and_the_rollups(database: str, tmp_path: Path) -> None:
    """Migration 0016 changes the indexes of the tables a charge writes and, on SQLite,
    rebuilds three of them WITHOUT ROWID: down past it and up again, an open hold, the
    usage rollups and the balances stay, and the open hold still settles."""
    with _fresh_database(database, tmp_path):
        setup.migrate()
        with write_session() as s:
            roles.seed_roles(s)
        user = accounts.create("ann@example.com", "ann_q", "Ann Quartz", "password-1", balance=700)
        with write_session() as s:
            holds.settle(s, _hold(user.id).reservation_id, 10, 5)
        still_open = _hold(user.id)
        before = _row(user.id), _books()
        assert before[1][0] and before[1][1] and before[1][2]  # a hold and both rollups

        setup.migrate("0015", down=True)
        assert (_row(user.id), _books()) == before
        setup.migrate()
        assert (_row(user.id), _books()) == before
        with db.write_tx() as tx:
            assert holds.settle(tx, still_open.reservation_id, 10, 10) is not None
        with read_session() as s:
            assert billing.reconcile(s) == []
