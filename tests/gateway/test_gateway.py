"""The OpenAI-compatible API with the official openai SDK: models, completions streamed and
not, OpenAI and Anthropic upstreams, exact charges, refusals in OpenAI's shape."""

from __future__ import annotations

import json

import httpx
import openai
import pytest
from sqlmodel import select

from metogpt.models import ApiKey, LedgerEntry, Reservation, User
from metogpt.services import billing, coefficients
from metogpt.services.db import read_session
from metogpt.services.gateway import tickets
from metogpt.services.gateway.calls import MAX_BODY
from metogpt.services.llm.tokens import count_text_tokens
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.gateway.conftest import AppServer, keyed, role_models, sdk, v1, v1_stream
from tests.support.calls import charges_of

pytestmark = pytest.mark.usefixtures("database")


def _balance_matches_ledger(user_id: str) -> int:
    with read_session() as s:
        user = s.get(User, user_id)
        assert user is not None
        assert billing.reconcile(s) == []
        total = sum(
            e.amount for e in s.exec(select(LedgerEntry).where(LedgerEntry.user_id == user_id))
        )
        assert user.balance == total
        assert user.reserved == 0
        assert s.exec(select(Reservation).where(Reservation.user_id == user_id)).first() is None
        return user.balance


@pytest.mark.parametrize("role", ["USER", "PRO", "ADMIN"])
def test_models_are_exactly_the_roles(
    app_server: AppServer, fake: FakeProviderServer, role: str
) -> None:
    key = keyed(role)
    listed = [m.id for m in sdk(app_server, key.secret).models.list()]
    assert listed == role_models(role)


def test_a_key_limited_to_some_models_lists_and_uses_only_those(
    app_server: AppServer, fake: FakeProviderServer
) -> None:
    key = keyed("PRO", models=["gpt-4"])
    client = sdk(app_server, key.secret)
    assert [m.id for m in client.models.list()] == ["gpt-4"]
    with pytest.raises(openai.PermissionDeniedError) as refused:
        client.chat.completions.create(
            model="gpt-3.5-turbo", messages=[{"role": "user", "content": "hi"}]
        )
    assert refused.value.status_code == 403
    assert fake.request_count == 0


@pytest.mark.parametrize("model", ["gpt-4", "claude-3"])
def test_non_streamed_completion_is_charged_exactly(
    app_server: AppServer, fake: FakeProviderServer, model: str
) -> None:
    key = keyed("PRO", balance=100_000)
    fake.behavior = FakeBehavior(reply_tokens=17)
    client = sdk(app_server, key.secret)
    done = client.chat.completions.create(
        model=model,
        messages=[
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "say hi to me"},
        ],
        max_tokens=50,
        temperature=0.3,
    )
    assert done.choices[0].message.content == "".join(
        f"{' ' if i else ''}tok{i}" for i in range(17)
    )
    assert done.choices[0].finish_reason == "stop"
    assert done.model == model
    usage = done.usage
    assert usage is not None and usage.completion_tokens == 17
    [charge] = charges_of(key.account.id)
    coefficient = "1.5" if model == "gpt-4" else "1.8"
    expected = coefficients.cost(usage.prompt_tokens + usage.completion_tokens, coefficient)
    assert charge.amount == -expected
    assert (charge.prompt_tokens, charge.completion_tokens) == (usage.prompt_tokens, 17)
    assert charge.api_key_id == key.key_id and charge.model == model
    assert _balance_matches_ledger(key.account.id) == 100_000 - expected
    sent = fake.requests[-1]["body"]
    assert sent["max_tokens"] == 50
    with read_session() as s:
        stored = s.get(ApiKey, key.key_id)
        assert stored is not None and stored.spent == expected and stored.last_used_at is not None


@pytest.mark.parametrize("model", ["gpt-3.5-turbo", "claude-3"])
def test_streamed_completion_with_usage_is_charged_exactly(
    app_server: AppServer, fake: FakeProviderServer, model: str
) -> None:
    key = keyed("PRO", balance=100_000)
    fake.behavior = FakeBehavior(reply_tokens=20)
    client = sdk(app_server, key.secret)
    stream = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "count to twenty"}],
        stream=True,
        stream_options={"include_usage": True},
        max_completion_tokens=100,
    )
    text, usage, finish = [], None, None
    for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            text.append(choice.delta.content or "")
            finish = choice.finish_reason or finish
    assert "".join(text) == "".join(f"{' ' if i else ''}tok{i}" for i in range(20))
    assert finish == "stop"
    assert usage is not None and usage.completion_tokens == 20
    coefficient = "1" if model == "gpt-3.5-turbo" else "1.8"
    [charge] = charges_of(key.account.id)
    assert charge.amount == -coefficients.cost(usage.prompt_tokens + 20, coefficient)
    assert charge.api_key_id == key.key_id
    _balance_matches_ledger(key.account.id)


def test_streamed_without_usage_option_sends_no_usage_chunk_and_still_charges(
    app_server: AppServer, fake: FakeProviderServer
) -> None:
    key = keyed("PRO")
    fake.behavior = FakeBehavior(reply_tokens=5, prompt_tokens=9)
    chunks = list(
        sdk(app_server, key.secret).chat.completions.create(
            model="gpt-4", messages=[{"role": "user", "content": "x"}], stream=True
        )
    )
    assert all(c.usage is None for c in chunks)
    [charge] = charges_of(key.account.id)
    assert charge.amount == -coefficients.cost(9 + 5, "1.5")


def test_max_tokens_is_capped_by_the_balance(
    app_server: AppServer, fake: FakeProviderServer
) -> None:
    key = keyed("USER", balance=60)
    fake.behavior = FakeBehavior(reply_tokens=500, prompt_tokens=10)
    done = sdk(app_server, key.secret).chat.completions.create(
        model="gpt-3.5-turbo", messages=[{"role": "user", "content": "go on"}]
    )
    body = fake.requests[-1]["body"]
    assert 1 <= body["max_tokens"] < 60
    assert done.choices[0].finish_reason == "length"
    assert _balance_matches_ledger(key.account.id) >= 0


def test_short_balance_is_the_quota_error_and_the_provider_hears_nothing(
    app_server: AppServer, fake: FakeProviderServer
) -> None:
    key = keyed("PRO", balance=3)
    with pytest.raises(openai.APIStatusError) as refused:
        sdk(app_server, key.secret).chat.completions.create(
            model="gpt-4", messages=[{"role": "user", "content": "a long enough question here"}]
        )
    assert refused.value.status_code == 402
    assert refused.value.code == "insufficient_quota"
    assert refused.value.type == "insufficient_quota"
    assert fake.request_count == 0
    assert _balance_matches_ledger(key.account.id) == 3


def test_bad_keys_and_bad_requests(app_server: AppServer, fake: FakeProviderServer) -> None:
    for secret in ("mgpt-nope", "sk-other", "mgpt-"):
        r = v1(app_server, secret, "/models")
        assert r.status_code == 401, r.text
        assert r.json()["error"]["code"] == "invalid_api_key"
    key = keyed("PRO")
    for body, param in (
        ({"model": "gpt-4"}, "messages"),
        ({"model": "gpt-4", "messages": [], "stream": True}, "messages"),
        ({"messages": [{"role": "user", "content": "x"}]}, "model"),
        (
            {"model": "gpt-4", "messages": [{"role": "user", "content": "x"}], "temperature": 9},
            "temperature",
        ),
        (
            {"model": "gpt-4", "messages": [{"role": "user", "content": "x"}], "max_tokens": 0},
            "max_tokens",
        ),
    ):
        r = v1(app_server, key.secret, "/chat/completions", body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"]["param"] == param
    # NaN and numbers past 64 bits: JSON that the fast parser refuses, read all the same
    start = b'{"model": "gpt-4", "messages": [{"role": "user", "content": "x"}], '
    for raw, param in ((b'"top_p": NaN}', "top_p"), (b'"n": 1180591620717411303424}', "n")):
        r = httpx.post(
            f"{app_server.base_url}/v1/chat/completions",
            content=start + raw,
            headers={"Authorization": f"Bearer {key.secret}"},
            timeout=30,
        )
        assert r.status_code == 400, (raw, r.text)
        assert r.json()["error"]["param"] == param
    r = v1(app_server, "mgpt-nope", "/chat/completions", {"model": "gpt-4"})
    assert r.status_code == 401  # the key first, whatever the body
    assert fake.request_count == 0
    assert charges_of(key.account.id) == []


def test_a_provider_error_before_output_charges_nothing(
    app_server: AppServer, fake: FakeProviderServer
) -> None:
    key = keyed("PRO")
    fake.behavior = FakeBehavior(status=500)
    with pytest.raises(openai.APIStatusError) as failed:
        sdk(app_server, key.secret).chat.completions.create(
            model="gpt-4", messages=[{"role": "user", "content": "x"}], stream=True
        )
    assert failed.value.status_code == 502
    assert "sk-test" not in failed.value.message
    assert charges_of(key.account.id) == []
    _balance_matches_ledger(key.account.id)


def test_tools_pass_through_to_openai(app_server: AppServer, fake: FakeProviderServer) -> None:
    key = keyed("PRO")
    tools = [
        {
            "type": "function",
            "function": {"name": "now", "parameters": {"type": "object", "properties": {}}},
        }
    ]
    sdk(app_server, key.secret).chat.completions.create(
        model="gpt-4",
        messages=[{"role": "user", "content": "time?"}],
        tools=tools,  # type: ignore[arg-type]
        stop=["END"],
        top_p=0.5,
    )
    body = fake.requests[-1]["body"]
    assert body["tools"] == tools and body["stop"] == ["END"] and body["top_p"] == 0.5


def test_claude_gets_a_translated_request(app_server: AppServer, fake: FakeProviderServer) -> None:
    key = keyed("PRO")
    tools = [
        {
            "type": "function",
            "function": {
                "name": "now",
                "description": "d",
                "parameters": {"type": "object", "properties": {}},
            },
        }
    ]
    sdk(app_server, key.secret).chat.completions.create(
        model="claude-3",
        messages=[{"role": "system", "content": "sys"}, {"role": "user", "content": "hi"}],
        tools=tools,  # type: ignore[arg-type]
        stop="END",
        temperature=1.5,
        max_tokens=30,
    )
    body = fake.requests[-1]["body"]
    assert body["system"] == "sys"
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    assert body["stop_sequences"] == ["END"] and body["temperature"] == 1.0
    assert body["max_tokens"] == 30 and body["model"] == "claude-3-haiku-20240307"
    assert body["tools"][0]["input_schema"] == {"type": "object", "properties": {}}


def test_other_v1_paths_and_methods_and_too_large_bodies_get_openai_errors(
    app_server: AppServer, fake: FakeProviderServer
) -> None:
    key = keyed("PRO")
    headers = {"Authorization": f"Bearer {key.secret}"}
    for method, path in (
        ("GET", "/v1/nope"),
        ("POST", "/v1/completions"),
        ("GET", "/v1/chat/completions"),
        ("DELETE", "/v1/models"),
    ):
        r = httpx.request(method, f"{app_server.base_url}{path}", headers=headers, timeout=30)
        assert r.status_code == 404, (method, path, r.text)
        assert r.json()["error"]["message"] == f"no such endpoint: {path}"
    big = b'{"model": "gpt-4", "messages": [{"role": "user", "content": "' + b"x" * MAX_BODY
    url = f"{app_server.base_url}/v1/chat/completions"
    for content in (big, iter([big[:1000], big[1000:]])):  # by length, then chunked
        r = httpx.post(url, content=content, headers=headers, timeout=60)
        assert r.status_code == 413, r.text
        assert r.json()["error"]["message"] == f"request body larger than {MAX_BODY} bytes"
    assert fake.request_count == 0
    assert _balance_matches_ledger(key.account.id) == 100_000
    # the REST API's own paths are not the gateway's
    r = httpx.get(f"{app_server.base_url}/api/nope", timeout=30)
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_a_failure_of_ours_is_a_500_in_openais_shape(
    app_server: AppServer, fake: FakeProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/v1 is served before the REST app's error middleware: it answers its own failures."""
    key = keyed("PRO")

    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(tickets, "admit_now", broken)
    monkeypatch.setattr(tickets, "admit", broken)
    body = {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "hi"}]}
    r = v1(app_server, key.secret, "/chat/completions", body)
    assert r.status_code == 500, r.text
    assert r.json()["error"] == {
        "message": "internal error",
        "type": "server_error",
        "param": None,
        "code": None,
    }
    assert fake.request_count == 0


@pytest.mark.parametrize("model", ["gpt-3.5-turbo", "claude-3"])
def test_a_stream_the_provider_breaks_off_is_charged_what_the_client_got(
    app_server: AppServer, fake: FakeProviderServer, model: str
) -> None:
    key = keyed("PRO", balance=100_000)
    fake.behavior = FakeBehavior(reply_tokens=20, cut_after_tokens=7, prompt_tokens=9)
    body = {
        "model": model,
        "messages": [{"role": "user", "content": "count"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    with v1_stream(app_server, key.secret, body) as response:
        events = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    assert response.status_code == 200
    chunks = [json.loads(e) for e in events]
    assert chunks[-1]["error"]["type"] == "server_error"  # the stream ends with the error
    text = "".join(
        c["choices"][0]["delta"].get("content") or "" for c in chunks[:-1] if c.get("choices")
    )
    assert text == "".join(f"{' ' if i else ''}tok{i}" for i in range(7))
    [charge] = charges_of(key.account.id)
    kind = "openai" if model == "gpt-3.5-turbo" else "anthropic"
    completion = count_text_tokens(text, kind)
    assert charge.completion_tokens == completion
    prompt = charge.prompt_tokens or 0
    coefficient = "1" if model == "gpt-3.5-turbo" else "1.8"
    assert charge.amount == -coefficients.cost(prompt + completion, coefficient)
    _balance_matches_ledger(key.account.id)
