"""Tables. `table` is the compact Radix table of the dashboard; the `plain_*` helpers render
what rx.table.cell, rx.text and rx.switch render, as plain elements wearing Radix Themes'
classes (styled by assets/metogpt.css): long lists skip those per-element React components
and style props, which a new browser tab pays for in full (bench/admin_first_screen.py).

On a phone (below Reflex's "md", 48em) every table wearing `stack-table` shows each row as
a stacked card (assets/metogpt.css), each cell labelled by its `data-label` (`cell`,
`plain_cell(label=...)`), a cell marked `stack-full` on a line of its own; of the header
row only its sort buttons stay, as a labelled bar of chips. Nothing is hidden, so every
action of a row stays on screen, and nothing scrolls sideways."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import reflex as rx
from reflex.event import EventType

from metogpt.state.lang import t


def table(
    headers: list[str | rx.Component],
    rows: rx.Var[Sequence[Any]] | Sequence[Any],
    render: Callable[..., rx.Component],
) -> rx.Component:
    """A compact table: header cells from i18n keys (or ready cells), one row per item.
    `render` is rx.foreach's: it takes the item's Var, and its index's if it names one."""
    cells = [rx.table.column_header_cell(t(h)) if isinstance(h, str) else h for h in headers]
    return rx.table.root(
        # On a phone the header is a bar of sort buttons, named by data-label (CSS)
        rx.table.header(rx.table.row(*cells, data_label=t("table.sort_by"))),
        rx.table.body(rx.foreach(rows, render)),
        size="1",
        width="100%",
        class_name="stack-table",
    )


def cell(
    label_key: str | None, *children: rx.Component | rx.Var | str, **props: Any
) -> rx.Component:
    """A cell of `table`, labelled by the column's header (`label_key`) when the row is a
    card on a phone; None: the card's title line, a line of its own."""
    if label_key is None:
        return rx.table.cell(*children, class_name="stack-full", **props)
    return rx.table.cell(*children, data_label=t(label_key), **props)


def empty_note(show: rx.Var[bool], text: rx.Var | str, note_id: str) -> rx.Component:
    """What a table says when it has no rows."""
    return rx.cond(
        show,
        rx.text(text, size="2", color_scheme="gray", id=note_id, padding="0.75em 0.5em"),
    )


def sort_header(
    label_key: str,
    active: rx.Var[bool] | bool,
    descending: rx.Var[bool] | bool,
    on_click: EventType[()],
) -> rx.Component:
    """What rx.table.column_header_cell holding an rx.hstack renders, as plain elements:
    a header that sorts by its column on click, with an arrow while it is `active`."""
    return rx.el.th(
        rx.el.div(
            t(label_key),
            # Two fixed icons: an icon named by a Var makes Reflex bundle a loader for
            # every Lucide icon (200 KB more of script for a new tab to evaluate).
            rx.cond(
                active,
                rx.cond(
                    descending,
                    rx.icon("chevron-down", size=14),
                    rx.icon("chevron-up", size=14),
                ),
            ),
            class_name="rt-Flex rt-r-ai-center rt-r-gap-1 sortable",
            on_click=on_click,
        ),
        class_name="rt-TableCell rt-TableColumnHeaderCell",
    )


def plain_cell(
    *children: rx.Component | rx.Var, label: rx.Var | str | None = None, extra: str = ""
) -> rx.Component:
    """A cell; `label` names it on a phone's card (None: the card's title line)."""
    if label is None:
        return rx.el.td(*children, class_name=f"rt-TableCell stack-full {extra}".strip())
    return rx.el.td(*children, class_name=f"rt-TableCell {extra}".strip(), data_label=label)


def plain_text(
    value: rx.Var | str | int, size: str = "1", gray: bool = False, extra: str = ""
) -> rx.Component:
    """What rx.text renders (a Radix Text's classes on a plain element)."""
    return rx.el.div(
        value,
        class_name=f"rt-Text rt-r-size-{size} {extra}".strip(),
        data_accent_color="gray" if gray else None,
    )


def plain_switch(
    checked: rx.Var[bool] | bool,
    enabled: rx.Var[bool],
    on_click: EventType[()],
    label: rx.Var[str] | str,
) -> rx.Component:
    """What rx.switch renders: a button with role=switch and Radix Themes' classes."""
    state = rx.cond(checked, "checked", "unchecked")
    return rx.el.button(
        rx.el.span(class_name="rt-SwitchThumb", data_state=state),
        type="button",
        role="switch",
        aria_checked=checked,
        data_state=state,
        disabled=~enabled,
        class_name="rt-reset rt-SwitchRoot rt-r-size-2 rt-variant-surface",
        aria_label=label,
        on_click=on_click,
    )
