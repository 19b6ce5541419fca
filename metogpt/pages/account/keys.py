"""The account page's API keys section: the list (name, prefix, created, last use, spend,
expiry), the create dialog (the secret shown once, with a copy button) and revoking with a
confirmation. One card per key, so nothing scrolls sideways on a phone."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from metogpt.components.forms import confirm_dialog, error_callout, field, hydrated
from metogpt.state.account_keys import KeyRow, KeysState
from metogpt.state.lang import t
from metogpt.state.session import ModelOffer, SessionState


def _meta(label: str, value: rx.Var | str) -> rx.Component:
    return rx.text(
        rx.text.span(t(label), color_scheme="gray"), " ", value, size="1", word_break="break-word"
    )


def _key(key: ObjectVar[KeyRow]) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text(key.name, weight="bold", size="2", word_break="break-word"),
                rx.code(key.prefix.to(str) + "…", size="1", class_name="key-prefix"),
                rx.flex(
                    _meta("keys.created", key.created),
                    _meta(
                        "keys.last_used",
                        rx.cond(key.last_used != "", key.last_used, t("keys.not_used")),
                    ),
                    _meta("keys.spent", key.spent.to_string()),
                    _meta(
                        "keys.expiry",
                        rx.cond(
                            key.expired,
                            t("keys.expired"),
                            rx.cond(key.expires != "", key.expires, t("keys.never")),
                        ),
                    ),
                    _meta(
                        "keys.models", rx.cond(key.models != "", key.models, t("keys.all_models"))
                    ),
                    wrap="wrap",
                    column_gap="1em",
                    row_gap="0.25em",
                ),
                spacing="1",
                min_width="0",
                flex="1",
            ),
            rx.button(
                t("keys.revoke"),
                color_scheme="red",
                variant="soft",
                size="1",
                on_click=KeysState.ask_revoke(key.id, key.prefix),
                class_name="key-revoke",
            ),
            align="start",
            width="100%",
        ),
        width="100%",
        class_name="key-row",
    )


def _model_choice(offer: ObjectVar[ModelOffer]) -> rx.Component:
    return rx.checkbox(
        offer.model,
        checked=KeysState.picked.contains(offer.model),
        on_change=lambda on: KeysState.toggle_model(offer.model, on),
        size="2",
    )


def _create_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("keys.create")),
            rx.form(
                rx.vstack(
                    error_callout(KeysState.keys_error),
                    field(
                        "keys.name",
                        "key_name",
                        required=True,
                        max_length=100,
                        placeholder=t("keys.name_placeholder"),
                    ),
                    rx.vstack(
                        rx.text(
                            t("keys.expires"),
                            as_="label",
                            size="2",
                            weight="medium",
                            html_for="key_expires",
                        ),
                        rx.input(
                            type="date", name="expires", id="key_expires", size="3", width="100%"
                        ),
                        spacing="1",
                        width="100%",
                    ),
                    rx.text(t("keys.models"), size="2", weight="medium"),
                    rx.flex(
                        rx.foreach(SessionState.models, _model_choice), wrap="wrap", gap="0.75em"
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(
                                t("keys.cancel"), variant="soft", color_scheme="gray", type="button"
                            )
                        ),
                        rx.button(t("keys.create"), type="submit", id="key-create-submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=KeysState.create,
                reset_on_submit=False,
            ),
            max_width="440px",
        ),
        open=KeysState.creating,
        on_open_change=KeysState.set_creating,
    )


def _secret_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("keys.secret_title")),
            rx.dialog.description(t("keys.secret_text"), size="2"),
            rx.vstack(
                rx.code(
                    KeysState.secret,
                    id="key-secret",
                    size="2",
                    word_break="break-all",
                    width="100%",
                ),
                rx.hstack(
                    rx.button(
                        rx.icon("copy", size=16),
                        t("keys.copy"),
                        variant="soft",
                        on_click=rx.set_clipboard(KeysState.secret),
                        id="key-copy",
                    ),
                    rx.dialog.close(rx.button(t("keys.done"), id="key-secret-done")),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
                margin_top="0.75em",
            ),
            max_width="440px",
        ),
        open=KeysState.secret != "",
        on_open_change=KeysState.close_secret,
    )


def _revoke_dialog() -> rx.Component:
    return confirm_dialog(
        t("keys.revoke_title"),
        rx.alert_dialog.description(
            rx.code(KeysState.revoking_prefix + "…"), " ", t("keys.revoke_text"), size="2"
        ),
        (t("keys.revoke"), KeysState.revoke, "key-revoke-confirm"),
        t("keys.cancel"),
        KeysState.revoking_id != "",
        on_open_change=KeysState.cancel_revoke,
        max_width="420px",
    )


def keys_section() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(t("keys.title"), size="4"),
            rx.button(
                rx.icon("plus", size=16),
                t("keys.create"),
                size="2",
                on_click=KeysState.open_create,
                disabled=~hydrated(KeysState),
                id="key-create",
            ),
            justify="between",
            align="center",
            width="100%",
        ),
        rx.text(t("keys.intro"), size="2", color_scheme="gray"),
        rx.cond(KeysState.creating, rx.fragment(), error_callout(KeysState.keys_error)),
        rx.cond(
            KeysState.keys.length() > 0,
            rx.vstack(rx.foreach(KeysState.keys, _key), spacing="2", width="100%", id="keys-list"),
            rx.text(t("keys.empty"), size="2", color_scheme="gray", id="keys-empty"),
        ),
        _create_dialog(),
        _secret_dialog(),
        _revoke_dialog(),
        spacing="3",
        width="100%",
    )
