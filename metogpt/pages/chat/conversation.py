"""The open conversation: its title bar, the active branch's messages, the composer."""

from __future__ import annotations

import reflex as rx

from metogpt import routes
from metogpt.components.forms import error_callout
from metogpt.components.markdown import copy_label
from metogpt.components.messages import message
from metogpt.components.presets import preset_picker
from metogpt.pages.chat.composer import composer, model_picker, system_prompt
from metogpt.pages.chat.sidebar import drawer_button
from metogpt.state.chat import ChatState
from metogpt.state.lang import t


def _not_found() -> rx.Component:
    """An address that is no conversation of this user's: nothing of any conversation."""
    return rx.center(
        rx.vstack(
            rx.icon("search-x", size=40, color=rx.color("gray", 9)),
            rx.heading(t("chatnav.not_found.title"), size="5"),
            rx.text(t("chatnav.not_found.body"), color_scheme="gray", text_align="center"),
            rx.button(t("chatnav.not_found.new"), on_click=rx.redirect(routes.CHAT)),
            align="center",
            max_width="480px",
        ),
        height="100%",
        id="not-found",
    )


def conversation_view() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            drawer_button(),
            rx.heading(
                rx.cond(
                    ChatState.not_found,
                    "",
                    rx.cond(ChatState.current_title != "", ChatState.current_title, t("chat.new")),
                ),
                size="4",
                overflow="hidden",
                white_space="nowrap",
                text_overflow="ellipsis",
                min_width="0",
                # On a phone the model picker and its two buttons leave the title three
                # letters ("New…"): there, as in ChatGPT's app, the bar holds the controls
                # and the title is in the drawer's list.
                display=rx.breakpoints(initial="none", xs="block"),
                id="conv-title",
            ),
            rx.spacer(),
            model_picker(),
            preset_picker(),
            system_prompt(),
            width="100%",
            align="center",
            spacing="2",
            padding="0.75em 1em",
            border_bottom=f"1px solid {rx.color('gray', 4)}",
        ),
        rx.auto_scroll(
            rx.cond(
                ChatState.not_found,
                _not_found(),
                rx.cond(
                    ChatState.messages.length() > 0,
                    rx.vstack(
                        rx.foreach(ChatState.messages, message),
                        copy_label(),
                        spacing="5",
                        align="center",
                        width="100%",
                        id="messages",
                    ),
                    rx.center(
                        rx.vstack(
                            rx.icon("messages-square", size=40, color=rx.color("accent", 9)),
                            rx.heading(t("chat.empty.title"), size="5"),
                            rx.text(t("chat.empty.body"), color_scheme="gray", text_align="center"),
                            rx.cond(
                                ChatState.models.length() == 0,
                                rx.callout(t("chat.no_models"), icon="info"),
                            ),
                            align="center",
                            max_width="480px",
                        ),
                        height="100%",
                    ),
                ),
            ),
            flex="1",
            overflow_y="auto",
            width="100%",
            padding="1.25em",
        ),
        rx.vstack(
            error_callout(ChatState.error),
            composer(),
            width="100%",
            align="center",
            padding="0.75em 1em 1em",
            display=rx.cond(ChatState.not_found, "none", "flex"),
            id="chat-bottom",
        ),
        flex="1",
        height="100%",
        spacing="0",
        min_width="0",
    )
