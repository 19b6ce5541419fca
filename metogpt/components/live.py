"""The text of an answer in flight, delta by delta (live.jsx beside this file)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import VarData

from metogpt.components.markdown import answer_text


class LiveAnswer(rx.Component):
    """Reads GET /api/answers/{messageId}/stream with the tab's token and shows the
    answer as it comes: each finished block as Markdown (rendered once, by `block`), the
    open one as plain text. Its children show until the first text arrives. on_lost: the
    worker writing the answer died."""

    library = "$/public" + rx.asset("live.jsx", shared=True)
    tag = "LiveAnswer"

    message_id: rx.Var[str]
    token: rx.Var[str]
    block: rx.Var[Any]  # a React component rendering a block: `<Block content=... />`
    on_lost: rx.EventHandler[rx.event.passthrough_event_spec(str)]


def _renderer() -> rx.Var[Any]:
    """The answers' Markdown component itself (a memo of components/markdown.py), for
    LiveAnswer to render blocks with: they look as the ended answer will."""
    memo = answer_text(content="")
    return rx.Var(_js_expr=str(memo.tag), _var_data=VarData(imports=memo._get_imports()))


def live_answer(*children: rx.Component, **props: Any) -> rx.Component:
    return LiveAnswer.create(*children, block=_renderer(), **props)
