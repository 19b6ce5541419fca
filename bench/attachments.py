"""Attachments: upload speed over loopback HTTP, and the first token with a PDF attached.

1. Upload: `POST /api/files` of a 20 MB text file (the size limit) to the REST app served
   as `reflex run --env prod` serves it (granian, one worker, its own process) on
   127.0.0.1, N times; MB/s = 20 MB / wall time of the request (client to response, type
   check, token count, storage write and the row included). The storage is the local
   directory; `--s3` also measures moto's S3 server on loopback (a stand-in: its speed is
   moto's, not a real object store's, and is measured alone too, boto3 straight to it).
2. First token: a 5-page PDF uploaded and attached to a question for gpt-4, answered by the
   tests' fake OpenAI server with a scripted first-token delay (300 ms); from the call that
   posts the message (post_user_message → begin_answer → relay, the chat's own path) to the
   first text handed to the screen callback, minus that delay: what the attachment adds on
   our side (PDF context block, token count, reservation, request building).

Writes the `attachments` section of bench/RESULTS.md. Target (issue 15): upload ≥ 50 MB/s,
first token within 300 ms of the provider's own delay.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._env import ROOT, WORK, bench_environ, use_database, write_section

MB = 1024 * 1024
PROVIDER_DELAY = 0.3
_DATA = ((b"0123456789abcdef" * (MB // 16 - 1) + b"\n" * 16) * 20)[: 20 * MB]  # 20 MB of text


def _serve(env: dict[str, str]) -> tuple[str, subprocess.Popen[bytes]]:
    from bench.gateway import _wait
    from tests.support.server import free_port

    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "granian"), "--interface", "asgi",
         "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--log-level", "warning", "bench._gateway_app:app"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    _wait(f"{base}/api/health")
    return base, server


def _speeds(env: dict[str, str], token: str, rounds: int) -> list[float]:
    base, server = _serve(env)
    try:
        return _upload_speeds(base, token, rounds)
    finally:
        server.terminate()
        server.wait()


def _upload_speeds(base: str, token: str, rounds: int) -> list[float]:
    import httpx

    data = _DATA
    speeds = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for n in range(rounds + 1):  # the first warms up and is dropped
            started = time.perf_counter()
            response = client.post(
                "/api/files",
                headers={"Authorization": f"Bearer {token}"},
                files={"file": (f"big{n}.txt", data, "text/plain")},
            )
            took = time.perf_counter() - started
            response.raise_for_status()
            speeds.append(len(data) / MB / took)
    return speeds[1:]


async def _first_text(prepared: Any) -> float:
    """Run the answer; when its first text reached a reader of the hub (as the page's)."""
    from metogpt.services import live, relay

    answer = asyncio.ensure_future(relay.stream_answer(prepared))
    first = 0.0
    async for event in live.hub().follow(prepared.assistant_message_id, 0):
        if isinstance(event, live.Delta) and not first:
            first = time.perf_counter()
    await answer
    return first


def _first_tokens(user_id: str, actor: object, rounds: int) -> list[float]:
    from metogpt.models import User
    from metogpt.services import answers, conversations, files
    from metogpt.services.db import write_session
    from tests.fixtures.documents import pdf

    pages = [f"Page {n}: " + "figures and findings " * 40 for n in range(1, 6)]
    lags = []
    for _ in range(rounds + 1):  # the first warms up (tokenizer, SDK imports) and is dropped
        found = files.upload(actor, "report.pdf", pdf(pages))  # type: ignore[arg-type]
        started = time.perf_counter()
        with write_session() as session:
            user = session.get(User, user_id)
            assert user is not None
            msg = conversations.post_user_message(
                session, user, None, "Summarise the report.", "gpt-4", file_ids=[found.id]
            )
        with write_session() as session:
            prepared = answers.begin_answer(session, user, msg.id, "gpt-4")
        first = asyncio.run(_first_text(prepared))
        lags.append((first - started - PROVIDER_DELAY) * 1000)
    return lags[1:]


def run(rounds: int, with_s3: bool) -> dict[str, list[float]]:
    db = WORK / "attachments.db"
    db.unlink(missing_ok=True)
    uploads = Path(tempfile.mkdtemp(prefix="metogpt-bench-uploads-"))
    os.environ["METOGPT_UPLOADS_DIR"] = str(uploads)
    use_database(db)
    from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer

    fake = FakeProviderServer().start()
    fake.behavior = FakeBehavior(reply_tokens=20, first_token_delay=PROVIDER_DELAY)
    os.environ.update(OPENAI_API_KEY="sk-bench", OPENAI_BASE_URL=fake.openai_base_url)

    from metogpt.services import accounts, auth, roles, setup
    from metogpt.services.db import read_session, write_session

    setup.migrate()
    with write_session() as session:
        roles.seed_roles(session)
    user = accounts.create(
        "bench@example.com", "bench", "Bench", "password-1", role="PRO", balance=10**9
    )
    with write_session() as session:
        token, _ = auth.issue_token(session, user)
    with read_session() as session:
        actor = auth.authenticate(session, token)[1]
    env = bench_environ(db) | {"METOGPT_UPLOADS_DIR": str(uploads)}
    figures: dict[str, list[float]] = {"load": list(os.getloadavg())}
    figures["local"] = _speeds(env, token, rounds)
    if with_s3:
        figures |= _s3_speeds(env, token, rounds)
    figures["first_token_ms"] = _first_tokens(user.id, actor, rounds)
    fake.stop()
    shutil.rmtree(uploads, ignore_errors=True)
    figures["load"] += os.getloadavg()
    return figures


def _s3_speeds(env: dict[str, str], token: str, rounds: int) -> dict[str, list[float]]:
    """Through the app to moto, and, for moto's own ceiling, boto3 straight to moto. moto runs
    in its own process (in this one it would share the interpreter with the client)."""
    import boto3

    from bench.gateway import _wait
    from tests.support.server import free_port

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    credentials = {"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}
    credentials["AWS_DEFAULT_REGION"] = "us-east-1"
    try:
        _wait(f"{endpoint}/moto-api/")
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="k",
            aws_secret_access_key="s",
            region_name="us-east-1",
        )
        s3.create_bucket(Bucket="bench")
        app = _speeds(env | credentials | {"METOGPT_S3_URL": f"{endpoint}/bench"}, token, rounds)
        direct = []
        for n in range(rounds + 1):  # the first warms up and is dropped
            started = time.perf_counter()
            s3.put_object(Bucket="bench", Key=f"direct-{n}", Body=_DATA)
            direct.append(len(_DATA) / MB / (time.perf_counter() - started))
        return {"s3 (moto)": app, "moto alone": direct[1:]}
    finally:
        server.terminate()
        server.wait()


def report(figures: dict[str, list[float]], rounds: int) -> str:
    load = figures.pop("load")
    lines = [
        f"## Attachments (bench/attachments.py, {time.strftime('%Y-%m-%d')}, "
        f"{os.cpu_count()} cores)",
        "",
        f"{rounds} rounds each. Upload: `POST /api/files` of a 20 MB text file over loopback "
        "HTTP (granian, one worker, its own process; SQLite). First token: a 5-page PDF "
        "attached to a gpt-4 question, the fake OpenAI server's first-token delay "
        f"({PROVIDER_DELAY * 1000:.0f} ms) subtracted. Load average (1, 5, 15 min) "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the start, "
        f"{load[3]:.1f} / {load[4]:.1f} / {load[5]:.1f} at the end: the machine is shared.",
        "",
        "| figure | median | worst | target | met |",
        "|---|---|---|---|---|",
    ]
    for name, values in figures.items():
        if name == "first_token_ms":
            median, worst = statistics.median(values), max(values)
            lines.append(
                f"| first token over the provider's delay | {median:.0f} ms | {worst:.0f} ms "
                f"| ≤ 300 ms | {'yes' if worst <= 300 else 'no'} |"
            )
        elif name == "moto alone":  # the ceiling of the S3 figure: no target
            median, worst = statistics.median(values), min(values)
            lines.append(
                f"| moto alone (boto3 PUT of the same 20 MB) | {median:.0f} MB/s "
                f"| {worst:.0f} MB/s | — | — |"
            )
        else:
            median, worst = statistics.median(values), min(values)
            lines.append(
                f"| upload, {name} storage | {median:.0f} MB/s | {worst:.0f} MB/s | ≥ 50 MB/s "
                f"| {'yes' if worst >= 50 else 'no'} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--s3", action="store_true", help="also upload to moto's S3 server")
    args = parser.parse_args(argv)
    figures = run(args.rounds, args.s3)
    text = report(figures, args.rounds)
    print(text)
    write_section("attachments", text)


if __name__ == "__main__":
    main()
