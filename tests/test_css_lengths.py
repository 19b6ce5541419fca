"""Reflex passes a component's lengths (`gap`, `padding`, `width`, ...) on as CSS, where a
string of a bare number ("3") is no length and the browser drops it: the elements touch.
Radix's spacing scale goes through `spacing` (flex, stacks, grid) and its own props (`p`,
`m`); a CSS length needs a unit or a variable ("var(--space-3)", "1em"; an int is taken as
pixels). Read from the source of metogpt/, every call's keywords."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIDES = ("", "_x", "_y", "_top", "_bottom", "_left", "_right")
LENGTHS = {
    "gap", "row_gap", "column_gap", "width", "height", "min_width", "max_width",
    "min_height", "max_height", "top", "left", "right", "bottom", "border_radius",
    "font_size", "flex_basis",
    *(f"{box}{side}" for box in ("padding", "margin") for side in SIDES),
}  # fmt: skip


def _bare_numbers(source: str, name: str) -> list[str]:
    """`name:line keyword=` for each length keyword given a string of a bare number (not 0)."""
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            value = keyword.value
            if keyword.arg in LENGTHS and isinstance(value, ast.Constant):
                text = value.value.strip() if isinstance(value.value, str) else ""
                if text.isdigit() and text != "0":
                    found.append(f"{name}:{node.lineno} {keyword.arg}=")
    return found


def test_no_component_gets_a_length_without_a_unit() -> None:
    found = [
        hit
        for path in sorted((ROOT / "metogpt").rglob("*.py"))
        for hit in _bare_numbers(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert found == [], "use spacing=, or a CSS length: " + ", ".join(found)


def test_the_check_sees_a_bare_number() -> None:
    source = 'rx.flex(gap="3", row_gap=2, column_gap="1em", spacing="3", padding_x=" 12 ")\n'
    assert _bare_numbers(source, "x.py") == ["x.py:1 gap=", "x.py:1 padding_x="]
