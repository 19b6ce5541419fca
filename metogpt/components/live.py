"""The text of an answer in flight, delta by delta (live.jsx beside this file)."""

from __future__ import annotations

import reflex as rx


class LiveAnswer(rx.Component):
    """Reads GET /api/answers/{message_id}/stream with the tab's token and appends each
    delta to the page (plain text; the answer shows as Markdown once it has ended). Its
    children show until the first text arrives. on_lost: the answer's worker died."""

    library = "$/public" + rx.asset("live.jsx", shared=True)
    tag = "LiveAnswer"

    message_id: rx.Var[str]
    token: rx.Var[str]
    on_lost: rx.EventHandler[rx.event.passthrough_event_spec(str)]
