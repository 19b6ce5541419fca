"""The real app under test: `reflex run --env prod` in its own process group, on a free
port, with a fresh SQLite database in a temp dir (or the PostgreSQL database and Redis it is
given, with several workers). Used by the e2e fixtures (tests/e2e/conftest.py),
tests/e2e/scaleout/ and the browser and load benchmarks in bench/."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
ARTIFACTS = ROOT / "test-artifacts"
START_TIMEOUT = 240.0  # seconds: compile + production build + backend start
# React Router's build asks its preview server for each page with a fixed 10 s timeout; on
# an overloaded machine that request can time out, and the build fails. Such a start is
# tried once more (the build environment, not the test, failed).
_PRERENDER_TIMEOUT = "Prerender: Request failed"


class _PrerenderTimedOut(Exception):
    pass


STOP_TIMEOUT = 20.0

ADMIN_EMAIL = "admin@e2e.example.com"
ADMIN_PASSWORD = "e2e-admin-password-1"

# Anything that would make the app under test talk to a real provider, share state with a
# developer's instance or reuse a database: removed, so every run starts from the same place.
_SCRUBBED_ENV = (
    "DATABASE_URL",
    "REFLEX_REDIS_URL",
    "GRANIAN_WORKERS",
    "METOGPT_CONFIG",
    "METOGPT_JWT_SECRET",
    "METOGPT_ALLOW_REGISTRATION",
    "METOGPT_START_BALANCE",
    "METOGPT_REGISTER_PER_HOUR",
    "METOGPT_TRUSTED_PROXIES",
    "METOGPT_CORS_ORIGINS",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "METOGPT_PUBLIC_URL",
    "METOGPT_YOOKASSA_SHOP_ID",
    "METOGPT_YOOKASSA_SECRET_KEY",
    "METOGPT_YOOKASSA_API_URL",
    "METOGPT_YOOKASSA_TRUSTED_IPS",
    "METOGPT_STRIPE_SECRET_KEY",
    "METOGPT_STRIPE_WEBHOOK_SECRET",
    "METOGPT_STRIPE_API_BASE",
)


# Debian's Chromium, as the e2e tests and the browser benchmarks launch it.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stat_fields(stat: Path) -> list[str]:
    """A /proc/<pid>/stat's fields from `state` on (Linux; psutil is not a dependency):
    "pid (comm) state ppid ...", comm may hold spaces, so split after the ")"."""
    return stat.read_text().rsplit(")", 1)[1].split()


def _children(pid: int) -> set[int]:
    """Direct children of `pid`."""
    found: set[int] = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_fields(stat)
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _age(pid: int) -> float:
    """Seconds since the process started (its start time is in clock ticks since boot)."""
    started = int(stat_fields(Path(f"/proc/{pid}/stat"))[19])
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    return uptime - started / os.sysconf("SC_CLK_TCK")


# Granian takes a worker that dies within 5.5 s of its (re)start for a crash loop and stops
# the whole server (granian 2.8, server/common.py `_serve_loop`). In production the
# supervisor starts it again (compose.yaml: restart: unless-stopped); a test's server would
# stay down, so `kill_worker` kills only workers older than that.
GRANIAN_CRASH_LOOP_SECONDS = 5.5


def _npm_registry() -> str:
    # Reflex probes a mirror unless the registry is named (see ENGINEERING.md); `make test`
    # already exports it, a bare `pytest` does not.
    if registry := os.environ.get("NPM_CONFIG_REGISTRY"):
        return registry
    npm = VENV_BIN / "npm"
    out = subprocess.run(
        [str(npm), "config", "get", "registry"], capture_output=True, text=True, check=False
    )
    return out.stdout.strip() or "https://registry.npmjs.org/"


class _LockfileGuard:
    """Keep `reflex.lock/` byte-identical when reflex only re-serialises it.

    Reflex copies its web dir's package.json back into the tracked `reflex.lock/` at every
    start; a freshly initialised web dir writes the same JSON with another key order, which
    would leave a meaningless diff in the developer's working tree after every test run.
    Real dependency changes (different JSON) are left alone."""

    def __init__(self) -> None:
        self.files = {path: path.read_bytes() for path in (ROOT / "reflex.lock").glob("*.json")}

    def restore_if_only_reordered(self) -> None:
        for path, before in self.files.items():
            if not path.exists():
                continue
            after = path.read_bytes()
            if after != before and json.loads(after) == json.loads(before):
                path.write_bytes(before)


@dataclass
class AppServer:
    """The real app as a child process group; `restart()` keeps the database and port.

    By default one worker on a SQLite file in `data_dir`. Production mode: pass a
    `database_url` (PostgreSQL), a `redis_url` (Reflex keeps its state there, which is what
    lets several workers serve one port) and the number of `workers`."""

    port: int
    data_dir: Path
    log_path: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    admin_email: str = ADMIN_EMAIL
    admin_password: str = ADMIN_PASSWORD
    process: subprocess.Popen[bytes] | None = None
    database_url: str | None = None  # None: SQLite in data_dir
    redis_url: str | None = None  # None: Reflex's in-process state manager, one worker
    workers: int | None = None  # granian workers (GRANIAN_WORKERS); needs redis_url
    # Each server that may run beside another needs its own web dir: the production build
    # (its env.json names the port) is served from there.
    web_dir: Path = field(default_factory=lambda: ARTIFACTS / "e2e-web")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'metogpt.db').as_posix()}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
        env.update(
            PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
            REFLEX_USE_NPM="1",
            REFLEX_CHECK_LATEST_VERSION="false",
            REFLEX_TELEMETRY_ENABLED="false",
            NPM_CONFIG_REGISTRY=_npm_registry(),
            NPM_CONFIG_FUND="false",
            NPM_CONFIG_AUDIT="false",
            NPM_CONFIG_UPDATE_NOTIFIER="false",
            # Its own web dir (kept between runs, so node_modules is installed once): a
            # developer's `make run` building .web at the same time cannot clash with it.
            REFLEX_WEB_WORKDIR=str(self.web_dir),
            REFLEX_STATES_WORKDIR=str(self.data_dir / "states"),
            PORT=str(self.port),
            METOGPT_DATA_DIR=str(self.data_dir),
            DATABASE_URL=self.db_url,
            METOGPT_ADMIN_EMAIL=self.admin_email,
            METOGPT_ADMIN_PASSWORD=self.admin_password,
            METOGPT_BCRYPT_ROUNDS="4",
            # Every test (and bench) registers its own users, all from 127.0.0.1: the
            # per-address registration throttle would stop them after ten.
            METOGPT_REGISTER_PER_HOUR="1000000",
        )
        if self.redis_url:
            env["REFLEX_REDIS_URL"] = self.redis_url
        if self.workers is not None:
            if not self.redis_url:
                raise ValueError("several workers need Redis for the shared state")
            # Read by reflex's prod runner; without it reflex starts 2 × CPUs + 1 workers.
            env["GRANIAN_WORKERS"] = str(self.workers)
        env.update(self.extra_env)
        return env

    def _log(self, line: str) -> None:
        with self.log_path.open("a") as log:
            log.write(f"\n===== {time.strftime('%H:%M:%S')} {line} =====\n")

    def start(self) -> None:
        assert self.process is None, "already running"
        env = self.env()
        self._log("bootstrap")
        with self.log_path.open("ab") as log:
            done = subprocess.run(
                [str(VENV_BIN / "python"), "-m", "metogpt", "bootstrap"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=START_TIMEOUT,  # imports the app: minutes on a loaded machine
                check=False,
            )
        if done.returncode != 0:
            pytest.fail(f"bootstrap failed ({done.returncode}):\n{self.log_tail()}", pytrace=False)
        for attempt in (1, 2):
            try:
                self._run_reflex(env)
                return
            except _PrerenderTimedOut:
                if attempt == 2:
                    raise

    def _run_reflex(self, env: dict[str, str]) -> None:
        self._log(f"reflex run --env prod on port {self.port}")
        guard = _LockfileGuard()
        with self.log_path.open("ab") as log:
            # Its own session: reflex spawns granian workers (and npm during the build), and
            # stop() must reach all of them, not only the reflex CLI.
            self.process = subprocess.Popen(
                [
                    str(VENV_BIN / "reflex"),
                    "run",
                    "--env",
                    "prod",
                    "--backend-host",
                    "127.0.0.1",
                    "--backend-port",
                    str(self.port),
                    "--frontend-port",
                    str(self.port),
                ],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise
        finally:
            guard.restore_if_only_reordered()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if _PRERENDER_TIMEOUT in self.log_tail():
                    raise _PrerenderTimedOut(self.log_tail())
                pytest.fail(
                    f"the app exited with {self.process.returncode} while starting:\n"
                    f"{self.log_tail()}",
                    pytrace=False,
                )
            try:
                health = httpx.get(f"{self.base_url}/api/health", timeout=2)
                page = httpx.get(f"{self.base_url}/login/", timeout=5)
                if health.status_code == 200 and page.status_code == 200:
                    assert health.json() == {"status": "ok"}
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        pytest.fail(
            f"the app did not answer /api/health within {START_TIMEOUT:.0f} s:\n{self.log_tail()}",
            pytrace=False,
        )

    def stop(self) -> None:
        if self.process is None:
            return
        self._log("stop")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT)
        # Granian workers may outlive the CLI for a moment: let them finish, then make sure.
        deadline = time.monotonic() + 5
        while _group_alive(self.process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None
        # Reflex moves to another port (or asks) when ours is still taken.
        deadline = time.monotonic() + STOP_TIMEOUT
        while not _port_is_free(self.port) and time.monotonic() < deadline:
            time.sleep(0.2)

    def restart(self, extra_env: dict[str, str] | None = None) -> None:
        """Stop and start again on the same database, data dir and port."""
        if extra_env is not None:
            self.extra_env = extra_env
        self.stop()
        self.start()

    def worker_pids(self) -> list[int]:
        """The granian worker processes: the children of the reflex process, which is
        granian's main process in production mode (it forks the workers)."""
        if self.process is None:
            return []
        return sorted(_children(self.process.pid))

    def kill_worker(self, pid: int) -> None:
        """SIGKILL a worker (no clean-up of any kind in it), once it has run past granian's
        crash-loop window: a worker started by the previous test's kill may be seconds old."""
        assert pid in self.worker_pids(), f"{pid} is not a worker of this server"
        while _age(pid) <= GRANIAN_CRASH_LOOP_SECONDS + 0.5:
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


@contextlib.contextmanager
def fresh_postgres_database(server_url: str, name: str) -> Iterator[str]:
    """A new database `name` on `server_url`'s server (created through its `postgres`
    database), dropped afterwards; yields its URL."""
    base = make_url(server_url)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
