"""Small shared pieces: the language switch, the form field, the error callout, a field's
error, a list in a dialog."""

from __future__ import annotations

from typing import Any, Literal, cast

import reflex as rx

from metogpt.state.lang import t
from metogpt.state.session import SessionState


def lang_switch() -> rx.Component:
    return rx.button(
        rx.icon("languages", size=16),
        t("lang.switch"),
        variant="ghost",
        size="2",
        on_click=SessionState.switch_lang,
        id="lang-switch",
        aria_label=t("lang.label"),
    )


def field(
    label_key: str, name: str, type_: Literal["text", "email", "password"] = "text", **props: Any
) -> rx.Component:
    return rx.vstack(
        rx.text(t(label_key), as_="label", size="2", weight="medium", html_for=name),
        rx.input(name=name, id=name, type=type_, width="100%", size="3", **props),
        spacing="1",
        width="100%",
    )


def hydrated(state: type[rx.State]) -> rx.Var[bool]:
    """`state.is_hydrated` as the Var it is on the class (Reflex annotates it as a bool)."""
    return cast(rx.Var[bool], state.is_hydrated)


def error_callout(message: rx.Var[str] | str) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle_alert", color_scheme="red", role="alert", width="100%"),
    )


def field_error(
    show: rx.Var[bool] | bool, message: rx.Var[str] | str, **props: Any
) -> rx.Component:
    """A form's problem in plain words, under the field it is about, while `show`."""
    return rx.cond(
        show,
        rx.text(message, size="1", color_scheme="red", class_name="field-error", **props),
    )


def list_dialog(
    title_key: str,
    items: Any,
    row: Any,
    empty_key: str,
    open_var: rx.Var[bool] | bool,
    on_open_change: Any,
) -> rx.Component:
    """A dialog listing `items` (one `row` each), saying `empty_key` when there are none."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t(title_key)),
            rx.vstack(
                rx.cond(items.length() == 0, rx.text(t(empty_key), color_scheme="gray")),
                rx.foreach(items, row),
                rx.hstack(
                    rx.dialog.close(rx.button(t("presets.close"), variant="soft")),
                    justify="end",
                    width="100%",
                ),
                spacing="2",
                width="100%",
            ),
            max_width="480px",
        ),
        open=open_var,
        on_open_change=on_open_change,
    )
