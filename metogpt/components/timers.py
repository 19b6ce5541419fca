"""Timers in the browser that send events (timers.jsx beside this file)."""

from __future__ import annotations

import reflex as rx

_LIBRARY = "$/public" + rx.asset("timers.jsx", shared=True)


class VisiblePoll(rx.Component):
    """Fires on_tick every `interval` ms while the page is visible."""

    library = _LIBRARY
    tag = "VisiblePoll"

    interval: rx.Var[int]
    on_tick: rx.EventHandler[rx.event.no_args_event_spec]


class Settled(rx.Component):
    """Fires on_settle once `value` has not changed for `delay` ms."""

    library = _LIBRARY
    tag = "Settled"

    value: rx.Var[str]
    delay: rx.Var[int]
    on_settle: rx.EventHandler[rx.event.no_args_event_spec]
