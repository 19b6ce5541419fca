"""Memory of exporting every conversation of a user with 10,000 of them (issue 16: streamed,
under 100 MB extra).

How: a fresh SQLite database (bench/.work/export.db) is seeded with one user owning N
conversations (default 10,000) of M messages each (default 6, ~400 characters per
message, every third conversation with a second branch). A child process, started
fresh, imports the app, reads its resident memory (VmRSS), then consumes
`export.stream_all` (what GET /api/conversations/export streams) into a SHA-256 digest and
reads its peak resident memory (ru_maxrss, VmHWM) afterwards: "extra" is the peak minus
the memory before the export. For comparison, `--naive` builds the same document whole in
memory (every conversation loaded, then one json.dumps), as an unstreamed export would.

Usage: python -m bench.export_memory [--conversations N] [--messages M] [--naive] [--json F]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench._env import ROOT, WORK, bench_environ, use_database, write_section

DB = WORK / "export.db"
TEXT = ("The quick brown fox jumps over the lazy dog while the model explains. " * 6)[:400]


def _kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def seed(conversations: int, messages: int) -> str:
    """A fresh database with one user and their conversations; returns the user's id."""
    DB.unlink(missing_ok=True)
    use_database(DB)
    from sqlalchemy import insert

    from metogpt.models import Conversation, Message, new_id, utcnow
    from metogpt.services import accounts, db, roles, setup

    setup.migrate()
    with db.write_session() as session:
        roles.seed_roles(session)
    user = accounts.create("export@example.com", "export", "Export", "password-1", balance=0)
    now = utcnow()
    with db.write_session() as session:
        for start in range(0, conversations, 500):
            convs, msgs = [], []
            for c in range(start, min(start + 500, conversations)):
                cid, parent, leaf = new_id(), None, None
                for m in range(messages):
                    mid = new_id()
                    role = "user" if m % 2 == 0 else "assistant"
                    msgs.append(
                        {"id": mid, "conversation_id": cid, "parent_id": parent, "role": role,
                         "content": f"{c}.{m} {TEXT}", "model": "gpt-3.5-turbo", "status": "done",
                         "prompt_tokens": 100, "completion_tokens": 80, "charged": 180,
                         "coefficient": "1", "created_at": now}
                    )  # fmt: skip
                    if c % 3 == 0 and m == 1:  # a second answer to the first prompt
                        msgs.append({**msgs[-1], "id": new_id(), "content": f"again {TEXT}"})
                    parent = leaf = mid
                convs.append(
                    {"id": cid, "user_id": user.id, "title": f"Conversation {c}",
                     "system_prompt": "", "model": "gpt-3.5-turbo", "active_leaf_id": leaf,
                     "archived": False, "imported": False, "created_at": now, "updated_at": now}
                )  # fmt: skip
            session.exec(insert(Conversation), params=convs)  # type: ignore[call-overload]
            session.exec(insert(Message), params=msgs)  # type: ignore[call-overload]
    return user.id


def measure(user_id: str, naive: bool) -> dict[str, Any]:
    """In a fresh process: memory before and at the peak of one export."""
    import hashlib
    import resource

    use_database(DB)
    from metogpt.models import User
    from metogpt.services import auth, db
    from metogpt.services.travel import export

    with db.read_session() as session:
        user = session.get(User, user_id)
        assert user is not None
        actor = auth.actor_for(session, user)
    before = _kib("VmRSS")
    digest, size, started = hashlib.sha256(), 0, time.perf_counter()
    if naive:
        from sqlmodel import col, select

        from metogpt.models import Conversation, Message

        with db.read_session() as session:
            all_convs = session.exec(select(Conversation).where(Conversation.user_id == user_id))
            by_conv: dict[str, list[Message]] = {}
            ids = col(Message.conversation_id).in_(
                select(Conversation.id).where(Conversation.user_id == user_id)
            )
            for m in session.exec(select(Message).where(ids)):
                by_conv.setdefault(m.conversation_id, []).append(m)
            convs = [export.conversation_json(c, by_conv.get(c.id, [])) for c in all_convs]
        whole = json.dumps({"conversations": convs}, ensure_ascii=False).encode()
        digest.update(whole)
        size = len(whole)
    else:
        for chunk in export.stream_all(actor):
            digest.update(chunk)
            size += len(chunk)
    seconds = time.perf_counter() - started
    peak = max(_kib("VmHWM"), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return {
        "mode": "naive" if naive else "streamed",
        "bytes": size,
        "seconds": round(seconds, 2),
        "rss_before_mb": round(before / 1024, 1),
        "peak_mb": round(peak / 1024, 1),
        "extra_mb": round((peak - before) / 1024, 1),
    }


def report(args: argparse.Namespace, runs: list[dict[str, Any]]) -> str:
    lines = [
        "## Export of every conversation (`python -m bench.export_memory`)",
        "",
        f"One user with {args.conversations:,} conversations of {args.messages} messages "
        "(every third with a second branch), SQLite. Target (issue 16): the streamed export "
        "under 100 MB extra memory.",
        "",
        "| mode | document | time | RSS before | peak RSS | extra |",
        "|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r['mode']} | {r['bytes'] / 2**20:.1f} MB | {r['seconds']} s | "
            f"{r['rss_before_mb']} MB | {r['peak_mb']} MB | **{r['extra_mb']} MB** |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=6)
    parser.add_argument("--naive", action="store_true", help="also measure an unstreamed export")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", help=argparse.SUPPRESS)  # user id: measure in this process
    parser.add_argument("--child-naive", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.child_naive)))
        return
    user_id = subprocess.run(
        [sys.executable, "-c", f"from bench.export_memory import seed; "
         f"print(seed({args.conversations}, {args.messages}))"],
        cwd=ROOT, env=bench_environ(DB), check=True, capture_output=True, text=True,
    ).stdout.split()[-1]  # fmt: skip
    runs = []
    for naive in [False, True] if args.naive else [False]:
        command = [sys.executable, "-m", "bench.export_memory", "--child", user_id]
        out = subprocess.run(
            command + (["--child-naive"] if naive else []),
            cwd=ROOT, env=bench_environ(DB), check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        runs.append(json.loads(out.strip().splitlines()[-1]))
        print(runs[-1])
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2))
    write_section("sqlite:export", report(args, runs))


if __name__ == "__main__":
    main()
