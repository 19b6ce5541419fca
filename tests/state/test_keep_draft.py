"""A change of page sends the browser's copies of its localStorage vars back
(`update_vars_internal`); the composer's draft among them may be older than the server's
(text typed just before the change). KeepDraft leaves it out of that, not out of a page
load's hydration. tests/e2e/test_render.py types across the move from / to /c/{id}."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx
from reflex.state import UpdateVarsInternalState
from reflex_base.constants.state import FIELD_MARKER
from reflex_base.event import Event

from metogpt.state.chat import ChatState
from metogpt.state.chat.draft import KeepDraft
from tests.fixtures.reflex_client import AUTH_TOKEN_VAR, HYDRATE
from tests.support import states

DRAFT_VAR = f"{ChatState.get_full_name()}.draft{FIELD_MARKER}"
NAVIGATION = f"{UpdateVarsInternalState.get_full_name()}.update_vars_internal"


def _arrive(root: rx.State, name: str, storage: dict[str, str]) -> dict[str, Any]:
    """The event as the handler gets it once the middleware has seen it."""
    event = Event(name=name, payload={"vars": dict(storage)})
    asyncio.run(KeepDraft().preprocess(None, root, event))
    return event.payload


def test_a_change_of_page_keeps_the_servers_draft() -> None:
    root = states.root()
    chat = states.substate(root, ChatState)
    chat.draft = "typed just before the page changed"
    payload = _arrive(root, NAVIGATION, {DRAFT_VAR: "", AUTH_TOKEN_VAR: "token"})
    assert payload["vars"] == {AUTH_TOKEN_VAR: "token"}  # the rest still arrives
    handler = UpdateVarsInternalState.update_vars_internal.fn  # type: ignore[attr-defined]
    asyncio.run(handler(states.substate(root, UpdateVarsInternalState), payload["vars"]))
    assert chat.draft == "typed just before the page changed"


def test_a_page_load_still_brings_the_draft_back() -> None:
    root = states.root()
    payload = _arrive(root, HYDRATE, {DRAFT_VAR: "kept over a reload"})
    assert payload["vars"] == {DRAFT_VAR: "kept over a reload"}
