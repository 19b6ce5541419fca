"""The chat's messages: the user's (with edit, copy and retry), the answers (Markdown,
tokens, charge, copy, regenerate; a failed one with its reason and Retry) and the branch
switcher."""

from __future__ import annotations

from typing import get_args

import reflex as rx
from reflex.vars import ObjectVar

from metogpt.components.attachments import message_files
from metogpt.components.live import live_answer
from metogpt.components.markdown import answer_text, copy_button
from metogpt.i18n import MESSAGES
from metogpt.services.llm.types import ErrorKind
from metogpt.state.chat import ChatState, MessageRow
from metogpt.state.lang import t
from metogpt.state.session import SessionState

# A failed answer's reason, by the error code stored on the message, in either language:
# looked up in the browser, so it follows a language switch and survives a reload.
_REASONS = ("length", *get_args(ErrorKind))
_REASON_EN = {code: MESSAGES[f"chat.error.{code}"][0] for code in _REASONS}
_REASON_RU = {code: MESSAGES[f"chat.error.{code}"][1] for code in _REASONS}


def _reason(code: rx.Var[str]) -> rx.Var:
    en = rx.Var.create(_REASON_EN).to(dict)[code].to(str)
    ru = rx.Var.create(_REASON_RU).to(dict)[code].to(str)
    known = rx.Var.create(list(_REASONS)).contains(code)
    return rx.cond(known, rx.cond(SessionState.lang == "ru", ru, en), t("render.error.unknown"))


def _branch_switcher(msg: ObjectVar[MessageRow]) -> rx.Component:
    return rx.cond(
        msg.sibling_count.to(int) > 1,
        rx.hstack(
            rx.icon_button(
                rx.icon("chevron-left", size=14),
                size="1",
                variant="ghost",
                disabled=msg.prev_sibling == "",
                class_name="branch-prev",
                on_click=ChatState.switch_branch(msg.prev_sibling),
            ),
            rx.text(msg.sibling_index, "/", msg.sibling_count, size="1", class_name="branch-pos"),
            rx.icon_button(
                rx.icon("chevron-right", size=14),
                size="1",
                variant="ghost",
                disabled=msg.next_sibling == "",
                class_name="branch-next",
                on_click=ChatState.switch_branch(msg.next_sibling),
            ),
            spacing="1",
            align="center",
        ),
    )


def _user_message(msg: ObjectVar[MessageRow]) -> rx.Component:
    editing = ChatState.editing_id == msg.id
    return rx.vstack(
        message_files(msg),
        rx.cond(
            editing,
            rx.vstack(
                rx.text_area(
                    value=ChatState.edit_text,
                    on_change=ChatState.set_edit_text,
                    width="100%",
                    auto_height=True,
                    class_name="edit-box",
                ),
                rx.hstack(
                    rx.button(
                        t("chat.cancel"),
                        variant="soft",
                        color_scheme="gray",
                        size="1",
                        on_click=ChatState.cancel_edit,
                    ),
                    rx.button(
                        t("chat.resubmit"),
                        size="1",
                        class_name="edit-submit",
                        on_click=ChatState.submit_edit,
                        disabled=ChatState.streaming,
                    ),
                    justify="end",
                    width="100%",
                ),
                width="100%",
            ),
            rx.cond(
                msg.content != "",
                rx.box(
                    rx.text(msg.content, white_space="pre-wrap", class_name="msg-text"),
                    background=rx.color("accent", 3),
                    padding="0.7em 1em",
                    border_radius="14px",
                    max_width="100%",
                ),
            ),
        ),
        rx.hstack(
            _branch_switcher(msg),
            copy_button(msg.content, class_name="copy-button msg-copy", title=t("render.copy")),
            rx.icon_button(
                rx.icon("pencil", size=15),
                size="1",
                variant="soft",
                color_scheme="gray",
                title=t("chat.edit"),
                aria_label=t("chat.edit"),
                class_name="msg-edit",
                disabled=ChatState.streaming,
                on_click=ChatState.start_edit(msg.id, msg.content),
            ),
            rx.cond(
                (msg.id == ChatState.messages[-1].id) & ~ChatState.streaming,
                rx.button(
                    rx.icon("rotate-ccw", size=13),
                    t("chat.retry"),
                    size="1",
                    variant="soft",
                    class_name="msg-retry",
                    on_click=ChatState.regenerate(msg.id),
                ),
            ),
            spacing="2",
            align="center",
        ),
        align="end",
        width="100%",
        max_width="760px",
        class_name="msg msg-user",
        spacing="1",
    )


def _charge(msg: ObjectVar[MessageRow]) -> rx.Component:
    """Tokens and charge; an answer that used nothing says "nothing charged" instead of
    "0 tokens · charged 0" (a stop before sending says it in its badge already)."""
    used_nothing = (msg.charged.to(int) == 0) & (msg.tokens.to(int) == 0)
    figures = {"class_name": "msg-charge", "data_charged": msg.charged, "data_tokens": msg.tokens}
    return rx.cond(
        msg.status == "streaming",
        rx.fragment(),
        rx.cond(
            used_nothing,
            rx.cond(
                msg.status == "stopped",
                rx.fragment(),
                rx.text(t("render.nothing_charged"), size="1", color_scheme="gray", **figures),
            ),
            rx.text(
                msg.tokens,
                " ",
                t("chat.tokens"),
                " · ",
                t("chat.charged"),
                " ",
                msg.charged,
                " (×",
                msg.coefficient,
                ")",
                size="1",
                color_scheme="gray",
                **figures,
            ),
        ),
    )


def _answer_footer(msg: ObjectVar[MessageRow]) -> rx.Component:
    return rx.hstack(
        _branch_switcher(msg),
        rx.text(msg.model, size="1", color_scheme="gray"),
        _charge(msg),
        rx.cond(
            msg.status == "stopped",
            rx.badge(
                rx.cond(
                    msg.prompt_tokens.to(int) > 0,
                    t("chat.stopped.charged"),
                    t("chat.stopped.unsent"),
                ),
                color_scheme="amber",
                size="1",
                class_name="msg-stopped",
            ),
        ),
        rx.cond(
            (msg.status != "streaming") & (msg.content != ""),
            copy_button(msg.content, class_name="copy-button msg-copy", title=t("render.copy")),
        ),
        rx.cond(
            (msg.status != "streaming") & ~ChatState.streaming,
            rx.icon_button(
                rx.icon("refresh-cw", size=13),
                size="1",
                variant="ghost",
                title=t("chat.regenerate"),
                class_name="msg-regenerate",
                on_click=ChatState.regenerate(msg.id),
            ),
        ),
        spacing="2",
        align="center",
        wrap="wrap",
    )


def _failure(msg: ObjectVar[MessageRow]) -> rx.Component:
    """Why the answer failed or was cut (kept on the message), and a Retry that asks again
    (a new answer beside this one, as regenerate does)."""
    return rx.cond(
        (msg.error != "") & (msg.status != "streaming"),
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert", size=16)),
            rx.callout.text(_reason(msg.error), class_name="msg-error-text"),
            rx.cond(
                ~ChatState.streaming,
                rx.button(
                    rx.icon("rotate-ccw", size=13),
                    t("render.retry"),
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    class_name="msg-answer-retry",
                    on_click=ChatState.regenerate(msg.id),
                    width="fit-content",
                ),
            ),
            color_scheme=rx.cond(msg.status == "error", "red", "amber"),
            size="1",
            role="alert",
            class_name="msg-error",
            data_error=msg.error,
            width="100%",
        ),
    )


def _assistant_message(msg: ObjectVar[MessageRow]) -> rx.Component:
    live = ChatState.streaming & (msg.id == ChatState.stream_message_id)
    return rx.vstack(
        rx.box(
            rx.cond(
                live,
                live_answer(
                    rx.hstack(
                        rx.spinner(size="1"),
                        rx.text(t("chat.thinking"), size="2"),
                        color=rx.color("gray", 10),
                    ),
                    message_id=msg.id,
                    token=SessionState.auth_token,
                    on_lost=ChatState.answer_lost,
                    class_name="msg-text live-answer",
                ),
                rx.cond(
                    msg.content != "",
                    answer_text(content=msg.content),
                    rx.cond(
                        msg.status == "error", rx.fragment(), rx.text("—", color_scheme="gray")
                    ),
                ),
            ),
            width="100%",
            class_name="msg-body",
        ),
        _failure(msg),
        _answer_footer(msg),
        width="100%",
        max_width="760px",
        align="start",
        class_name="msg msg-assistant",
        data_status=msg.status,
        spacing="1",
    )


def message(msg: ObjectVar[MessageRow]) -> rx.Component:
    return rx.cond(msg.role == "user", _user_message(msg), _assistant_message(msg))
