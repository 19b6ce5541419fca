"""A send the server never took is told to the user (send_watch.jsx beside this file), and
a turn taken whose answer never showed is asked about (TurnWatch).

Reflex can drop a tab's event whole: its state write refused after the tab's lock expired
(rxconfig.py), or its worker dying before it ran. A dropped `ChatState.send` saves nothing
and the server says nothing, so the browser watches instead: each send carries an id of
the browser's (the form's hidden `send_id`), the send handler's first step shows it back
(`ChatState.taken_send`), and a send not shown back within `SEND_WAIT_MS` shows this
component's children. The draft is untouched; sending again reuses the id while the text
is unchanged, and the server takes an id once (`ChatState._take_send`), so a late copy and
a retry make one message."""

from __future__ import annotations

import reflex as rx

# Normally the id comes back within milliseconds. A send queued behind a slow event of the
# same tab can wait up to the tab's lock (30 s) and still run: it then shows up late, and
# the notice goes away.
SEND_WAIT_MS = 10_000
# How often a page whose turn shows no answer asks about it: a turn's answer normally shows
# within milliseconds, and a dead worker's heartbeat lapses within seconds (live/streams.py).
TURN_WAIT_MS = 5_000


class SendWatch(rx.Component):
    """Put in the form with id `form`: shows its children while a send of that form has
    not been taken (`taken`: the id the server took last) `wait_ms` after it was made."""

    library = "$/public" + rx.asset("send_watch.jsx", shared=True)
    tag = "SendWatch"

    form: rx.Var[str]
    taken: rx.Var[str]
    wait_ms: rx.Var[int]


class TurnWatch(rx.Component):
    """In the composer: while `waiting` (the turn `turn` taken, its answer not on the page
    yet), fires `on_check(turn)` every `wait_ms`, and once more if the turn goes without
    its answer for another one (state/chat/turns.py: a turn whose worker died is given
    up). Renders nothing."""

    library = "$/public" + rx.asset("send_watch.jsx", shared=True)
    tag = "TurnWatch"

    turn: rx.Var[str]
    waiting: rx.Var[bool]
    wait_ms: rx.Var[int]
    on_check: rx.EventHandler[rx.event.passthrough_event_spec(str)]
