"""The presets control next to the model picker: a menu to start a chat from a preset
(unavailable ones shown, not pickable), save the current settings as one, and a dialog to
edit, delete and reorder them."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from metogpt.components.forms import list_dialog
from metogpt.state.lang import t
from metogpt.state.presets import PresetRow, PresetState


def _menu_item(p: ObjectVar[PresetRow]) -> rx.Component:
    return rx.menu.item(
        rx.hstack(
            rx.text(p.name, weight="medium"),
            rx.text(p.model, size="1", color_scheme="gray"),
            rx.cond(
                p.available,
                rx.fragment(),
                rx.badge(t("presets.unavailable"), color_scheme="red", size="1"),
            ),
            rx.cond(p.shared, rx.badge(t("presets.shared"), size="1"), rx.fragment()),
            align="center",
            spacing="2",
        ),
        disabled=~p.available,
        class_name="preset-item",
        data_name=p.name,
        data_available=p.available.to(str),
        on_click=PresetState.pick(p.id),
    )


def _number_field(label: str, value: Any, on_change: Any, id_: str) -> rx.Component:
    return rx.vstack(
        rx.text(t(label), size="1"),
        rx.input(value=value, on_change=on_change, id=id_, input_mode="decimal", width="100%"),
        spacing="1",
        flex="1",
        min_width="90px",
    )


def _role_box(role: rx.Var[str]) -> rx.Component:
    return rx.checkbox(
        role,
        checked=PresetState.form_roles.contains(role),
        on_change=lambda offered: PresetState.set_form_role(role, offered),
        class_name="preset-role",
        data_role=role,
    )


def _sharing() -> rx.Component:
    """Who may publish shared presets offers a new one (or a shared one) to roles."""
    return rx.cond(
        (PresetState.publish_roles.length() > 0)
        & ((PresetState.edit_preset_id == "") | PresetState.editing_shared),
        rx.vstack(
            rx.text(t("presets.share_with"), size="1"),
            rx.flex(
                rx.foreach(PresetState.publish_roles, _role_box),
                wrap="wrap",
                spacing="4",
                row_gap="var(--space-2)",
                id="preset-roles",
            ),
            rx.text(t("presets.share_hint"), size="1", color_scheme="gray"),
            spacing="1",
            width="100%",
        ),
    )


def _dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(
                rx.cond(PresetState.edit_preset_id == "", t("presets.save"), t("presets.edit"))
            ),
            rx.vstack(
                rx.text(t("presets.name"), size="1"),
                rx.input(
                    value=PresetState.form_name,
                    on_change=PresetState.set_form_name,
                    id="preset-name",
                    max_length=100,
                    width="100%",
                ),
                rx.hstack(
                    _number_field(
                        "presets.temperature",
                        PresetState.form_temperature,
                        PresetState.set_form_temperature,
                        "preset-temperature",
                    ),
                    _number_field(
                        "presets.top_p",
                        PresetState.form_top_p,
                        PresetState.set_form_top_p,
                        "preset-top-p",
                    ),
                    _number_field(
                        "presets.max_tokens",
                        PresetState.form_max_tokens,
                        PresetState.set_form_max_tokens,
                        "preset-max-tokens",
                    ),
                    width="100%",
                    wrap="wrap",
                ),
                rx.text(t("presets.hint"), size="1", color_scheme="gray"),
                _sharing(),
                rx.cond(
                    PresetState.preset_error != "",
                    rx.callout(
                        PresetState.preset_error, color_scheme="red", role="alert", size="1"
                    ),
                ),
                rx.hstack(
                    rx.dialog.close(
                        rx.button(t("chat.cancel"), variant="soft", color_scheme="gray")
                    ),
                    rx.button(t("chat.save"), on_click=PresetState.save_preset, id="preset-submit"),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
            ),
            max_width="440px",
        ),
        open=PresetState.dialog_open,
        on_open_change=PresetState.set_dialog_open,
    )


def _action(icon: str, on_click: Any, class_name: str, **props: Any) -> rx.Component:
    return rx.icon_button(
        rx.icon(icon, size=14),
        size="1",
        variant="ghost",
        on_click=on_click,
        class_name=class_name,
        **props,
    )


def _manage_row(p: ObjectVar[PresetRow]) -> rx.Component:
    own = ~p.shared
    return rx.hstack(
        rx.vstack(
            rx.text(p.name, weight="medium"),
            rx.text(p.model, size="1", color_scheme="gray"),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.cond(p.available, rx.fragment(), rx.badge(t("presets.unavailable"), color_scheme="red")),
        rx.cond(p.shared, rx.badge(t("presets.shared"))),
        rx.hstack(
            rx.cond(
                own,
                rx.fragment(
                    _action("arrow-up", PresetState.move(p.id, -1), "preset-up"),
                    _action("arrow-down", PresetState.move(p.id, 1), "preset-down"),
                ),
            ),
            rx.cond(  # a shared preset: only who may publish one changes it
                own | (PresetState.publish_roles.length() > 0),
                rx.fragment(
                    _action("pencil", PresetState.open_edit(p.id), "preset-edit"),
                    _action(
                        "trash-2",
                        PresetState.remove_preset(p.id),
                        "preset-delete",
                        color_scheme="red",
                    ),
                ),
            ),
            spacing="1",
        ),
        width="100%",
        align="center",
        class_name="preset-row",
        data_name=p.name,
    )


def _manage() -> rx.Component:
    return list_dialog(
        "presets.manage",
        PresetState.presets,
        _manage_row,
        "presets.none",
        PresetState.manage_open,
        PresetState.set_manage_open,
    )


def preset_picker() -> rx.Component:
    return rx.fragment(
        rx.menu.root(
            rx.menu.trigger(
                rx.button(
                    rx.icon("bookmark", size=14),
                    rx.text(  # the icon alone on a phone: the title bar has no room
                        rx.cond(
                            PresetState.preset_name != "",
                            PresetState.preset_name,
                            t("presets.title"),
                        ),
                        display=["none", "inline"],
                    ),
                    variant="soft",
                    color_scheme="gray",
                    id="preset-menu",
                    title=t("presets.title"),
                    max_width="180px",
                    overflow="hidden",
                ),
            ),
            rx.menu.content(
                rx.foreach(PresetState.presets, _menu_item),
                rx.cond(PresetState.presets.length() > 0, rx.menu.separator()),
                rx.menu.item(
                    rx.icon("bookmark-plus", size=14),
                    t("presets.save"),
                    on_click=PresetState.open_save,
                    id="preset-save",
                ),
                rx.menu.item(
                    rx.icon("list", size=14),
                    t("presets.manage"),
                    on_click=PresetState.set_manage_open(True),
                    id="preset-manage",
                ),
            ),
        ),
        _dialog(),
        _manage(),
    )
