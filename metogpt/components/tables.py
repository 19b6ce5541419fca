"""Tables. `table` is the compact Radix table of the dashboard; the `plain_*` helpers render
what rx.table.cell, rx.text and rx.switch render, as plain elements wearing Radix Themes'
classes (styled by assets/metogpt.css): long lists skip those per-element React components
and style props, which a new browser tab pays for in full (bench/admin_first_screen.py)."""

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
        rx.table.header(rx.table.row(*cells)),
        rx.table.body(rx.foreach(rows, render)),
        size="1",
        width="100%",
    )


def sort_header(
    label_key: str,
    active: rx.Var[bool] | bool,
    descending: rx.Var[bool] | bool,
    on_click: EventType[()],
    extra: str = "",
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
        class_name=f"rt-TableCell rt-TableColumnHeaderCell {extra}".strip(),
    )


def plain_cell(*children: rx.Component | rx.Var, extra: str = "") -> rx.Component:
    return rx.el.td(*children, class_name=f"rt-TableCell {extra}".strip())


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
