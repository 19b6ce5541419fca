"""Reflex passes a component's `gap`, `row_gap` and `column_gap` on as CSS, where a bare
number ("3") is no length and the browser drops it: the elements touch. Radix's spacing
scale goes through `spacing` (flex, stacks, grid); a CSS gap needs a unit or a variable
("var(--space-3)", "1em"). Read from the source of metogpt/, every call's keywords."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CSS_GAPS = {"gap", "row_gap", "column_gap"}


def _bare_number_gaps(source: str, name: str) -> list[str]:
    """`name:line keyword=` for each gap keyword given a bare number other than 0."""
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            value = keyword.value
            if keyword.arg in CSS_GAPS and isinstance(value, ast.Constant):
                text = str(value.value).strip()
                if text.isdigit() and text != "0":
                    found.append(f"{name}:{node.lineno} {keyword.arg}=")
    return found


def test_no_component_gets_a_gap_without_a_unit() -> None:
    found = [
        hit
        for path in sorted((ROOT / "metogpt").rglob("*.py"))
        for hit in _bare_number_gaps(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert found == [], "use spacing=, or a CSS length: " + ", ".join(found)


def test_the_check_sees_a_bare_number() -> None:
    source = 'rx.flex(gap="3", row_gap=2, column_gap="1em", spacing="3", gap_x="0")\n'
    assert _bare_number_gaps(source, "x.py") == ["x.py:1 gap=", "x.py:1 row_gap="]
