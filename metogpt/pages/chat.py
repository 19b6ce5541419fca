"""/ — the chat."""

from __future__ import annotations

import reflex as rx

from metogpt.i18n import t
from metogpt.pages.layout import signed_in
from metogpt.state.session import SessionState


def _model_row(offer: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.icon("bot", size=16),
        rx.text(offer["model"], weight="medium"),
        rx.spacer(),
        rx.badge("× ", offer["coefficient"], variant="soft"),
        width="100%",
        align="center",
    )


@signed_in
def chat_page() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("messages-square", size=40, color=rx.color("accent", 9)),
            rx.heading(t("chat.empty.title"), size="6"),
            rx.text(t("chat.empty.body"), color_scheme="gray", text_align="center"),
            rx.card(
                rx.vstack(
                    rx.text(t("chat.models"), weight="bold", size="2"),
                    rx.cond(
                        SessionState.models.length() > 0,
                        rx.foreach(SessionState.models, _model_row),
                        rx.text(t("chat.no_models"), color_scheme="gray", size="2"),
                    ),
                    width="100%",
                ),
                width="100%",
            ),
            align="center",
            spacing="4",
            max_width="560px",
            width="100%",
            padding="2em",
        ),
        width="100%",
        flex="1",
    )
