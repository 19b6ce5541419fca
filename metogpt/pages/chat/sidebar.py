"""The chat's conversation list: new chat, search, the conversations grouped by date, each
with its actions menu; renaming, deleting (confirmed, undoable). On phones the list is a
drawer over the chat (`drawer_button` opens it, picking a conversation closes it); the
geometry is in assets/layout.css."""

from __future__ import annotations

import reflex as rx
from reflex.vars import NumberVar, ObjectVar, StringVar

from metogpt import routes
from metogpt.components.forms import confirm_dialog
from metogpt.components.travel import archived_view, conversation_menu_items
from metogpt.i18n import MESSAGES
from metogpt.state.chat import ChatState, ConversationRow, SidebarState
from metogpt.state.lang import t
from metogpt.state.session import SessionState


def _month_name(month: NumberVar) -> StringVar:
    en, ru = (rx.Var.create(names.split(",")) for names in MESSAGES["chatnav.months"])
    return rx.cond(SessionState.lang == "ru", ru, en).to(list)[month - 1].to(str)


def _heading(conv: ObjectVar[ConversationRow]) -> rx.Component:
    return rx.cond(
        conv.heading != "",
        rx.text(
            rx.match(
                conv.heading,
                ("today", t("chatnav.group.today")),
                ("yesterday", t("chatnav.group.yesterday")),
                ("week", t("chatnav.group.week")),
                ("month", t("chatnav.group.month")),
                _month_name(conv.month.to(int)) + " " + conv.year.to(str),
            ),
            size="1",
            weight="medium",
            color_scheme="gray",
            padding="0.9em 0.6em 0.25em",
            class_name="conv-group",
        ),
    )


def row_menu_items(conv: ObjectVar[ConversationRow]) -> list[rx.Component]:
    """The items of a conversation's "…" menu (one place for features to add theirs)."""
    return [
        rx.menu.item(
            rx.icon("pencil", size=14),
            t("chat.rename"),
            class_name="conv-rename",
            on_click=SidebarState.start_rename(conv.id, conv.title),
        ),
        *conversation_menu_items(conv),
        rx.menu.item(
            rx.icon("trash-2", size=14),
            t("chat.delete"),
            color="red",
            class_name="conv-delete",
            on_click=SidebarState.ask_delete(conv.id, conv.title),
        ),
    ]


def _conversation_item(conv: ObjectVar[ConversationRow]) -> rx.Component:
    active = conv.id == ChatState.current_id
    return rx.fragment(
        _heading(conv),
        rx.hstack(
            rx.link(
                conv.title,
                href=routes.conversation("") + conv.id.to(str),
                on_click=SidebarState.close_drawer,
                size="2",
                underline="none",
                color_scheme="gray",
                high_contrast=True,
                title=conv.title,
                class_name="conv-title",
            ),
            rx.menu.root(
                rx.menu.trigger(
                    rx.icon_button(
                        rx.icon("ellipsis", size=14),
                        variant="ghost",
                        size="1",
                        class_name="conv-menu",
                        aria_label=t("chatnav.actions"),
                        title=t("chatnav.actions"),
                    ),
                ),
                rx.menu.content(*row_menu_items(conv), side="bottom", align="end"),
            ),
            spacing="1",
            align="center",
            background=rx.cond(active, rx.color("accent", 4), "transparent"),
            _hover={"background": rx.cond(active, rx.color("accent", 5), rx.color("gray", 4))},
            class_name="conversation",
            data_active=active,
        ),
    )


def _empty_list() -> rx.Component:
    return rx.text(
        rx.cond(ChatState.search != "", t("chatnav.no_match"), t("chat.no_conversations")),
        size="2",
        color_scheme="gray",
        padding="0.5em",
        id="conv-empty",
    )


def drawer_button() -> rx.Component:
    """Phones: opens the conversation list (hidden where the list is always shown)."""
    return rx.icon_button(
        rx.icon("panel-left", size=18),
        variant="ghost",
        color_scheme="gray",
        on_click=SidebarState.toggle_drawer,
        aria_label=t("chatnav.open_list"),
        title=t("chatnav.open_list"),
        class_name="phone-only",
        id="drawer-toggle",
    )


def sidebar() -> rx.Component:
    return rx.fragment(
        rx.cond(
            SidebarState.drawer_open,
            rx.box(class_name="drawer-backdrop", on_click=SidebarState.close_drawer),
        ),
        rx.vstack(
            rx.hstack(
                rx.button(
                    rx.icon("plus", size=16),
                    t("chat.new"),
                    on_click=[SidebarState.close_drawer, rx.redirect(routes.CHAT)],
                    variant="soft",
                    flex="1",
                    id="new-chat",
                ),
                rx.icon_button(
                    rx.icon("x", size=16),
                    variant="ghost",
                    color_scheme="gray",
                    on_click=SidebarState.close_drawer,
                    aria_label=t("chatnav.close_list"),
                    title=t("chatnav.close_list"),
                    class_name="phone-only",
                    id="drawer-close",
                ),
                width="100%",
                align="center",
            ),
            rx.input(
                rx.input.slot(rx.icon("search", size=14)),
                placeholder=t("chat.search"),
                value=ChatState.search,
                on_change=ChatState.set_search.debounce(250),
                width="100%",
                id="conv-search",
            ),
            rx.box(
                rx.cond(
                    ChatState.conversations.length() > 0,
                    rx.foreach(ChatState.conversations, _conversation_item),
                    _empty_list(),
                ),
                class_name="conv-list",
                id="conv-list",
            ),
            archived_view(),
            spacing="3",
            background=rx.color("gray", 2),
            border_right=f"1px solid {rx.color('gray', 5)}",
            class_name="chat-sidebar",
            data_open=SidebarState.drawer_open,
            id="sidebar",
        ),
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


def delete_dialog() -> rx.Component:
    return confirm_dialog(
        t("chat.delete_confirm"),
        rx.alert_dialog.description(
            SidebarState.delete_title, class_name="delete-title", overflow_wrap="anywhere"
        ),
        (t("chat.delete"), SidebarState.delete, "delete-confirm"),
        t("chat.cancel"),
        SidebarState.delete_id != "",
        cancel_props={"on_click": SidebarState.cancel_delete, "id": "delete-cancel"},
    )


def undo_bar() -> rx.Component:
    """After a delete: Undo, for a few seconds."""
    return rx.cond(
        SidebarState.undo_id != "",
        rx.hstack(
            rx.text(t("chatnav.deleted"), size="2"),
            rx.button(t("chatnav.undo"), size="1", on_click=SidebarState.undo_delete, id="undo"),
            role="status",
            align="center",
            spacing="3",
            class_name="undo-bar",
            id="undo-bar",
        ),
    )
