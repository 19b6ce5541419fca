"""Where the benchmarks keep their database, and pointing metogpt at it.

metogpt reads its settings (DATABASE_URL, METOGPT_DATA_DIR, ...) once, at import, so
`use_database` must run before anything imports metogpt: the scripts import metogpt
inside their `main()` after calling it.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work"  # git-ignored
DEFAULT_DB = WORK / "bench.db"
RESULTS = ROOT / "bench" / "RESULTS.md"

# The seeded admin the HTTP benchmark signs in as. Every seeded account shares one cheap
# (4-round) bcrypt hash of this password: seeding 100,000 real hashes would take hours.
ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_USERNAME = "bench-admin"
ADMIN_PASSWORD = "bench-password-1"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve().as_posix()}"


_DROPPED = ("METOGPT_CONFIG", "OPENAI_API_KEY", "ANTHROPIC_API_KEY")


def _settings(db_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": sqlite_url(db_path),
        "METOGPT_DATA_DIR": str(WORK / "data"),
        "METOGPT_BCRYPT_ROUNDS": "4",
        "METOGPT_JWT_SECRET": "bench-only-secret-not-for-production-0123456789abcdef",
    }


def bench_environ(db_path: Path) -> dict[str, str]:
    """The environment a metogpt child process needs to run against the bench database
    (the built-in model catalog, no provider keys)."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    env.update(_settings(db_path))
    return env


def use_database(db_path: Path) -> None:
    """Point this process's (not yet imported) metogpt at `db_path`."""
    if "metogpt.settings" in sys.modules:
        raise RuntimeError("use_database must run before metogpt is imported")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    (WORK / "data").mkdir(parents=True, exist_ok=True)
    for key in _DROPPED:
        os.environ.pop(key, None)
    os.environ.update(_settings(db_path))


def write_section(name: str, body: str) -> None:
    """Replace the section between `<!-- name:begin -->` and `<!-- name:end -->` in
    bench/RESULTS.md (appending it when absent); nothing else in the file changes."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{body.strip()}\n{end}"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text)


def publish(figures: Any, json_path: Path, text: str, section: str | None) -> None:
    """A bench script's end: its figures as JSON at `json_path`, its report printed, and
    written into RESULTS.md's `section` (None: RESULTS.md left alone)."""
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(figures, indent=2))
    print(text)
    if section is not None:
        write_section(section, text)
