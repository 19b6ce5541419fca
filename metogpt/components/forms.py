"""Small shared pieces: the language switch, the form field, the error callout, a field's
error, an editor's card and buttons, a list's toolbar and rows, a list in a dialog, a
confirmation."""

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


def switch_label(
    label: rx.Var[str] | str, checked: rx.Var[bool] | bool, on_change: Any, id: str, **props: Any
) -> rx.Component:
    """A switch and its label, the whole line clickable."""
    return rx.text(
        rx.switch(checked=checked, on_change=on_change, id=id, margin_right="0.5em"),
        label,
        as_="label",
        **props,
    )


def form_card(*children: rx.Component, **props: Any) -> rx.Component:
    """An editor opened above a list: as wide as the screen, up to 640px."""
    return rx.card(rx.vstack(*children, width="100%"), width="100%", max_width="640px", **props)


def form_buttons(
    on_cancel: Any, save_key: str, on_save: Any, save_id: str, **save_props: Any
) -> rx.Component:
    """Cancel and Save under an editor."""
    return rx.hstack(
        rx.button(t("chat.cancel"), variant="soft", color_scheme="gray", on_click=on_cancel),
        rx.button(t(save_key), on_click=on_save, id=save_id, **save_props),
    )


def list_toolbar(
    allowed: rx.Var[bool], label_key: str, on_new: Any, new_id: str, hint_key: str
) -> rx.Component:
    """Above a list: its New button (for those allowed to add) and a hint."""
    return rx.hstack(
        rx.cond(
            allowed,
            rx.button(rx.icon("plus", size=14), t(label_key), on_click=on_new, id=new_id),
        ),
        rx.text(t(hint_key), size="1", color_scheme="gray"),
        align="center",
        wrap="wrap",
    )


def list_row(*children: rx.Component, **props: Any) -> rx.Component:
    """A row of an admin list: what it is on the left, its actions on the right (below it
    on a phone), a line under it."""
    return rx.flex(
        *children,
        justify="between",
        align="center",
        wrap="wrap",
        spacing="2",
        width="100%",
        padding_y="0.5em",
        border_bottom="1px solid var(--gray-a5)",
        **props,
    )


def confirm_dialog(
    title: rx.Var[str] | str,
    description: rx.Component,
    confirm: tuple[rx.Var[str] | str, Any, str],
    cancel_label: rx.Var[str] | str,
    open_var: rx.Var[bool] | bool,
    *,
    danger: bool = True,
    details: rx.Component | None = None,
    on_open_change: Any = None,
    cancel_props: dict[str, Any] | None = None,
    **content_props: Any,
) -> rx.Component:
    """Asks before an action: the title, what it does (`description`, then `details`), and
    Cancel beside the confirming button, `confirm` = (label, on_click, id). A `danger`
    button is red and closes the dialog as it is clicked; otherwise its handler closes it."""
    label, on_confirm, confirm_id = confirm
    red: dict[str, Any] = {"color_scheme": "red"} if danger else {}
    button = rx.button(label, on_click=on_confirm, id=confirm_id, **red)
    if danger:
        button = rx.alert_dialog.action(button)
    events = {} if on_open_change is None else {"on_open_change": on_open_change}
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            description,
            *([details] if details is not None else []),
            rx.flex(
                rx.alert_dialog.cancel(
                    rx.button(
                        cancel_label, variant="soft", color_scheme="gray", **(cancel_props or {})
                    )
                ),
                button,
                justify="end",
                spacing="3",
                margin_top="1em",
                wrap="wrap",
            ),
            **content_props,
        ),
        open=open_var,
        **events,
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
