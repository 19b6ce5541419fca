"""A send is taken once by its browser id (state/chat/sends.py): a late copy and a retry of
the same send make one message; a send never taken keeps its files in the composer."""

from __future__ import annotations

import asyncio

from metogpt.state.attachments import ComposerFiles
from metogpt.state.chat import ChatState, sends
from metogpt.state.chat.rows import FileRow
from tests.support import states


def _state() -> ChatState:
    state = states.tab(ChatState)
    return state


def test_a_send_id_is_taken_once_and_always_shown_back() -> None:
    state = _state()
    assert sends.take(state, "first") is True
    assert state.taken_send == "first"
    state.taken_send = ""
    # The retry of a send that arrived late anyway: not taken, but the browser hears of it.
    assert sends.take(state, "first") is False
    assert state.taken_send == "first"
    assert sends.take(state, "second") is True
    assert sends.take(state, "first") is False
    assert state.taken_send == "first"


def test_a_send_without_an_id_is_taken_and_shows_nothing_back() -> None:
    state = _state()
    assert sends.take(state, "") is True
    assert sends.take(state, "") is True
    assert state.taken_send == ""


def test_a_tab_remembers_its_recent_sends_only() -> None:
    state = _state()
    ids = [f"send-{i}" for i in range(sends.KEPT + 5)]
    assert all(sends.take(state, i) for i in ids)
    assert len(state._sends) == sends.KEPT
    assert not any(sends.take(state, i) for i in ids[-sends.KEPT :])
    assert sends.take(state, ids[0]) is True  # long forgotten


def test_an_id_is_cut_to_its_length_before_it_is_compared() -> None:
    state = _state()
    long = "x" * (sends.ID_LENGTH + 50)
    assert sends.take(state, long) is True
    assert state.taken_send == "x" * sends.ID_LENGTH
    assert sends.take(state, long + "y") is False


def test_only_the_sent_files_leave_the_composer() -> None:
    state = _state()
    files = asyncio.run(state.get_state(ComposerFiles))
    assert isinstance(files, ComposerFiles)
    files.pending = [FileRow(i, f"{i}.png", "1 KB", "image", "") for i in ("a", "b")]
    asyncio.run(sends.files_sent(state, []))
    assert [row.id for row in files.pending] == ["a", "b"]
    asyncio.run(sends.files_sent(state, ["a"]))
    assert [row.id for row in files.pending] == ["b"]
