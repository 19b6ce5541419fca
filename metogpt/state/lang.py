"""The reactive translator for pages: `t(key)` follows the tab's language in the browser,
without a round trip. The catalog itself (metogpt/i18n.py) knows nothing of Reflex."""

from __future__ import annotations

import reflex as rx

from metogpt.i18n import MESSAGES
from metogpt.state.session import SessionState


def t(key: str) -> rx.Var:
    """The reactive text of `key` in the current language."""
    en, ru = MESSAGES[key]
    return rx.cond(SessionState.lang == "ru", ru, en)
