"""Latency of `GET /api/admin/users?limit=50` over real HTTP on the large database.

How: starts `uvicorn` (one worker, in its own process) serving metogpt's REST app
(`metogpt.api.build_api()`, what serves /api/* in the product) on a free loopback port
against the seeded database, signs in as the seeded admin (registering one if the database
has none), sends warm-up requests for every scenario, then N rounds of one request per
scenario in turn, sequentially on one keep-alive connection: a burst of other work on a
shared machine then lands on every scenario alike. A request's time is from sending it
to having read the whole response body (status checked, JSON parsed outside the timing);
the server's CPU time (from /proc) is summed per scenario alongside. The
scenarios: first page, deep pages, a search that matches some users (part of a surname,
also at a later page), a broad one and one that matches nobody, all in the default order
(newest first). `GET /api/health` is timed as well, as the floor that HTTP and the
framework cost by themselves.

Usage: python -m bench.api_users [DB_PATH] [--requests N] [--warmup N] [--json F]
"""

from __future__ import annotations

import argparse
import json
import math
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from bench._env import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    DEFAULT_DB,
    ROOT,
    bench_environ,
    use_database,
)
from bench._proc import cpu_seconds

USERS = "/api/admin/users"
SCENARIOS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("baseline: GET /api/health", "/api/health", {}),
    ("first page", USERS, {"limit": 50}),
    ("page at offset 50,000", USERS, {"limit": 50, "offset": 50_000}),
    ("last page (offset 99,950)", USERS, {"limit": 50, "offset": 99_950}),
    ("search 'smith' (part of a name)", USERS, {"limit": 50, "search": "smith"}),
    ("search 'smith', offset 500", USERS, {"limit": 50, "search": "smith", "offset": 500}),
    ("search 'an' (a third of the users)", USERS, {"limit": 50, "search": "an"}),
    ("search matching nobody", USERS, {"limit": 50, "search": "qzx-nobody"}),
)


@dataclass(frozen=True)
class Figures:
    name: str
    path: str
    params: dict[str, Any]
    total: int | None
    requests: int
    p50: float
    p95: float
    p99: float
    max: float
    mean: float
    # The server's CPU time per timed request (mean, 10 ms ticks summed over N requests):
    # what a request costs when the machine is shared and wall-clock time includes waiting
    # for a CPU.
    server_cpu_ms: float


def percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return sorted_ms[max(0, math.ceil(p / 100 * len(sorted_ms)) - 1)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_path: Path, port: int) -> subprocess.Popen[bytes]:
    options = "--factory --host 127.0.0.1 --workers 1 --log-level warning --no-access-log"
    command = [sys.executable, "-m", "uvicorn", "metogpt.api:build_api", "--port", str(port)]
    command += options.split()
    server = subprocess.Popen(command, cwd=ROOT, env=bench_environ(db_path))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"uvicorn exited with {server.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("uvicorn did not come up within 60 s")


def ensure_admin() -> None:
    """Register the bench admin when the database lacks it (a seeded one has it)."""
    from metogpt.services import accounts, roles

    accounts.create(
        ADMIN_EMAIL, ADMIN_USERNAME, "Bench Administrator", ADMIN_PASSWORD, role=roles.ADMIN
    )


def sign_in(client: httpx.Client) -> str:
    body = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    response = client.post("/api/auth/login", json=body)
    if response.status_code == 401:
        ensure_admin()
        response = client.post("/api/auth/login", json=body)
    response.raise_for_status()
    return response.json()["token"]


def measure(client: httpx.Client, server_pid: int, n: int, warmup: int) -> list[Figures]:
    """Warm every scenario up, then run `n` rounds of one request per scenario in turn."""
    for _, path, params in SCENARIOS:
        for _ in range(warmup):
            client.get(path, params=params).raise_for_status()
    times: dict[str, list[float]] = {name: [] for name, _, _ in SCENARIOS}
    cpu: dict[str, float] = dict.fromkeys(times, 0.0)
    totals: dict[str, int | None] = {}
    for _ in range(n):
        for name, path, params in SCENARIOS:
            cpu_began = cpu_seconds(server_pid)
            began = time.perf_counter()
            response = client.get(path, params=params)
            times[name].append((time.perf_counter() - began) * 1000)
            cpu[name] += cpu_seconds(server_pid) - cpu_began
            if response.status_code != 200:
                raise SystemExit(f"{name}: HTTP {response.status_code} {response.text[:200]}")
            totals[name] = response.json().get("total")
    figures = []
    for name, path, params in SCENARIOS:
        ms = sorted(times[name])
        figures.append(
            Figures(
                name,
                path,
                params,
                totals[name],
                n,
                round(percentile(ms, 50), 2),
                round(percentile(ms, 95), 2),
                round(percentile(ms, 99), 2),
                round(ms[-1], 2),
                round(sum(ms) / n, 2),
                round(cpu[name] * 1000 / n, 2),
            )
        )
    return figures


def run(db_path: Path, n: int, warmup: int) -> dict[str, Any]:
    if not db_path.exists():
        raise SystemExit(f"{db_path} does not exist: run python -m bench.seed_large first")
    use_database(db_path)
    port = free_port()
    server = start_server(db_path, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            client.headers["Authorization"] = f"Bearer {sign_in(client)}"
            results = measure(client, server.pid, n, warmup)
        for f in results:
            print(
                f"{f.name:36} p50 {f.p50:7.2f}  p95 {f.p95:7.2f}  p99 {f.p99:7.2f}  "
                f"max {f.max:7.2f} ms  server CPU {f.server_cpu_ms:6.2f} ms  (total {f.total})",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    import uvicorn

    return {
        "server": f"uvicorn {uvicorn.__version__}, 1 worker, loopback, keep-alive",
        "python": sys.version.split()[0],
        "requests": n,
        "warmup": warmup,
        "scenarios": [asdict(f) for f in results],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("db", nargs="?", type=Path, default=DEFAULT_DB)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    figures = run(args.db, args.requests, args.warmup)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
