"""Bringing an installation up: migrations, seeded roles, bootstrap admin, crash recovery."""

from __future__ import annotations

import asyncio
import logging
import math
import os
from datetime import timedelta
from pathlib import Path

from alembic.config import Config

from alembic import command
from metogpt.services import accounts, auth, chat, roles
from metogpt.services.db import engines, write_session

_ROOT = Path(__file__).resolve().parents[2]


def alembic_config() -> Config:
    cfg = Config(str(_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(_ROOT / "alembic"))
    return cfg


def migrate() -> None:
    with engines().write.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


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
            chat.recover(session, timedelta(0))
    return accounts.ensure_admin()


STALE_AFTER = timedelta(minutes=15)  # far longer than any answer may stream
RECOVERY_EVERY_SECONDS = 60.0


def _seconds_from_env(name: str, default: float) -> float:
    """A positive number of seconds from the environment; the default when unset or invalid
    (a bad value must not make the recovery settle live answers or spin)."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if math.isfinite(value) and value > 0 else default


def stale_after() -> timedelta:
    """How old a reservation must be before the recovery may settle it. It must exceed the
    longest answer: a younger reservation may belong to an answer still streaming on
    another worker. METOGPT_RECOVERY_STALE_SECONDS overrides it (tests use a few seconds)."""
    return timedelta(
        seconds=_seconds_from_env("METOGPT_RECOVERY_STALE_SECONDS", STALE_AFTER.total_seconds())
    )


def recovery_every_seconds() -> float:
    """The pause between two recovery passes (METOGPT_RECOVERY_EVERY_SECONDS)."""
    return _seconds_from_env("METOGPT_RECOVERY_EVERY_SECONDS", RECOVERY_EVERY_SECONDS)


def recover_abandoned() -> int:
    """Settle reservations old enough that no live answer can own them."""
    with write_session() as session:
        return chat.recover(session, stale_after())


async def recovery_loop() -> None:
    """Runs beside the app (a lifespan task, in every worker): a worker that died mid-answer
    leaves its reservation behind; the survivors settle it once it is surely abandoned.
    Several workers may try the same reservation at once: settling is claimed by a DELETE,
    so exactly one of them charges it."""
    every = recovery_every_seconds()
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(recover_abandoned)
        except Exception:  # keep the loop alive through a passing database outage
            logging.getLogger(__name__).exception("reservation recovery failed")
