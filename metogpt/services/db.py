"""Engines and sessions.

Writes go through `write_session()`. On SQLite it opens `BEGIN IMMEDIATE`, so a
transaction that reads and then writes holds the write lock from its first statement
and never fails half-way with "database is locked"; readers use `read_session()` and
WAL lets them run beside a writer. On PostgreSQL both are ordinary READ COMMITTED
sessions: correctness there comes from conditional updates and row locks.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine, PoolProxiedConnection, event, exc, make_url
from sqlmodel import Session, create_engine

from metogpt.services.turns import FairTurn
from metogpt.settings import settings

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class _Engines:
    url: str
    write: Engine
    read: Engine
    # SQLite lets one writer in at a time and makes the others sleep in its busy handler
    # (1, 2, 5, 10, … ms): within one process a lock hands the turn over at once instead,
    # in arrival order (a plain lock lets the thread that just let go take it back, and
    # the others wait through runs of its transactions: bench/README.md).
    write_turn: FairTurn | None = field(default=None)
    checkpointer: _Checkpointer | None = field(default=None)
    # SQLite: the one connection `write_tx` uses, under `write_turn`: no pool checkout per
    # transaction, and its page cache stays valid from one transaction to the next.
    held_writer: PoolProxiedConnection | None = field(default=None)

    def serialised(self) -> AbstractContextManager[object]:
        return self.write_turn if self.write_turn is not None else nullcontext()

    def writer(self) -> sqlite3.Connection:
        """SQLite: the connection of `write_tx` (call under `write_turn`)."""
        if self.held_writer is None:
            self.held_writer = self.write.raw_connection()
        raw = self.held_writer.dbapi_connection
        assert isinstance(raw, sqlite3.Connection)  # held, so open
        return raw

    def dispose(self) -> None:
        if self.held_writer is not None:
            self.held_writer.close()
        self.write.dispose()
        self.read.dispose()
        if self.checkpointer is not None:
            self.checkpointer.stopped.set()


_engines: _Engines | None = None


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


BUSY_TIMEOUT_MS = 30_000


def _sqlite_engine(url: str, begin: str) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        # The driver's own transaction handling is replaced by explicit BEGINs below.
        isolation_level=None,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute(f"PRAGMA wal_autocheckpoint={WAL_BACKSTOP_PAGES}")
        cur.close()
        # SQLite's lower() folds ASCII only; searches for other letters use this one.
        dbapi_conn.create_function("unicode_lower", 1, _unicode_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql(begin)

    return engine


# SQLite copies the WAL back into the database file (a checkpoint, with an fsync) inside the
# commit that crosses `wal_autocheckpoint` pages: that commit takes ~10 ms instead of ~0.2,
# while it holds the write lock. A passive checkpoint from a thread of its own every
# CHECKPOINT_SECONDS keeps the WAL short without stopping writers (bench/README.md:
# reserve + settle 2,500 -> 4,000 pairs/s); the autocheckpoint stays as a backstop.
CHECKPOINT_SECONDS = 0.5
WAL_BACKSTOP_PAGES = 10_000


class _Checkpointer(threading.Thread):
    def __init__(self, path: str) -> None:
        super().__init__(name="sqlite-checkpoint", daemon=True)
        self.path = path
        self.stopped = threading.Event()

    def run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout=100")
            while not self.stopped.wait(CHECKPOINT_SECONDS):
                with contextlib.suppress(sqlite3.Error):  # busy now: next time
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            conn.close()


def configure(url: str | None = None) -> None:
    """(Re)create the engines, e.g. for a test database."""
    global _engines
    if _engines is not None:
        _engines.dispose()
    url = url or settings.database_url
    if is_sqlite(url):
        path = make_url(url).database
        checkpointer = _Checkpointer(path) if path and path != ":memory:" else None
        _engines = _Engines(
            url,
            _sqlite_engine(url, "BEGIN IMMEDIATE"),
            _sqlite_engine(url, "BEGIN"),
            FairTurn(),
            checkpointer,
        )
        if checkpointer is not None:
            checkpointer.start()
    else:
        engine = _postgres_engine(url)
        _engines = _Engines(url, engine, engine)


# A pooled PostgreSQL connection that sat idle this long is pinged before use (a server
# restart or an idle timeout may have closed it). SQLAlchemy's pool_pre_ping pings at every
# checkout: a round trip per transaction, as much as a statement of the hot path.
PING_AFTER_IDLE_SECONDS = 1.0


def _postgres_engine(url: str) -> Engine:
    engine = create_engine(url, pool_size=10, max_overflow=20)

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn, record, _proxy) -> None:  # type: ignore[no-untyped-def]
        if time.monotonic() - record.info.get("idle_since", 0.0) < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool drops this connection and checks out another (up to twice).
            raise exc.DisconnectionError(str(error)) from error

    return engine


def engines() -> _Engines:
    if _engines is None:
        configure()
    assert _engines is not None
    return _engines


@contextmanager
def write_session() -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any exception."""
    current = engines()
    with (
        current.serialised(),
        Session(current.write, expire_on_commit=False) as session,
        session.begin(),
    ):
        yield session


@contextmanager
def read_session() -> Iterator[Session]:
    with Session(engines().read, expire_on_commit=False) as session, session.begin():
        yield session


async def in_write(fn: Callable[Concatenate[Session, P], T], *args: P.args, **kw: P.kwargs) -> T:
    """Run a service call in its own write transaction, off the event loop (for async
    callers: the Reflex states)."""

    def call() -> T:
        with write_session() as session:
            return fn(session, *args, **kw)

    return await asyncio.to_thread(call)


async def in_read(fn: Callable[Concatenate[Session, P], T], *args: P.args, **kw: P.kwargs) -> T:
    """Run a service query in a read transaction, off the event loop."""

    def call() -> T:
        with read_session() as session:
            return fn(session, *args, **kw)

    return await asyncio.to_thread(call)


# ---- the driver's own connection, for the hot path ----------------------------------------
# reserve and settle run on every answer. Through SQLAlchemy each statement costs ~70 µs of
# Python, ten times what SQLite needs to run it; so they are written once in SQL and run on
# the driver's connection (sqlite3 or psycopg), inside a Session's transaction or in one of
# their own (`write_tx`).


class Sql:
    """One statement, written with `:name` parameters, in both drivers' styles."""

    def __init__(self, text: str) -> None:
        self.sqlite = text
        self.postgres = re.sub(r":(\w+)", r"%(\1)s", text)


@dataclass(frozen=True)
class Tx:
    """A driver connection inside an open transaction."""

    dbapi: Any
    sqlite: bool

    def run(self, sql: Sql, params: Mapping[str, Any]) -> Any:
        """Execute; returns the driver's cursor (fetchone / rowcount)."""
        return self.dbapi.execute(sql.sqlite if self.sqlite else sql.postgres, params)

    def moment(self, value: datetime) -> Any:
        """A timestamp as SQLAlchemy stores it (SQLite: text with microseconds, no zone;
        isoformat: half strftime's CPU, three times per API request)."""
        if not self.sqlite:
            return value
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")

    def day(self, value: date) -> Any:
        return value.isoformat() if self.sqlite else value


def as_tx(session: Session | Tx) -> Tx:
    """The transaction of a Session (begun if it was not) as a Tx."""
    if isinstance(session, Tx):
        return session
    conn = session.connection()
    return Tx(conn.connection.dbapi_connection, conn.dialect.name == "sqlite")


@contextmanager
def write_tx() -> Iterator[Tx]:
    """Like write_session(), without the ORM: for the few statements of the hot path.

    SQLite: always the same connection, under the process's write turn (the lock taken
    before `BEGIN IMMEDIATE`: threads queue on it, not in SQLite's busy handler).
    PostgreSQL: a pooled connection in pipeline mode: `BEGIN` goes out with the first
    statement, and statements whose results are not read are not waited for (the round
    trip of the `COMMIT` covers them), instead of a round trip each."""
    current = engines()
    if current.write_turn is None:
        with _pipelined_tx(current.write) as tx:
            yield tx
        return
    with current.write_turn:
        raw = current.writer()
        if raw.in_transaction:  # this thread is already inside a write_tx()
            raise RuntimeError("write_tx() cannot be nested")
        raw.execute("BEGIN IMMEDIATE")
        with _committed(raw, sqlite=True) as tx:
            yield tx


@contextmanager
def _committed(raw: Any, sqlite: bool) -> Iterator[Tx]:
    """The driver's connection in its open transaction: committed when the block ends,
    rolled back on any exception."""
    try:
        yield Tx(raw, sqlite)
        raw.commit()
    except BaseException:
        raw.rollback()
        raise


@contextmanager
def write_tx_now() -> Iterator[Tx | None]:
    """write_tx() if it can begin without waiting, else None (nothing begun): for the
    event loop, which then runs its write_tx() in a thread. SQLite only (PostgreSQL: None,
    a round trip per transaction): the write turn free (nobody holds or waits for it) and
    no other process writing (`BEGIN IMMEDIATE` without the busy wait)."""
    current = engines()
    turn = current.write_turn
    if turn is None or not turn.try_enter():
        yield None
        return
    try:
        raw = current.writer()
        if not _begin_at_once(raw):
            yield None
            return
        with _committed(raw, sqlite=True) as tx:
            yield tx
    finally:
        turn.__exit__(None, None, None)


def _begin_at_once(raw: sqlite3.Connection) -> bool:
    """`BEGIN IMMEDIATE`, or False if another process holds SQLite's write lock."""
    raw.execute("PRAGMA busy_timeout=0")
    try:
        raw.execute("BEGIN IMMEDIATE")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def statement_tx() -> AbstractContextManager[Tx]:
    """For a use case that PostgreSQL runs as ONE statement (holds.reserve, holds.settle:
    services/holds_sql.py): there a pooled connection in autocommit mode, the statement
    its own transaction: one round trip, no BEGIN, no COMMIT (the commit still waits for
    its WAL flush: synchronous_commit stays on). Never run two writes that belong together
    in it. SQLite: write_tx()."""
    current = engines()
    return write_tx() if current.write_turn is not None else _autocommit_tx(current.write)


@contextmanager
def _checked_out(engine: Engine) -> Iterator[Any]:
    """A pooled connection's driver connection, handed back to the pool afterwards."""
    pooled = engine.raw_connection()
    try:
        raw = pooled.dbapi_connection
        assert raw is not None  # a pooled connection that is checked out is open
        yield raw
    finally:
        pooled.close()


@contextmanager
def _autocommit_tx(engine: Engine) -> Iterator[Tx]:
    with _checked_out(engine) as raw:
        raw.autocommit = True
        try:
            yield Tx(raw, sqlite=False)
        finally:
            if not raw.closed:
                raw.autocommit = False


@contextmanager
def _pipelined_tx(engine: Engine) -> Iterator[Tx]:
    with _checked_out(engine) as raw, raw.pipeline(), _committed(raw, sqlite=False) as tx:
        yield tx


@contextmanager
def read_tx() -> Iterator[Tx]:
    """A driver connection for one read of the hot path (no transaction kept open)."""
    current = engines()
    with _checked_out(current.read) as raw:
        try:
            yield Tx(raw, is_sqlite(current.url))
        finally:
            raw.rollback()


def is_key(value: object, max_len: int = 32) -> bool:
    """Could `value` be one of our string primary keys? Anything else is simply not found
    (and PostgreSQL would refuse a NUL inside a query parameter with an error)."""
    return isinstance(value, str) and 0 < len(value) <= max_len and "\x00" not in value
