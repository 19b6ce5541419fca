"""Error codes: one list (ErrorCode), every code with English and Russian text in the i18n
catalog, and no code raised anywhere that the list lacks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from metogpt.i18n import MESSAGES
from metogpt.services.errors import ErrorCode, InvalidInput, ServiceError

PACKAGE = Path(__file__).resolve().parents[2] / "metogpt"
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


@pytest.mark.parametrize("code", list(ErrorCode), ids=str)
def test_every_code_has_english_and_russian_text(code: ErrorCode) -> None:
    key = f"error.{code}"
    assert key in MESSAGES, f"{key} is missing from the i18n catalog"
    en, ru = MESSAGES[key]
    assert en.strip() and ru.strip()
    assert CYRILLIC.search(ru) and not CYRILLIC.search(en), (en, ru)


def test_every_code_in_the_source_is_listed() -> None:
    # String codes still written out (files not converted yet) must be ErrorCode values,
    # as must every ErrorCode.NAME used.
    known = {c.value for c in ErrorCode}
    names = {c.name for c in ErrorCode}
    found: list[tuple[str, str]] = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        found += [(path.name, m) for m in re.findall(r"""\bcode\s*=\s*["']([a-z_]+)["']""", text)]
        found += [(path.name, m.lower()) for m in re.findall(r"\bErrorCode\.([A-Z_]+)\b", text)]
    assert found, "the scan found no codes: the pattern is wrong"
    unknown = sorted({(f, c) for f, c in found if c not in known and c.upper() not in names})
    assert unknown == [], unknown


def test_a_code_is_an_error_code_and_serializes_as_its_value() -> None:
    exc = InvalidInput("x", code=ErrorCode.PASSWORD_IS_EMAIL)
    assert (
        exc.code is ErrorCode.PASSWORD_IS_EMAIL and f"error.{exc.code}" == "error.password_is_email"
    )
    assert InvalidInput("x").code is ErrorCode.INVALID
    assert ServiceError("x", code="token_revoked").code is ErrorCode.TOKEN_REVOKED  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ServiceError("x", code="no_such_code")  # type: ignore[arg-type]
