"""python -m bench.chat_latency: see the package's docstring."""

from __future__ import annotations

import argparse
from pathlib import Path

import bench.chat_latency as package
from bench._env import WORK, publish
from bench.chat_latency.report import report
from bench.chat_latency.runs import LONG_SIZES, measure


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(package.__doc__ or "").splitlines()[0])
    parser.add_argument("--first", type=int, default=20, help="first-token runs")
    parser.add_argument("--long", type=int, default=2, help="runs of each long answer")
    parser.add_argument(
        "--long-sizes",
        default=",".join(map(str, LONG_SIZES)),
        help="tokens of the long answers, comma-separated",
    )
    parser.add_argument("--delay", type=float, default=0.3, help="first-token delay (s)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--history",
        type=int,
        default=0,
        help="run the 2,000-token answers in one conversation that already holds this many",
    )
    parser.add_argument("--json", type=Path, default=WORK / "chat_latency.json")
    parser.add_argument("--no-results", action="store_true", help="leave RESULTS.md alone")
    args = parser.parse_args(argv)
    sizes = tuple(int(n) for n in args.long_sizes.split(","))
    figures = measure(args.first, args.long, args.delay, args.warmup, args.history, sizes)
    publish(figures, args.json, report(figures), None if args.no_results else "chromium:chat")


if __name__ == "__main__":
    main()
