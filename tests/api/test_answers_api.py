"""GET /api/answers/{id}/stream over REST: an ended answer is its saved text and its end;
refusals are the documented errors. (An answer in flight is read over real HTTP by the
browser in tests/e2e/test_live_answers.py; the hub itself in tests/services/test_live.py.)"""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from metogpt.services import conversations
from tests.api.helpers import assert_error
from tests.conftest import make_account
from tests.support.calls import answered_turn, in_write, user_row


def _stream(api: TestClient, message_id: str, token: str, query: str = "") -> list[dict]:
    response = api.get(
        f"/api/answers/{message_id}/stream{query}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert response.headers["cache-control"] == "no-store"
    return [json.loads(line) for line in response.text.splitlines()]


def test_an_ended_answer_is_its_saved_text_then_its_end(api: TestClient) -> None:
    acc = make_account(balance=5000)
    conv = answered_turn(acc.id, None, "Hello")
    prompt, answer = in_write(conversations.thread, user_row(acc.id), conv)
    text = answer.content
    assert text
    assert _stream(api, answer.id, acc.token) == [
        {"offset": 0, "text": text, "next": len(text)},
        {"end": "done"},
    ]
    assert _stream(api, answer.id, acc.token, "?from=5") == [
        {"offset": 5, "text": text[5:], "next": len(text)},
        {"end": "done"},
    ]
    assert _stream(api, answer.id, acc.token, f"?from={len(text) + 10}") == [{"end": "done"}]

    stranger = make_account()
    before = api.get(f"/api/answers/{answer.id}/stream", headers={"Authorization": ""})
    assert_error(before, 401)
    refused = api.get(
        f"/api/answers/{answer.id}/stream", headers={"Authorization": f"Bearer {stranger.token}"}
    )
    assert_error(refused, 404, "message_not_found")  # someone else's: as if it did not exist
    for wrong in (prompt.id, "no-such-answer", "x" * 33):
        response = api.get(
            f"/api/answers/{wrong}/stream", headers={"Authorization": f"Bearer {acc.token}"}
        )
        assert response.status_code in (404, 422) and "error" in response.json()
    assert_error(
        api.get(
            f"/api/answers/{answer.id}/stream?from=-1",
            headers={"Authorization": f"Bearer {acc.token}"},
        ),
        422,
    )
