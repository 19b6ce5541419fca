"""Chat state handlers called directly, as the page calls them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from metogpt.services import live
from metogpt.services.catalog import reset_catalog_cache
from metogpt.services.errors import ErrorCode, InsufficientBalance
from metogpt.state.chat import ChatState
from tests.conftest import Account, make_account
from tests.support import states


def _state(account: Account) -> ChatState:
    state = states.tab(ChatState)
    state.auth_token = account.token
    return state


@pytest.fixture
def openai_key_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """OpenAI's models are real, Anthropic's are answered by the demo provider."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    reset_catalog_cache()
    yield
    monkeypatch.undo()
    reset_catalog_cache()


@pytest.mark.usefixtures("openai_key_only")
def test_the_demo_banner_follows_the_selected_model(database: str) -> None:
    # Issue 12: the banner showed to every user whenever any model lacked a key.
    state = _state(make_account("PRO"))
    asyncio.run(ChatState.load.fn(state))
    assert state.model == "gpt-3.5-turbo" and state.demo_mode is False
    ChatState.set_model.fn(state, "claude-3")
    assert state.demo_mode is True
    ChatState.set_model.fn(state, "gpt-4")
    assert state.demo_mode is False


@pytest.mark.usefixtures("openai_key_only")
def test_a_user_without_stand_in_models_never_sees_the_banner(database: str) -> None:
    state = _state(make_account("USER"))
    asyncio.run(ChatState.load.fn(state))
    assert [m.model for m in state.models] == ["gpt-3.5-turbo"]
    assert state.demo_mode is False


def test_credits_held_by_answers_in_progress_are_explained_in_the_users_language(
    database: str,
) -> None:
    state = _state(make_account(balance=10_000))
    held = InsufficientBalance(
        "held", code=ErrorCode.BALANCE_HELD, answers=2, held=9000, available=1000, needed=1200
    )
    state.lang = "ru"
    assert state._explain(held).startswith("9000 кредитов удерживают идущие ответы (2)")
    state.lang = "en"
    assert state._explain(held).startswith("9000 credits are held by 2 answers in progress")
    short = InsufficientBalance("short", available=3, needed=12)
    assert state._explain(short).startswith("Insufficient balance: 3 credits available")


def test_a_tab_that_changes_hands_stops_its_answer_in_flight(database: str) -> None:
    # The answer's text goes through the hub, not the state: the tab's reset asks the hub
    # to stop it (charged as a stop), as the old per-flush check of the tab's owner did.
    live.configure(None)  # one process: the memory hub
    owner, other = make_account(), make_account()
    state = _state(owner)
    asyncio.run(state._claim(owner.token))
    heard: list[str] = []

    async def scenario() -> None:
        live.hub().open("answer-in-flight", lambda: heard.append("stopped"))
        state._live_id = state.stream_message_id = "answer-in-flight"
        state.streaming = True
        await state._claim(other.token)  # another person signs in on this tab
        await live.hub().close("answer-in-flight", "stopped")

    asyncio.run(scenario())
    assert heard == ["stopped"]
    assert (state.streaming, state.stream_message_id, state._live_id) == (False, "", "")
