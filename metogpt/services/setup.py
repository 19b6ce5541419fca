"""Bringing an installation up: migrations, seeded roles, bootstrap admin, crash recovery."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from alembic.config import Config

from alembic import command
from metogpt.services import billing, chat, roles, users
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
        if recover_all:
            billing.recover_stale(session, timedelta(0), lambda r: chat.used_tokens(session, r))
    return users.ensure_admin()
