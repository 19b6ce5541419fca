"""Answers as Markdown: GFM tables, quotes, math (display math as a centred block), code
blocks with their language and a copy button, links that open in a new tab.

Raw HTML in an answer is never interpreted (`use_raw=False`: react-markdown shows it as
text) and react-markdown drops `javascript:` addresses, so a model's output cannot run
script. Styles are classes in assets/markdown.css (Radix tokens: readable in light and
dark); the code's highlighting theme follows the colour mode (CodeBlock's default)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from metogpt.state.lang import t

_DISPLAY_MATH = rx.markdown.plugin.create(
    "$/public" + rx.asset("remark_display_math.js", shared=True), "remarkDisplayMath"
)


def copy_button(text: rx.Var[str], **props: Any) -> rx.Component:
    """An icon button that puts `text` on the clipboard; a check mark once clicked."""
    return rx.icon_button(
        rx.icon("copy", size=14, class_name="to-copy"),
        rx.icon("check", size=14, class_name="copied"),
        type="button",
        size="1",
        variant="ghost",
        color_scheme="gray",
        title=t("render.copy"),
        aria_label=t("render.copy"),
        on_click=rx.set_clipboard(text),
        **props,
    )


def _code_block(code: rx.Var[str], language: rx.Var[str] | None = None, **props: Any):
    """A fenced code block: its language and a copy button above the highlighted code.
    (Called once without a language when Reflex collects the map's imports.)"""
    if language is not None:
        props["language"] = language
    label = language if language is not None else rx.Var.create("")
    return rx.box(
        rx.el.div(
            rx.el.span(rx.cond(label != "", label, "text"), class_name="code-lang"),
            copy_button(code, class_name="copy-button code-copy"),
            class_name="code-bar",
        ),
        rx.code_block(code, wrap_long_lines=False, **props),
        class_name="code-frame",
    )


def _link(text: rx.Var[str], **props: Any) -> rx.Component:
    return rx.link(text, target="_blank", rel="noopener noreferrer", **props)


_COMPONENTS = {"pre": _code_block, "a": _link}


@rx.memo
def answer_text(content: rx.Var[str]) -> rx.Component:
    """An answer as Markdown, rendered again only when its text changes. The message list
    is one component that every state update re-renders (each flush of a streaming
    answer among them): without this, every earlier answer was parsed again each time."""
    return rx.markdown(
        content,
        use_raw=False,
        component_map=_COMPONENTS,
        remark_plugins=[_DISPLAY_MATH],
        class_name="msg-text md",
    )
