"""The scale-out app (two workers on PostgreSQL and Redis), started once for the package;
its database and Redis read directly; a REST client and a browser page on it."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from playwright.sync_api import Browser, Page
from sqlalchemy import Engine, create_engine, make_url

from tests.e2e.scaleout.workers import (
    POSTGRES_URL,
    RECOVERY_EVERY_SECONDS,
    RECOVERY_STALE_SECONDS,
    REDIS_URL,
    WORKERS,
)
from tests.support.server import ARTIFACTS, AppServer, free_port, fresh_postgres_database


@pytest.fixture(scope="package")
def scale_db_url() -> Iterator[str]:
    """A database of its own on the TEST_POSTGRES_URL server, dropped afterwards: the unit
    tests own TEST_POSTGRES_URL's database and reset its schema."""
    assert POSTGRES_URL
    name = f"{make_url(POSTGRES_URL).database or 'test'}_scaleout_{os.getpid()}"
    with fresh_postgres_database(POSTGRES_URL, name) as url:
        yield url


@pytest.fixture(scope="package")
def scale_server(scale_db_url: str, app_extra_env: dict[str, str]) -> Iterator[AppServer]:
    assert REDIS_URL
    ARTIFACTS.mkdir(exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="metogpt-scaleout-"))
    server = AppServer(
        port=free_port(),
        data_dir=data_dir,
        log_path=ARTIFACTS / "e2e-scaleout-app.log",
        extra_env={
            **app_extra_env,
            "METOGPT_RECOVERY_STALE_SECONDS": str(RECOVERY_STALE_SECONDS),
            "METOGPT_RECOVERY_EVERY_SECONDS": str(RECOVERY_EVERY_SECONDS),
            # As the deployment recipe runs it (README, compose.yaml): a background task
            # keeps the tab's state and lock between flushes until another event wants them.
            "REFLEX_OPLOCK_ENABLED": "true",
        },
        database_url=scale_db_url,
        redis_url=REDIS_URL,
        workers=WORKERS,
        # Its own web dir: the shared single-worker app may be running beside this one.
        web_dir=ARTIFACTS / "e2e-web-scaleout",
    )
    server.log_path.write_text("")
    server.start()
    try:
        assert len(server.worker_pids()) == WORKERS, server.log_tail()
        yield server
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="package")
def db(scale_db_url: str) -> Iterator[Engine]:
    """The app's database, read directly (the app runs in other processes)."""
    engine = create_engine(scale_db_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="package")
def sockets() -> Iterator[redis.Redis]:
    assert REDIS_URL
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.close()


@pytest.fixture
def http(scale_server: AppServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=scale_server.base_url, timeout=30) as client:
        yield client


@pytest.fixture
def page(browser: Browser, scale_server: AppServer) -> Iterator[Page]:
    """A page in a browser context of its own, on the scale-out app (not the shared one)."""
    context = browser.new_context(base_url=scale_server.base_url, locale="en-US")
    try:
        yield context.new_page()
    finally:
        context.close()
