"""The composer's estimate and the header's balance read (services/costs.py, auth.own_balance)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from metogpt.models import User
from metogpt.services import answers, auth, billing, conversations, costs, relay
from metogpt.services.catalog import reset_catalog_cache
from metogpt.services.coefficients import cost
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import Forbidden, NotFound, Unauthorized
from tests.conftest import make_account
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
def fake(fake_server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.openai_base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.anthropic_base_url)
    reset_catalog_cache()
    fake_server.reset()
    yield fake_server
    monkeypatch.undo()
    reset_catalog_cache()


def _user(user_id: str) -> User:
    with read_session() as s:
        user = s.get(User, user_id)
        assert user is not None
        return user


def _tx(fn, *args, **kw):  # type: ignore[no-untyped-def]
    with write_session() as s:
        return fn(s, *args, **kw)


@pytest.mark.parametrize("model", ["gpt-4", "claude-3"])
def test_the_estimate_is_the_prompt_the_answer_reserves_for(
    database: str, fake: FakeProviderServer, model: str
) -> None:
    """The figure shown before sending is the prompt begin_answer counts, × coefficient:
    the history resent (system prompt, earlier turns) plus the draft."""
    acc = make_account(role="PRO", balance=100_000)
    fake.behavior = FakeBehavior(reply_text="An answer of a few words, with **markdown**.")
    first = _tx(
        conversations.post_user_message,
        _user(acc.id),
        None,
        "First question",
        model,
        system_prompt="Be brief.",
    )
    prepared = _tx(answers.begin_answer, _user(acc.id), first.id, model)
    asyncio.run(relay.stream_answer(prepared))
    conv = prepared.conversation_id
    draft = "And a second one,\r\nover two lines — with ünïcode"

    found = _tx(costs.estimate, _user(acc.id), conv, draft, model)
    # The history is counted once: asked again (as the composer does), the same figure.
    assert _tx(costs.estimate, _user(acc.id), conv, draft, model) == found
    second = _tx(conversations.post_user_message, _user(acc.id), conv, draft, model)
    reserved = _tx(answers.begin_answer, _user(acc.id), second.id, model)
    assert found.prompt_tokens == reserved.prompt_tokens > 0
    coefficient = {"gpt-4": "1.5", "claude-3": "1.8"}[model]
    assert found.coefficient == coefficient
    assert found.credits == cost(found.prompt_tokens, coefficient)
    assert found.typical == cost(costs.TYPICAL_TURN_TOKENS, coefficient)


def test_a_new_conversation_counts_its_system_prompt_and_the_draft(database: str) -> None:
    acc = make_account(role="USER", balance=1000)
    bare = _tx(costs.estimate, _user(acc.id), None, "Hello", "gpt-3.5-turbo")
    framed = _tx(costs.estimate, _user(acc.id), None, "Hello", "gpt-3.5-turbo", "Be brief.")
    empty = _tx(costs.estimate, _user(acc.id), None, "", "gpt-3.5-turbo")
    assert empty.prompt_tokens < bare.prompt_tokens < framed.prompt_tokens
    assert bare.credits == bare.prompt_tokens  # coefficient 1.0


def test_the_estimate_refuses_what_the_user_may_not_use(database: str) -> None:
    owner = make_account(role="PRO", balance=1000)
    other = make_account(role="USER", balance=1000)
    msg = _tx(conversations.post_user_message, _user(owner.id), None, "Mine", "gpt-4")
    with pytest.raises(Forbidden):
        _tx(costs.estimate, _user(other.id), None, "x", "gpt-4")
    with pytest.raises(NotFound):
        _tx(costs.estimate, _user(other.id), msg.conversation_id, "x", "gpt-3.5-turbo")


def test_own_balance_follows_changes_and_checks_the_token(database: str, admin) -> None:
    acc = make_account(role="USER", balance=700)
    token = acc.token
    assert _tx(auth.own_balance, token) == 700
    _tx(billing.change_balance, admin.actor(), acc.id, "add", -200, "test")
    assert _tx(auth.own_balance, token) == 500
    _tx(auth.logout, token)
    with pytest.raises(Unauthorized):
        _tx(auth.own_balance, token)
    with pytest.raises(Unauthorized):
        _tx(auth.own_balance, "not-a-token")
