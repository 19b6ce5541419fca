"""The tables in models.py and the Alembic migrations describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from metogpt.services import db


def test_models_match_migrations(database: str) -> None:
    # `database` ran every migration on a fresh schema; autogenerate must find nothing left.
    with db.engines().write.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
