"""/ — the chat: conversation list (`sidebar.py`), the open conversation
(`conversation.py`) and its controls (`composer.py`)."""

from __future__ import annotations

import reflex as rx

from metogpt.components.travel import share_dialog
from metogpt.pages.chat.conversation import conversation_view
from metogpt.pages.chat.sidebar import rename_dialog, sidebar
from metogpt.pages.layout import signed_in


@signed_in
def chat_page() -> rx.Component:
    return rx.flex(
        sidebar(),
        conversation_view(),
        rename_dialog(),
        share_dialog(),
        direction=rx.breakpoints(initial="column", md="row"),
        width="100%",
        height="100%",
    )
