"""/ (a new conversation) and /c/{id} (one conversation) — the chat: conversation list
(`sidebar.py`), the open conversation (`conversation.py`) and its controls
(`composer.py`)."""

from __future__ import annotations

import reflex as rx

from metogpt.components.travel import share_dialog
from metogpt.pages.chat.conversation import conversation_view
from metogpt.pages.chat.sidebar import delete_dialog, rename_dialog, sidebar, undo_bar
from metogpt.pages.layout import signed_in
from metogpt.state.chat import ChatState
from metogpt.state.lang import t


def page_title() -> rx.Var:
    """The browser tab's title: the open conversation's, else the app's."""
    return rx.cond(
        ChatState.current_title != "",
        ChatState.current_title,
        rx.cond(ChatState.not_found, t("chatnav.title.not_found"), t("app.name")),
    )


@signed_in
def chat_page() -> rx.Component:
    return rx.flex(
        sidebar(),
        conversation_view(),
        rename_dialog(),
        delete_dialog(),
        undo_bar(),
        share_dialog(),
        width="100%",
        height="100%",
        min_height="0",
    )
