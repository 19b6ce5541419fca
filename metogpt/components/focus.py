"""Focus kept in a field across a change of page (focus.jsx beside this file)."""

from __future__ import annotations

import reflex as rx


class KeepFocus(rx.Component):
    """Put beside the field `target` (an id): if it had the focus when its page went away,
    the same field of the next page takes it."""

    library = "$/public" + rx.asset("focus.jsx", shared=True)
    tag = "KeepFocus"

    target: rx.Var[str]
