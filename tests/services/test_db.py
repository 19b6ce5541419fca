"""services/db.py: SQLite's WAL is checkpointed by a thread of its own, not by a commit;
write_tx() on SQLite is one connection, taken in turn."""

from __future__ import annotations

import sqlite3
import threading
import time

import psycopg
import pytest
from sqlalchemy import make_url
from sqlmodel import select

from metogpt.models import Reservation
from metogpt.services import db, holds
from tests.conftest import make_account


def _in_database_file(path: str, user_id: str) -> int:
    # immutable=1: SQLite reads the database file alone and ignores the WAL, so only what a
    # checkpoint has copied back is seen.
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        found = conn.execute("SELECT reserved FROM user WHERE id = ?", (user_id,)).fetchone()
        return found[0] if found else -1
    except sqlite3.OperationalError:  # not even the table has been copied back yet
        return -1
    finally:
        conn.close()


def test_committed_writes_reach_the_database_file_within_a_second(database: str) -> None:
    if database != "sqlite":
        pytest.skip("the WAL is SQLite's")
    path = make_url(db.engines().url).database
    assert path
    account = make_account(balance=1000)
    with db.write_tx() as tx:
        hold = holds.reserve(
            tx, account.id, model="gpt-4", coefficient="1", prompt_tokens=10, max_output=40
        )
    # A handful of pages: far below the autocheckpoint backstop, so only the thread copies them.
    deadline = time.monotonic() + 10 * db.CHECKPOINT_SECONDS
    while _in_database_file(path, account.id) != hold.amount and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _in_database_file(path, account.id) == hold.amount


def test_reconfiguring_stops_the_old_checkpointer(database: str) -> None:
    if database != "sqlite":
        pytest.skip("the checkpointer is SQLite's")
    old = db.engines().checkpointer
    assert old is not None and old.is_alive()
    db.configure(db.engines().url)
    old.join(timeout=5 * db.CHECKPOINT_SECONDS)
    assert not old.is_alive()
    current = db.engines().checkpointer
    assert current is not None and current.is_alive()


def test_write_tx_on_sqlite_is_one_connection_taken_in_turn(database: str) -> None:
    if database != "sqlite":
        pytest.skip("PostgreSQL write_tx() takes pooled connections")
    seen: set[int] = set()

    def charge(_: int) -> None:
        with db.write_tx() as tx:
            seen.add(id(tx.dbapi))

    threads = [threading.Thread(target=charge, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(seen) == 1


def test_a_nested_write_tx_fails_and_the_outer_one_rolls_back(database: str) -> None:
    if database != "sqlite":
        pytest.skip("PostgreSQL write_tx() takes pooled connections: nested is another one")
    account = make_account(balance=1000)
    with pytest.raises(RuntimeError), db.write_tx() as tx:
        holds.reserve(
            tx, account.id, model="gpt-4", coefficient="1", prompt_tokens=10, max_output=40
        )
        with db.write_tx():
            pass
    with db.read_session() as s:
        assert s.exec(select(Reservation)).all() == []


@pytest.mark.parametrize("idle_ping", [True, False], ids=["pinged", "control"])
def test_a_postgresql_connection_closed_while_idle_is_replaced(
    database: str, monkeypatch: pytest.MonkeyPatch, idle_ping: bool
) -> None:
    """The server closed the pool's connections while they sat idle (a restart, an idle
    timeout): the next transaction pings and gets a new one. The control never pings, and
    fails: the test can tell."""
    if database != "postgres":
        pytest.skip("SQLite has no server to drop connections")
    account = make_account(balance=1000)
    url = make_url(db.engines().url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0 if idle_ping else 1e9)

    def reserve() -> None:
        with db.write_tx() as tx:
            holds.reserve(
                tx, account.id, model="gpt-4", coefficient="1", prompt_tokens=10, max_output=40
            )

    if idle_ping:
        reserve()
    else:
        with pytest.raises(psycopg.OperationalError):
            reserve()


def test_write_tx_now_begins_only_without_waiting(database: str) -> None:
    """On SQLite it begins when the write turn is free and no other process writes, else
    yields None having taken nothing (the turn free, the busy timeout as it was);
    PostgreSQL's is always None."""
    account = make_account(balance=1000)

    def reserve(tx: db.Tx) -> None:
        holds.reserve(
            tx, account.id, model="gpt-4", coefficient="1", prompt_tokens=10, max_output=40
        )

    def reservations() -> int:
        with db.read_session() as s:
            return len(s.exec(select(Reservation)).all())

    if database != "sqlite":
        with db.write_tx_now() as tx:
            assert tx is None
        return
    turn = db.engines().write_turn
    assert turn is not None

    def turn_is_free() -> bool:
        if not turn.try_enter():
            return False
        turn.__exit__(None, None, None)
        return True

    with db.write_tx_now() as tx:
        assert tx is not None
        reserve(tx)
    assert reservations() == 1 and turn_is_free()
    with pytest.raises(ValueError), db.write_tx_now() as tx:
        assert tx is not None
        reserve(tx)
        raise ValueError
    assert reservations() == 1 and turn_is_free()  # rolled back

    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.write_tx():
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(30)
    try:
        with db.write_tx_now() as tx:
            assert tx is None  # another thread's turn
    finally:
        release.set()
        holder.join(timeout=30)
    assert turn_is_free()

    path = make_url(db.engines().url).database
    assert path
    other = sqlite3.connect(path, isolation_level=None)  # another process's writer
    try:
        other.execute("BEGIN IMMEDIATE")
        with db.write_tx_now() as tx:
            assert tx is None
        assert turn_is_free()
    finally:
        other.rollback()
        other.close()
    with db.write_tx() as tx:
        assert tx.dbapi.execute("PRAGMA busy_timeout").fetchone()[0] == db.BUSY_TIMEOUT_MS
    with db.write_tx_now() as tx:
        assert tx is not None
        reserve(tx)
    assert reservations() == 2
