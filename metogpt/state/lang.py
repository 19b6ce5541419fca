"""The reactive translator for pages: `t(key)` follows the tab's language in the browser,
without a round trip. The catalog itself (metogpt/i18n.py) knows nothing of Reflex."""

from __future__ import annotations

from typing import Any

import reflex as rx

from metogpt.i18n import MESSAGES
from metogpt.i18n.plural import forms, russian_form
from metogpt.state.session import SessionState


def t(key: str) -> rx.Var:
    """The reactive text of `key` in the current language."""
    en, ru = MESSAGES[key]
    return rx.cond(SessionState.lang == "ru", ru, en)


def tf(key: str, **values: rx.Var | str | int) -> rx.Var:
    """The reactive text of `key` with its `{name}` placeholders filled from `values`
    (Vars included: the browser fills them in)."""
    en, ru = MESSAGES[key]
    return rx.cond(SessionState.lang == "ru", _fill(ru, values), _fill(en, values))


def tn(key: str, n: rx.Var | int | str, lang: rx.Var[str] | str | None = None) -> rx.Var:
    """The counted text `key` for `n` ("1 user", "2 пользователя"), the form picked in the
    browser by the rule of metogpt/i18n/plural.py (a text `n` counts as its number).
    `lang` defaults to the tab's."""
    en, ru = MESSAGES[key]
    count = rx.Var.create(n).to(int)
    en_one, en_other = (_fill(f, {"n": count}) for f in forms(en, "en"))
    ru_one, ru_few, ru_many = (_fill(f, {"n": count}) for f in forms(ru, "ru"))
    one, few = russian_form(count)
    return rx.cond(
        (SessionState.lang if lang is None else rx.Var.create(lang)) == "ru",
        rx.cond(one, ru_one, rx.cond(few, ru_few, ru_many)),
        rx.cond(count == 1, en_one, en_other),
    )


def _fill(text: str, values: dict[str, Any]) -> rx.Var | str:
    """`text.format(**values)` where values may be Vars: a Var formats as a marker that
    Reflex turns back into the Var when the string becomes a Var."""
    return rx.Var.create(text.format(**values)) if values else text
