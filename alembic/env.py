"""Alembic environment: migrates whatever database metogpt.services.db is configured for."""

from sqlmodel import SQLModel

import metogpt.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from alembic import context
from metogpt.services import db, setup

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connectable = context.config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    with db.engines().write.connect() as connection:
        _run(connection)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=setup.in_models,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
