"""/v1 as plain ASGI with the messages granian sends: the request's body, then an empty
message that ends it. The answer must not wait for that last message (each `receive()` is a
trip to the server's runtime), and a client that goes away is still heard after it."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from starlette.types import Message

from metogpt.api import v1
from metogpt.services import coefficients
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.gateway.conftest import keyed
from tests.support.asgi import completions_scope
from tests.support.calls import charges_of

pytestmark = pytest.mark.usefixtures("database")


def test_the_body_is_read_without_its_empty_last_message_and_a_disconnect_is_heard(
    fake: FakeProviderServer,
) -> None:
    key = keyed("PRO", balance=100_000)
    fake.behavior = FakeBehavior(reply_tokens=400, tokens_per_second=100, prompt_tokens=7)
    body = {"model": "gpt-4", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    payload = json.dumps(body).encode()

    async def exchange() -> tuple[bool, list[bytes]]:
        last, gone = asyncio.Event(), asyncio.Event()
        asked = 0

        async def receive() -> dict[str, Any]:
            nonlocal asked
            asked += 1
            if asked == 1:
                return {"type": "http.request", "body": payload, "more_body": True}
            if asked == 2:  # given only once the answer has begun
                await last.wait()
                return {"type": "http.request", "body": b"", "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        pieces: list[bytes] = []
        began_before_last = False

        async def send(message: Message) -> None:
            nonlocal began_before_last
            if message["type"] != "http.response.body":
                return
            if not pieces:
                began_before_last = not last.is_set()
                last.set()
            pieces.append(message["body"])
            if len(pieces) == 5:
                gone.set()  # the client goes away mid-answer

        await asyncio.wait_for(v1.serve(completions_scope(key.secret, payload), receive, send), 30)
        deadline = time.monotonic() + 30  # settled in a task of its own: wait for it here
        while not await asyncio.to_thread(charges_of, key.account.id):
            assert time.monotonic() < deadline, "the abandoned stream was not settled"
            await asyncio.sleep(0.05)
        return began_before_last, pieces

    began_before_last, pieces = asyncio.run(exchange())
    assert began_before_last
    assert not any(b"[DONE]" in piece for piece in pieces)  # cut short by the disconnect
    [charge] = charges_of(key.account.id)
    assert 0 < (charge.completion_tokens or 0) < 400
    assert charge.amount == -coefficients.cost(
        (charge.prompt_tokens or 0) + (charge.completion_tokens or 0), "1.5"
    )
