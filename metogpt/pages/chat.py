"""/ — the chat: conversation list, the active branch, the composer."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from metogpt.components.forms import error_callout
from metogpt.components.messages import message
from metogpt.pages.layout import signed_in
from metogpt.state.chat import ChatState, ConversationRow
from metogpt.state.lang import t


def _conversation_item(conv: ObjectVar[ConversationRow]) -> rx.Component:
    active = conv.id == ChatState.current_id
    return rx.hstack(
        rx.text(
            conv.title,
            size="2",
            overflow="hidden",
            white_space="nowrap",
            text_overflow="ellipsis",
            flex="1",
            cursor="pointer",
            on_click=ChatState.open(conv.id),
            class_name="conv-title",
        ),
        rx.menu.root(
            rx.menu.trigger(
                rx.icon_button(
                    rx.icon("ellipsis", size=14), variant="ghost", size="1", class_name="conv-menu"
                ),
            ),
            rx.menu.content(
                rx.menu.item(
                    t("chat.rename"),
                    class_name="conv-rename",
                    on_click=ChatState.start_rename(conv.id, conv.title),
                ),
                rx.menu.item(
                    t("chat.delete"),
                    color="red",
                    class_name="conv-delete",
                    on_click=ChatState.delete(conv.id),
                ),
            ),
        ),
        padding_x="0.6em",
        padding_y="0.45em",
        border_radius="8px",
        width="100%",
        align="center",
        background=rx.cond(active, rx.color("accent", 4), "transparent"),
        _hover={"background": rx.color("gray", 4)},
        class_name="conversation",
    )


def sidebar() -> rx.Component:
    return rx.vstack(
        rx.button(
            rx.icon("plus", size=16),
            t("chat.new"),
            on_click=ChatState.new_chat,
            width="100%",
            variant="soft",
            id="new-chat",
        ),
        rx.input(
            rx.input.slot(rx.icon("search", size=14)),
            placeholder=t("chat.search"),
            value=ChatState.search,
            on_change=ChatState.set_search.debounce(250),
            width="100%",
            id="conv-search",
        ),
        rx.scroll_area(
            rx.vstack(
                rx.cond(
                    ChatState.conversations.length() > 0,
                    rx.foreach(ChatState.conversations, _conversation_item),
                    rx.text(t("chat.no_conversations"), size="2", color_scheme="gray"),
                ),
                spacing="1",
                width="100%",
            ),
            type="hover",
            flex="1",
        ),
        width=["100%", "100%", "260px"],
        min_width=["auto", "auto", "260px"],
        max_height=["30vh", "30vh", "none"],
        padding="0.75em",
        border_right=["none", "none", f"1px solid {rx.color('gray', 5)}"],
        border_bottom=[
            f"1px solid {rx.color('gray', 5)}",
            f"1px solid {rx.color('gray', 5)}",
            "none",
        ],
        background=rx.color("gray", 2),
        spacing="3",
    )


def _model_picker() -> rx.Component:
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


def _system_prompt() -> rx.Component:
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


def _composer() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.text_area(
                name="prompt",
                value=ChatState.draft,
                on_change=ChatState.set_draft,
                placeholder=t("chat.placeholder"),
                enter_key_submit=True,
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
                rx.button(rx.icon("send", size=14), t("chat.send"), type="submit", id="send"),
            ),
            align="end",
            width="100%",
        ),
        on_submit=ChatState.send,
        width="100%",
        max_width="800px",
    )


def conversation_view() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(
                rx.cond(ChatState.current_title != "", ChatState.current_title, t("chat.new")),
                size="4",
                trim="both",
                id="conv-title",
            ),
            rx.spacer(),
            _model_picker(),
            _system_prompt(),
            width="100%",
            align="center",
            padding="0.75em 1em",
            border_bottom=f"1px solid {rx.color('gray', 4)}",
        ),
        rx.auto_scroll(
            rx.cond(
                ChatState.messages.length() > 0,
                rx.vstack(
                    rx.foreach(ChatState.messages, message),
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
            flex="1",
            overflow_y="auto",
            width="100%",
            padding="1.25em",
        ),
        rx.vstack(
            error_callout(ChatState.error),
            _composer(),
            width="100%",
            align="center",
            padding="0.75em 1em 1em",
            id="chat-bottom",
        ),
        flex="1",
        height="100%",
        spacing="0",
        min_width="0",
    )


def _rename_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("chat.rename")),
            rx.input(
                value=ChatState.rename_text,
                on_change=ChatState.set_rename_text,
                max_length=200,
                id="rename-input",
            ),
            rx.hstack(
                rx.button(
                    t("chat.cancel"),
                    variant="soft",
                    color_scheme="gray",
                    on_click=ChatState.cancel_rename,
                ),
                rx.button(t("chat.save"), on_click=ChatState.save_rename, id="rename-save"),
                justify="end",
                margin_top="1em",
            ),
        ),
        open=ChatState.rename_id != "",
    )


@signed_in
def chat_page() -> rx.Component:
    return rx.flex(
        sidebar(),
        conversation_view(),
        _rename_dialog(),
        direction=rx.breakpoints(initial="column", md="row"),
        width="100%",
        height="100%",
    )
