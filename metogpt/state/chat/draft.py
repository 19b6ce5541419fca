"""The composer's draft through a change of page.

The draft (`ChatState.draft`) is kept in the browser's localStorage too, so that a reload
or a new tab brings back what was being typed. Reflex re-sends every localStorage var at
each client-side change of page (`update_vars_internal`), with the value the browser held
when the change began. The browser's copy is written only when the server's value comes
back, so text typed just before the change (the first answer moves the page from / to
/c/{id}) is not in it yet: applied after the text's own `set_draft`, it would put the older
draft back and the new text would vanish from the composer. The server's draft is never
older than the browser's copy, so on a change of page it is kept; a page load (hydration)
still restores the draft from the browser."""

from __future__ import annotations

from typing import Any

from reflex.middleware.middleware import Middleware
from reflex.state import UpdateVarsInternalState
from reflex_base.constants.state import FIELD_MARKER

from metogpt.state.chat.state import ChatState

_NAVIGATION = f"{UpdateVarsInternalState.get_full_name()}.update_vars_internal"
_DRAFT = f"{ChatState.get_full_name()}.draft{FIELD_MARKER}"


class KeepDraft(Middleware):
    """Leave the draft out of the browser storage a change of page sends back."""

    async def preprocess(self, app: Any, state: Any, event: Any) -> None:
        if event.name == _NAVIGATION and isinstance(event.payload, dict):
            storage = event.payload.get("vars")
            if isinstance(storage, dict):
                storage.pop(_DRAFT, None)
        return None
