"""Attachments: upload speed over loopback HTTP, and the first token with a PDF attached.

1. Upload: `POST /api/files` of a 20 MB text file (the size limit) to the REST app served by
   uvicorn on 127.0.0.1, N times; MB/s = 20 MB / wall time of the request (client to
   response, type check, token count and storage write included). The storage is the local
   directory; `--s3` also measures moto's S3 server on loopback (a stand-in: its speed is
   moto's, not a real object store's).
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
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench._env import WORK, use_database, write_section

MB = 1024 * 1024
PROVIDER_DELAY = 0.3


def _serve(app: object) -> tuple[str, object]:
    import socket

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))  # type: ignore[arg-type]
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server


def _upload_speeds(base: str, token: str, rounds: int) -> list[float]:
    import httpx

    data = (b"0123456789abcdef" * (MB // 16 - 1) + b"\n" * 16) * 20  # 20 MB of text
    data = data[: 20 * MB]
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


def run(rounds: int, with_s3: bool) -> dict[str, object]:
    db = WORK / "attachments.db"
    db.unlink(missing_ok=True)
    uploads = Path(tempfile.mkdtemp(prefix="metogpt-bench-uploads-"))
    os.environ["METOGPT_UPLOADS_DIR"] = str(uploads)
    use_database(db)
    from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer

    fake = FakeProviderServer().start()
    fake.behavior = FakeBehavior(reply_tokens=20, first_token_delay=PROVIDER_DELAY)
    os.environ.update(OPENAI_API_KEY="sk-bench", OPENAI_BASE_URL=fake.openai_base_url)

    from metogpt.api import build_api
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
    base, _ = _serve(build_api())
    figures: dict[str, object] = {"local": _upload_speeds(base, token, rounds)}
    if with_s3:
        figures["s3 (moto)"] = _s3_speeds(base, token, rounds)
    figures["first_token_ms"] = _first_tokens(user.id, actor, rounds)
    fake.stop()
    shutil.rmtree(uploads, ignore_errors=True)
    return figures


def _s3_speeds(base: str, token: str, rounds: int) -> list[float]:
    import boto3
    from moto.server import ThreadedMotoServer

    for key, value in (("AWS_ACCESS_KEY_ID", "k"), ("AWS_SECRET_ACCESS_KEY", "s")):
        os.environ.setdefault(key, value)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    boto3.client("s3", endpoint_url=f"http://{host}:{port}").create_bucket(Bucket="bench")
    os.environ["METOGPT_S3_URL"] = f"http://{host}:{port}/bench"
    try:
        return _upload_speeds(base, token, rounds)
    finally:
        del os.environ["METOGPT_S3_URL"]
        server.stop()


def report(figures: dict[str, object], rounds: int) -> str:
    lines = [
        f"## Attachments (bench/attachments.py, {time.strftime('%Y-%m-%d')}, "
        f"{os.cpu_count()} cores)",
        "",
        f"{rounds} rounds each. Upload: `POST /api/files` of a 20 MB text file over loopback "
        "HTTP (uvicorn, SQLite). First token: a 5-page PDF attached to a gpt-4 question, the "
        f"fake OpenAI server's first-token delay ({PROVIDER_DELAY * 1000:.0f} ms) subtracted.",
        "",
        "| figure | median | worst | target | met |",
        "|---|---|---|---|---|",
    ]
    for name, values in figures.items():
        assert isinstance(values, list)
        if name == "first_token_ms":
            median, worst = statistics.median(values), max(values)
            lines.append(
                f"| first token over the provider's delay | {median:.0f} ms | {worst:.0f} ms "
                f"| ≤ 300 ms | {'yes' if worst <= 300 else 'no'} |"
            )
        else:
            median, worst = statistics.median(values), min(values)
            lines.append(
                f"| upload, {name} storage | {median:.0f} MB/s | {worst:.0f} MB/s | ≥ 50 MB/s "
                f"| {'yes' if worst >= 50 else 'no'} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--s3", action="store_true", help="also upload to moto's S3 server")
    args = parser.parse_args(argv)
    figures = run(args.rounds, args.s3)
    text = report(figures, args.rounds)
    print(text)
    write_section("attachments", text)


if __name__ == "__main__":
    main()
