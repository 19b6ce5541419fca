"""The PostgreSQL server and the Redis the tests may use, and why they do or do not.

TEST_POSTGRES_URL and TEST_REDIS_URL name them. Unset, a quick probe looks for the local
servers CI has (PostgreSQL on 127.0.0.1:5432 with trust auth and a database `test`, Redis
on 127.0.0.1:6379) and sets the variable when one answers, so `make test` or a bare
`pytest` on such a machine runs their tests too. Set to an empty string, the variable opts
out: no probe, those tests are skipped. The tests that need a service read the variable;
the run's summary says which service was used and, when not, why."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass

LOCAL_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LOCAL_REDIS_URL = "redis://127.0.0.1:6379/0"
_TIMEOUT = 1.0  # seconds: a local server answers at once, an absent one is refused at once


@dataclass(frozen=True)
class Service:
    label: str  # "PostgreSQL"
    variable: str  # "TEST_POSTGRES_URL"
    url: str | None  # None: its tests are skipped
    why: str  # where the URL came from, or why there is none

    def describe(self) -> str:
        return (
            f"{self.label}: {self.url} ({self.why})"
            if self.url
            else f"{self.label}: not used, {self.why}"
        )


def _port_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=_TIMEOUT):
            return True
    except OSError:
        return False


def _postgres_error(url: str) -> str | None:
    """None when `url` accepts a connection and a query, else the first line of the error."""
    import psycopg
    from sqlalchemy import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(dsn, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def _redis_error(url: str) -> str | None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=_TIMEOUT, socket_connect_timeout=_TIMEOUT)
    try:
        client.ping()
    except redis.RedisError as exc:
        return str(exc).strip().splitlines()[0]
    finally:
        client.close()
    return None


def _resolve(
    env: MutableMapping[str, str],
    label: str,
    variable: str,
    local_url: str,
    port: int,
    error_of: Callable[[str], str | None],
) -> Service:
    given = env.get(variable)
    if given is not None:
        if given.strip():
            return Service(label, variable, given, f"from {variable}")
        return Service(label, variable, None, f"{variable} is set empty (opted out)")
    if not _port_answers("127.0.0.1", port):
        return Service(
            label, variable, None, f"{variable} is unset and nothing answers on 127.0.0.1:{port}"
        )
    if error := error_of(local_url):
        return Service(
            label, variable, None, f"{variable} is unset and {local_url} refused: {error}"
        )
    env[variable] = local_url
    return Service(label, variable, local_url, f"{variable} was unset; found on 127.0.0.1:{port}")


def resolve(env: MutableMapping[str, str] = os.environ) -> list[Service]:
    """Decide on PostgreSQL and Redis, setting the variables of local servers found."""
    return [
        _resolve(env, "PostgreSQL", "TEST_POSTGRES_URL", LOCAL_POSTGRES_URL, 5432, _postgres_error),
        _resolve(env, "Redis", "TEST_REDIS_URL", LOCAL_REDIS_URL, 6379, _redis_error),
    ]
