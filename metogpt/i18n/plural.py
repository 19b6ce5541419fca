"""Plural forms of counted words ("1 user", "2 users"; "1 пользователь", "2 пользователя",
"5 пользователей", "21 пользователь").

A counted catalog entry holds its forms separated by "|", each with `{n}` where the number
goes: two in English (one / other), three in Russian (one: 1, 21, 101…; few: 2–4, 22–24…;
many: 0, 5–20, 11–14, 25…). `metogpt.i18n.trn(key, n, lang)` gives the text on the server; pages use
`metogpt.state.lang.tn`, which picks the form in the browser by the same rule
(`russian_form` works on ints and on Reflex number Vars alike)."""

from __future__ import annotations

from typing import Any

SEPARATOR = "|"
FORMS = {"en": 2, "ru": 3}


def russian_form(n: Any) -> tuple[Any, Any]:
    """(is "one", is "few") for a count `n`: Python bools for an int, Reflex boolean
    Vars for a number Var (only operators both understand are used)."""
    last, last_two = n % 10, n % 100
    one = (last == 1) & (last_two != 11)
    few = (last >= 2) & (last <= 4) & ((last_two < 12) | (last_two > 14))
    return one, few


def form_index(n: int, lang: str) -> int:
    """Which of the catalog's forms `n` takes: 0 (one), 1 (few / other) or 2 (many)."""
    n = abs(n)
    if lang == "ru":
        one, few = russian_form(n)
        return 0 if one else 1 if few else 2
    return 0 if n == 1 else 1


def forms(text: str, lang: str) -> list[str]:
    """The forms of a counted catalog text; ValueError if it has not as many as `lang` needs."""
    found = text.split(SEPARATOR)
    if len(found) != FORMS[lang]:
        raise ValueError(f"{lang} needs {FORMS[lang]} plural forms, got {text!r}")
    return found
