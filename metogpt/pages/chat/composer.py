"""The chat's controls: the model picker, the system prompt and the message composer."""

from __future__ import annotations

import reflex as rx

from metogpt.components.attachments import attach_button, composer_files
from metogpt.components.estimate import cost_estimate
from metogpt.components.focus import KeepFocus
from metogpt.components.send_watch import (
    SEND_WAIT_MS,
    TURN_WAIT_MS,
    SendWatch,
    TurnWatch,
)
from metogpt.state.chat import ChatState
from metogpt.state.lang import t

# Enter sends and Shift+Enter adds a line, as in every chat, where there is a keyboard. A
# touch screen's keyboard has no Shift+Enter: there Enter adds a line and Send sends. Read
# at each key press (the page is prerendered without a window).
ENTER_SENDS = rx.Var(
    "!(typeof window !== 'undefined' && window.matchMedia('(pointer: coarse)').matches)"
).to(bool)


def model_picker() -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder=t("chat.model"), id="model-select"),
        rx.select.content(
            rx.foreach(
                ChatState.models,
                lambda m: rx.select.item(m.model + " · ×" + m.coefficient, value=m.model),
            ),
        ),
        value=ChatState.model,
        on_change=ChatState.set_model,
        disabled=ChatState.streaming,
    )


def system_prompt() -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(
                rx.icon("settings-2", size=16),
                variant="soft",
                color_scheme="gray",
                title=t("chat.system_prompt"),
                id="system-prompt-button",
            ),
        ),
        rx.popover.content(
            rx.vstack(
                rx.text(t("chat.system_prompt"), weight="bold", size="2"),
                rx.text_area(
                    value=ChatState.system_prompt,
                    on_change=ChatState.set_system_prompt,
                    placeholder=t("chat.system_prompt_hint"),
                    rows="5",
                    width="100%",
                    id="system-prompt",
                ),
                rx.popover.close(
                    rx.button(t("chat.save"), size="1", on_click=ChatState.save_system_prompt)
                ),
                align="end",
            ),
            width="360px",
        ),
    )


def composer() -> rx.Component:
    return rx.form(
        composer_files(),
        rx.hstack(
            attach_button(),
            rx.text_area(
                name="prompt",
                value=ChatState.draft,
                on_change=ChatState.set_draft,
                placeholder=t("chat.placeholder"),
                enter_key_submit=ENTER_SENDS,
                auto_height=True,
                rows="2",
                max_length=100_000,
                flex="1",
                id="composer",
            ),
            rx.cond(
                ChatState.streaming,
                rx.button(
                    rx.icon("square", size=14),
                    t("chat.stop"),
                    type="button",
                    color_scheme="red",
                    variant="soft",
                    on_click=ChatState.stop,
                    id="stop",
                ),
                # On a phone the icon alone: the words would take the message's room.
                rx.button(
                    rx.icon("send", size=14),
                    rx.el.span(t("chat.send"), display=["none", "inline"]),
                    type="submit",
                    title=t("chat.send"),
                    aria_label=t("chat.send"),
                    id="send",
                ),
            ),
            align="end",
            width="100%",
        ),
        cost_estimate(),
        KeepFocus.create(target="composer"),
        # Set by the watch at each send (components/send_watch.py).
        rx.el.input(type="hidden", name="send_id", default_value=""),
        SendWatch.create(
            rx.callout(
                t("chat.not_sent"),
                icon="triangle_alert",
                color_scheme="orange",
                role="alert",
                width="100%",
                margin_top="0.5em",
                id="send-not-taken",
            ),
            form="composer-area",
            taken=ChatState.taken_send,
            wait_ms=SEND_WAIT_MS,
        ),
        TurnWatch.create(
            turn=ChatState.turn,
            waiting=ChatState.streaming & (ChatState.stream_message_id == ""),
            wait_ms=TURN_WAIT_MS,
            on_check=ChatState.turn_check,
        ),
        on_submit=ChatState.send,
        id="composer-area",
        width="100%",
        max_width="800px",
    )
