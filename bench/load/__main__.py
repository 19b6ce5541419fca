"""python -m bench.load: see the package's docstring."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import bench.load as package
from bench.load.infra import PROFILES, RESULTS, ROOT, SECTION
from bench.load.phases import run
from bench.load.report import markdown, write_results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(package.__doc__ or "").split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=100, help="concurrent chat clients")
    parser.add_argument("--rest", type=int, default=50, help="concurrent REST clients")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2, help="granian workers")
    parser.add_argument("--think", type=float, default=3.0, help="mean pause between turns (s)")
    parser.add_argument("--reply-tokens", type=int, default=300)
    parser.add_argument("--tokens-per-second", type=float, default=30.0)
    parser.add_argument(
        "--baseline-chats", type=int, default=10, help="chat clients of the light first phase"
    )
    parser.add_argument("--baseline-rest", type=int, default=5)
    parser.add_argument(
        "--baseline-seconds", type=float, default=20.0, help="0 skips the light first phase"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL"),
        help="a PostgreSQL server (a database for the run is created on it)",
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL") or os.environ.get("TEST_REDIS_URL")
    )
    parser.add_argument(
        "--app-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the app (repeatable), e.g. REFLEX_OPLOCK_ENABLED=false",
    )
    parser.add_argument(
        "--profile", choices=sorted(PROFILES), help="a preset run (its options win over others)"
    )
    parser.add_argument("--section", default=SECTION, help="bench/RESULTS.md's section name")
    parser.add_argument("--no-results", action="store_true", help="do not write RESULTS.md")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    for name, value in PROFILES.get(args.profile or "", {}).items():
        setattr(args, name, value)
    if not args.postgres_url or not args.redis_url:
        parser.error("PostgreSQL and Redis are needed: --postgres-url and --redis-url")

    phases, problems = run(args)
    results = [phase.summary() for phase in phases]
    print(json.dumps({"phases": results, "problems": problems}, indent=2))
    if args.json:
        args.json.write_text(json.dumps({"phases": results, "problems": problems}, indent=2))
    if not args.no_results:
        write_results(markdown(results, problems, args), args.section)
        print(f"written to {RESULTS.relative_to(ROOT)}")
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
