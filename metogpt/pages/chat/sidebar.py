"""The chat's conversation list: search, new chat, each conversation's menu, renaming."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from metogpt.components.travel import archived_view, conversation_menu_items
from metogpt.state.chat import ChatState, ConversationRow, SidebarState
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
                    on_click=SidebarState.start_rename(conv.id, conv.title),
                ),
                *conversation_menu_items(conv),
                rx.menu.item(
                    t("chat.delete"),
                    color="red",
                    class_name="conv-delete",
                    on_click=SidebarState.delete(conv.id),
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
        archived_view(),
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


def rename_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("chat.rename")),
            rx.input(
                value=SidebarState.rename_text,
                on_change=SidebarState.set_rename_text,
                max_length=200,
                id="rename-input",
            ),
            rx.hstack(
                rx.button(
                    t("chat.cancel"),
                    variant="soft",
                    color_scheme="gray",
                    on_click=SidebarState.cancel_rename,
                ),
                rx.button(t("chat.save"), on_click=SidebarState.save_rename, id="rename-save"),
                justify="end",
                margin_top="1em",
            ),
        ),
        open=SidebarState.rename_id != "",
    )
