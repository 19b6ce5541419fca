"""Bringing an installation up: migrations, seeded roles, bootstrap admin, crash recovery,
the tokenizer loaded before the first answer needs it."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

from alembic.config import Config

from alembic import command
from metogpt import settings
from metogpt.services import accounts, answers, auth, conversations, files, live, roles
from metogpt.services.db import engines, write_session
from metogpt.services.llm import tokens

_ROOT = Path(__file__).resolve().parents[2]


def alembic_config() -> Config:
    cfg = Config(str(_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(_ROOT / "alembic"))
    return cfg


def in_models(name: str | None, type_: str, _parents: object = None) -> bool:
    """For Alembic's comparisons: the user search indexes are not described by the models
    (SQLite: the user_search table and those FTS5 keeps for it, migration 0005;
    PostgreSQL: the ix_user_trgm_* trigram indexes, migration 0006)."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith("user_search")
    return not (type_ == "index" and name.startswith("ix_user_trgm_"))


def migrate(revision: str = "head", *, down: bool = False) -> None:
    """Upgrade the database to `revision`, the latest unless a test asks for an older one
    (or with `down`, downgrade it to that revision).

    On SQLite, batch migrations rebuild a table (copy, drop, rename), and dropping a table
    that other rows refer to fails while foreign keys are enforced: as SQLite prescribes,
    they are off while the migrations run (the pragma cannot change inside a transaction)
    and every reference is checked before the commit."""
    with engines().write.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        driver = connection.connection.driver_connection
        assert driver is not None  # a live connection has its driver's connection
        if sqlite:
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                cfg = alembic_config()
                cfg.attributes["connection"] = connection
                (command.downgrade if down else command.upgrade)(cfg, revision)
                if sqlite and (
                    broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                ):
                    raise RuntimeError(f"the migrations broke foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                driver.execute("PRAGMA foreign_keys=ON")


def bootstrap(recover_all: bool = True) -> str | None:
    """Idempotent start-up. Returns a generated admin password to print once, if any.

    `recover_all` settles every open reservation: right for a start before any worker
    runs; a worker starting beside live ones passes False and the periodic recovery
    only takes reservations too old to belong to a running answer."""
    migrate()
    with write_session() as session:
        roles.seed_roles(session)
        auth.end_expired_sessions(session)
        if recover_all:
            answers.recover(session, timedelta(0), live.hub().recorded_text)
    return accounts.ensure_admin()


STALE_AFTER = timedelta(seconds=settings.RECOVERY_STALE_SECONDS)
RECOVERY_EVERY_SECONDS = settings.RECOVERY_EVERY_SECONDS


def stale_after() -> timedelta:
    """How old a reservation must be before the recovery may settle it. It must exceed the
    longest answer: a younger reservation may belong to an answer still streaming on
    another worker. METOGPT_RECOVERY_STALE_SECONDS overrides it (tests use a few seconds)."""
    return timedelta(seconds=settings.recovery_stale_seconds())


def recovery_every_seconds() -> float:
    """The pause between two recovery passes (METOGPT_RECOVERY_EVERY_SECONDS)."""
    return settings.recovery_every_seconds()


def recover_abandoned() -> int:
    """Settle reservations old enough that no live answer can own them."""
    with write_session() as session:
        return answers.recover(session, stale_after(), live.hub().recorded_text)


def purge_deleted() -> int:
    """Conversations deleted past their undo window, and uploads no message took."""
    with write_session() as session:
        purged = conversations.purge(session)
    with write_session() as session:
        return purged + files.sweep_unsent(session)


async def recovery_loop() -> None:
    """Runs beside the app (a lifespan task, in every worker): a worker that died mid-answer
    leaves its reservation behind; the survivors settle it once it is surely abandoned.
    Several workers may try the same reservation at once: settling is claimed by a DELETE,
    so exactly one of them charges it. The same loop purges the conversations deleted
    longer ago than their undo window and the uploads never sent (files.sweep_unsent)."""
    every = recovery_every_seconds()
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(recover_abandoned)
            await asyncio.to_thread(purge_deleted)
        except Exception:  # keep the loop alive through a passing database outage
            logging.getLogger(__name__).exception("reservation recovery failed")


async def load_tokenizer() -> None:
    """A lifespan task: build the token encoding (~0.3 s of CPU) at start, in a thread,
    rather than in the first answer of each worker."""
    await asyncio.to_thread(tokens.encoding)
