"""A turn taken whose answer never began does not leave the tab on Stop (state/chat/turns.py):
its handler failing, or its worker dying, before the answer's id reached the page. The
prompt is kept once (in the conversation if it was saved, else in the composer); a
reservation left behind is settled by the crash recovery. tests/e2e/scaleout/
test_worker_killed_before_answer.py kills a real worker in that moment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, func, select

from metogpt import i18n
from metogpt.models import Message, Reservation
from metogpt.services import answers, db, live, relay
from metogpt.state.chat import ChatState, answer_flow
from metogpt.state.chat import state as chat_state
from tests.conftest import make_account
from tests.support import states


@pytest.fixture(autouse=True)
def memory_hub() -> Iterator[None]:
    live.configure(None)  # one process: the memory hub
    yield
    live.configure(None)


async def _tab(token: str | None = None) -> ChatState:
    """A tab's state, signed in (a new account's unless `token`), the chat page loaded."""
    state = states.tab(ChatState)
    state.auth_token = token or make_account().token
    await ChatState.load.fn(state)  # pyright: ignore[reportFunctionMemberAccess]
    assert state.model
    return state


async def _send(state: ChatState, text: str) -> None:
    events: AsyncIterator[Any] = ChatState.send.fn(state, {"prompt": text, "send_id": text})  # pyright: ignore[reportFunctionMemberAccess]
    async for _ in events:
        pass


def _prompts(text: str) -> int:
    with db.read_session() as session:
        query = select(func.count()).select_from(Message).where(col(Message.content) == text)
        return session.exec(query).one()


def _reservations() -> int:
    with db.read_session() as session:
        return session.exec(select(func.count()).select_from(Reservation)).one()


def _failing(*_: Any, **__: Any) -> Any:
    raise RuntimeError("the handler failed")


def test_a_send_whose_handler_fails_before_saving_keeps_the_prompt_in_the_composer(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def scenario() -> ChatState:
        state = await _tab()
        monkeypatch.setattr(answers, "post_and_begin", _failing)
        with pytest.raises(RuntimeError):
            await _send(state, "Kept in the composer")
        return state

    state = asyncio.run(scenario())
    assert state.streaming is False  # Send again, not Stop
    assert state.draft == "Kept in the composer"
    assert state.error == i18n.tr("chat.error.turn_lost", "en")
    assert _prompts("Kept in the composer") == 0


def test_a_send_whose_handler_fails_after_saving_shows_the_prompt_once(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def scenario() -> ChatState:
        state = await _tab()
        monkeypatch.setattr(relay, "start_answer", _failing)  # saved, the answer not begun
        with pytest.raises(RuntimeError):
            await _send(state, "Saved before the failure")
        return state

    state = asyncio.run(scenario())
    assert state.streaming is False
    assert state.draft == ""  # in the conversation: sending it again would make two
    assert state.error == i18n.tr("chat.error.turn_lost_saved", "en")
    assert state.current_id  # the new chat is shown
    assert [m.content for m in state.messages if m.role == "user"] == ["Saved before the failure"]
    assert _prompts("Saved before the failure") == 1
    # The answer it had begun holds credits until the crash recovery settles it.
    with db.write_session() as session:
        assert answers.recover(session, timedelta(0)) == 1
    assert _reservations() == 0


@pytest.mark.parametrize("saved", [False, True], ids=["before-saving", "after-saving"])
def test_a_turn_whose_worker_died_before_its_answer_began_is_given_up(
    database: str, monkeypatch: pytest.MonkeyPatch, saved: bool
) -> None:
    text = f"Sent as the worker died ({saved})"

    async def scenario() -> tuple[ChatState, Any]:
        state = await _tab()
        entered, never = asyncio.Event(), asyncio.Event()

        async def hang(*_: Any, **__: Any) -> Any:
            entered.set()
            await never.wait()  # the worker dies here

        if saved:  # the prompt and the answer's reservation committed, the page not told
            monkeypatch.setattr(answer_flow, "begun", hang)
        else:  # the send's transaction not committed
            monkeypatch.setattr(chat_state, "in_write", hang)
        task = asyncio.ensure_future(_send(state, text))
        await asyncio.wait_for(entered.wait(), 30)
        assert state.streaming and not state.stream_message_id  # Stop, no answer yet
        # The page asks while the worker lives: nothing changes.
        check = ChatState.turn_check.fn  # pyright: ignore[reportFunctionMemberAccess]
        assert await check(state, state.turn) is None
        assert state.streaming
        task.cancel()  # the worker dies: no clean-up of its own runs...
        live.configure(None)  # ...and its heartbeat stops (this hub is another worker's)
        redirect = await check(state, state.turn)
        return state, redirect

    state, redirect = asyncio.run(scenario())
    assert state.streaming is False  # Send again, not Stop
    assert _prompts(text) == int(saved)
    if saved:
        assert redirect is not None  # the chat it created, at its address
        assert state.draft == ""
        assert [m.content for m in state.messages if m.role == "user"] == [text]
        assert state.error == i18n.tr("chat.error.turn_lost_saved", "en")
        with db.write_session() as session:
            assert answers.recover(session, timedelta(0)) == 1
        assert _reservations() == 0
    else:
        assert redirect is None
        assert state.draft == text
        assert state.error == i18n.tr("chat.error.turn_lost", "en")


@pytest.mark.parametrize("saved", [False, True], ids=["before-saving", "after-saving"])
def test_a_page_back_as_a_new_tab_hears_of_its_turn_gone_without_an_answer(
    database: str, monkeypatch: pytest.MonkeyPatch, saved: bool
) -> None:
    # Reflex gives a page reconnecting from a dead worker a new token (the dead socket's
    # record stays): a fresh state, which the page tells of the turn it was waiting for.
    text = f"Sent as the worker died, back as a new tab ({saved})"

    async def scenario() -> tuple[ChatState, Any, Any]:
        old = await _tab()
        entered, never = asyncio.Event(), asyncio.Event()

        async def hang(*_: Any, **__: Any) -> Any:
            entered.set()
            await never.wait()

        if saved:
            monkeypatch.setattr(answer_flow, "begun", hang)
        else:
            monkeypatch.setattr(chat_state, "in_write", hang)
        task = asyncio.ensure_future(_send(old, text))
        await asyncio.wait_for(entered.wait(), 30)
        task.cancel()
        check = ChatState.turn_check.fn  # pyright: ignore[reportFunctionMemberAccess]
        assert await check(old, "") is None  # nothing to say of no turn
        new = await _tab(old.auth_token)  # the page, back on the chat as a new tab
        new.draft = text  # the browser's copy of the draft (localStorage)
        redirect = await check(new, old.turn)
        again = await check(new, old.turn)  # asked twice: told once
        return new, redirect, again

    new, redirect, again = asyncio.run(scenario())
    assert again is None
    assert new.streaming is False and _prompts(text) == int(saved)
    if saved:
        assert redirect is not None and new.current_id
        assert new.draft == ""  # in the conversation: sending it again would make two
        assert [m.content for m in new.messages if m.role == "user"] == [text]
        assert new.error == i18n.tr("chat.error.turn_lost_saved", "en")
    else:
        assert redirect is None and new.draft == text
        assert new.error == i18n.tr("chat.error.turn_lost", "en")
