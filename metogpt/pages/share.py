"""/s/{token}: a shared conversation, read-only, for anyone with the link. The answers go
through the chat's own Markdown component (components/messages.answer_text): the same
rendering and the same protection (no raw HTML) as in the chat."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from metogpt import routes
from metogpt.components.forms import lang_switch
from metogpt.components.messages import answer_text
from metogpt.state.lang import t
from metogpt.state.share import SharedRow, ShareState


def _row(row: ObjectVar[SharedRow]) -> rx.Component:
    return rx.cond(
        row.role == "user",
        rx.box(
            rx.text(row.content, white_space="pre-wrap", class_name="msg-text"),
            background=rx.color("accent", 3),
            padding="0.7em 1em",
            border_radius="14px",
            max_width="100%",
            align_self="end",
            class_name="msg msg-user",
        ),
        rx.vstack(
            rx.box(answer_text(content=row.content), width="100%", class_name="msg-body"),
            rx.text(row.model, size="1", color_scheme="gray"),
            width="100%",
            align="start",
            spacing="1",
            class_name="msg msg-assistant",
        ),
    )


def _missing() -> rx.Component:
    return rx.vstack(
        rx.heading("404", size="8", color_scheme="gray"),
        rx.text(t("share.missing"), class_name="share-missing"),
        rx.link(t("share.home"), href=routes.CHAT),
        align="center",
        padding_top="4em",
        spacing="3",
    )


def share_page() -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.hstack(
                rx.icon("sparkles", size=20, color=rx.color("accent", 9)),
                rx.heading(t("app.name"), size="4"),
                align="center",
                spacing="2",
            ),
            rx.spacer(),
            rx.badge(t("share.readonly"), color_scheme="gray"),
            lang_switch(),
            align="center",
            padding="0.8em 1em",
            border_bottom=f"1px solid {rx.color('gray', 4)}",
            width="100%",
        ),
        rx.cond(
            ShareState.missing,
            _missing(),
            rx.vstack(
                rx.heading(ShareState.title, size="6", class_name="share-title"),
                rx.foreach(ShareState.rows, _row),
                width="100%",
                max_width="760px",
                margin="0 auto",
                padding="1.5em 1em",
                spacing="4",
                class_name="share-messages",
            ),
        ),
        min_height="100vh",
        overflow_x="hidden",
    )
