"""Shared fixtures: a migrated database on SQLite and (when there is one, see
tests/support/services.py) on PostgreSQL, seeded roles, users with tokens, a REST client,
the fake payment and provider servers. The run's summary says which PostgreSQL and Redis
were used and what was skipped."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

# Before anything imports metogpt.settings: a throwaway data dir, a fixed signing key,
# cheap bcrypt and the catalog with no provider keys (demo provider).
_DATA = tempfile.mkdtemp(prefix="metogpt-test-")
os.environ["METOGPT_DATA_DIR"] = _DATA
os.environ.setdefault("METOGPT_JWT_SECRET", "test-secret-for-the-test-suite-only-0123456789")
os.environ["METOGPT_BCRYPT_ROUNDS"] = "4"
os.environ["METOGPT_DEMO_DELAY"] = "0"
for _key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "METOGPT_CONFIG", "DATABASE_URL"):
    os.environ.pop(_key, None)

import pytest  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from metogpt.models import User  # noqa: E402
from metogpt.services import accounts, auth, db, roles, setup  # noqa: E402
from metogpt.services.catalog import reset_catalog_cache  # noqa: E402
from metogpt.services.permissions import Actor  # noqa: E402
from tests.fixtures.fake_payments import FakePaymentServer  # noqa: E402
from tests.fixtures.fake_providers import FakeProviderServer  # noqa: E402
from tests.fixtures.fake_s3 import s3_endpoint, storage  # noqa: E402, F401
from tests.support import services  # noqa: E402
from tests.support.calls import sql  # noqa: E402

_services: list[services.Service] = []
_migrated: set[str] = set()


def pytest_configure(config: pytest.Config) -> None:
    # Before collection: test modules read TEST_POSTGRES_URL / TEST_REDIS_URL when imported.
    _services[:] = services.resolve()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Which PostgreSQL and Redis the run used, and every skip reason with its count."""
    terminalreporter.section("test services and skipped tests")
    for service in _services:
        terminalreporter.line(service.describe())
    reasons = Counter(
        str(report.longrepr[2]).removeprefix("Skipped: ")
        if isinstance(report.longrepr, tuple)
        else str(report.longrepr)
        for report in terminalreporter.stats.get("skipped", [])
    )
    for reason, count in reasons.most_common():
        terminalreporter.line(f"{count:5d} skipped: {reason}", yellow=True)
    if not reasons:
        terminalreporter.line("nothing skipped", green=True)


def _postgres() -> services.Service:
    return next(service for service in _services if service.variable == "TEST_POSTGRES_URL")


def _url(backend: str) -> str:
    if backend == "postgres":
        url = _postgres().url
        assert url
        return url
    return f"sqlite:///{_DATA}/test.db"


def _reset_postgres_schema(url: str) -> None:
    # The first use in a run starts from an empty schema, so migrations run for real.
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _wipe() -> None:
    with db.write_session() as session:
        for table in reversed(SQLModel.metadata.sorted_tables):
            sql(session, f'DELETE FROM "{table.name}"')


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated, empty database with the seeded roles; yields the backend name."""
    if request.param == "postgres" and not _postgres().url:
        pytest.skip(f"PostgreSQL tests skipped: {_postgres().why}")
    url = _url(request.param)
    if url not in _migrated:
        if request.param == "postgres":
            _reset_postgres_schema(url)
        db.configure(url)
        setup.migrate()
        _migrated.add(url)
    else:
        db.configure(url)
    _wipe()
    with db.write_session() as session:
        roles.seed_roles(session)
    yield request.param
    db.configure(_url("sqlite"))


@dataclass
class Account:
    user: User
    token: str
    password: str

    @property
    def id(self) -> str:
        return self.user.id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def actor(self) -> Actor:
        with db.read_session() as session:
            return auth.authenticate(session, self.token)[1]


_counter = iter(range(1, 10**9))


def make_account(
    role: str = "USER", balance: int | None = None, password: str = "password-1"
) -> Account:
    n = next(_counter)
    user = accounts.create(
        f"user{n}@example.com", f"user{n}", f"User {n}", password, role=role, balance=balance
    )
    with db.write_session() as session:
        token, _ = auth.issue_token(session, user)
    return Account(user, token, password)


@pytest.fixture
def admin(database: str) -> Account:
    return make_account("ADMIN")


@pytest.fixture
def api(database: str):
    from fastapi.testclient import TestClient

    from metogpt.api import build_api

    with TestClient(build_api()) as client:
        yield client


@pytest.fixture(scope="session")
def fake_payments() -> Iterator[FakePaymentServer]:
    with FakePaymentServer() as server:
        yield server


@pytest.fixture
def providers(
    fake_payments: FakePaymentServer, monkeypatch: pytest.MonkeyPatch
) -> FakePaymentServer:
    """YooKassa and Stripe both set up, pointed at the fake by their base-URL settings."""
    from metogpt.services import gateways
    from metogpt.settings import settings

    configured = dataclasses.replace(
        settings,
        yookassa_shop_id=fake_payments.shop_id,
        yookassa_secret_key=fake_payments.yookassa_secret,
        yookassa_api_url=fake_payments.yookassa_api_url,
        stripe_secret_key=fake_payments.stripe_key,
        stripe_webhook_secret=fake_payments.stripe_webhook_secret,
        stripe_api_base=fake_payments.stripe_api_base,
    )
    monkeypatch.setattr(gateways, "settings", configured)
    return fake_payments


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
def fake(fake_server: FakeProviderServer) -> Iterator[FakeProviderServer]:
    """The fake OpenAI and Anthropic servers as the catalog's providers (keys and base URLs
    in the environment), with no request logged and the default behaviour. The catalog is
    read again once the environment is restored."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("OPENAI_API_KEY", "sk-test")
        env.setenv("OPENAI_BASE_URL", fake_server.openai_base_url)
        env.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
        env.setenv("ANTHROPIC_BASE_URL", fake_server.anthropic_base_url)
        reset_catalog_cache()
        fake_server.reset()
        yield fake_server
    reset_catalog_cache()
