"""Plural forms of counted words, in English and Russian: the server's text (trn) and the
browser's (tn, its JavaScript run by Node)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from metogpt.i18n import LANGS, MESSAGES, trn
from metogpt.i18n.plural import FORMS, SEPARATOR, form_index, forms

CASES = {
    0: ("0 users", "0 пользователей"),
    1: ("1 user", "1 пользователь"),
    2: ("2 users", "2 пользователя"),
    4: ("4 users", "4 пользователя"),
    5: ("5 users", "5 пользователей"),
    11: ("11 users", "11 пользователей"),
    12: ("12 users", "12 пользователей"),
    14: ("14 users", "14 пользователей"),
    21: ("21 users", "21 пользователь"),
    22: ("22 users", "22 пользователя"),
    25: ("25 users", "25 пользователей"),
    101: ("101 users", "101 пользователь"),
    111: ("111 users", "111 пользователей"),
    112: ("112 users", "112 пользователей"),
    1000: ("1000 users", "1000 пользователей"),
}


@pytest.mark.parametrize("n", sorted(CASES))
def test_counted_words_take_the_right_form(n: int) -> None:
    en, ru = CASES[n]
    assert trn("admin.n.users", n, "en") == en
    assert trn("admin.n.users", n, "ru") == ru


def test_other_counted_words() -> None:
    assert [trn("admin.n.tokens", n, "ru") for n in (1, 3, 7, 21, 111)] == [
        "1 токен",
        "3 токена",
        "7 токенов",
        "21 токен",
        "111 токенов",
    ]
    assert trn("admin.n.models", 1, "en") == "1 model"
    assert trn("admin.n.models", 2, "en") == "2 models"


def test_the_russian_rule_over_a_range() -> None:
    one = [n for n in range(200) if form_index(n, "ru") == 0]
    few = [n for n in range(200) if form_index(n, "ru") == 1]
    assert one == [n for n in range(200) if n % 10 == 1 and n % 100 != 11]
    assert few[:6] == [2, 3, 4, 22, 23, 24] and 12 not in few and 112 not in few
    assert form_index(1, "en") == 0 and form_index(0, "en") == form_index(2, "en") == 1


def test_every_counted_entry_has_each_languages_forms() -> None:
    counted = {k: v for k, v in MESSAGES.items() if SEPARATOR in v[0] or SEPARATOR in v[1]}
    assert "admin.n.users" in counted
    for key, texts in counted.items():
        for lang, text in zip(LANGS, texts, strict=True):
            assert len(forms(text, lang)) == FORMS[lang], key


def test_a_count_without_its_forms_is_refused() -> None:
    with pytest.raises(ValueError):
        forms("{n} user|{n} users", "ru")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_the_browser_picks_the_same_form() -> None:
    """`tn` builds a JavaScript expression; Node evaluates it for each case."""
    from metogpt.state.lang import tn

    # Reflex's own helpers for Python's `and` / `or` (state.js), for booleans.
    prelude = "const pyAnd = (a, b) => (a ? b() : a); const pyOr = (a, b) => (a ? a : b());"
    script = prelude + "".join(
        f"console.log({tn('admin.n.users', n, lang)!s});" for n in sorted(CASES) for lang in LANGS
    )
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    expected = [text for n in sorted(CASES) for text in CASES[n]]
    assert out.stdout.splitlines() == expected
