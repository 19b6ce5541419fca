"""A tab's Reflex state tree built by a test (no app, no socket), and its substates."""

from __future__ import annotations

from typing import TypeVar

import reflex as rx
from reflex.state import BaseState

S = TypeVar("S", bound=BaseState)


def root() -> rx.State:
    """A fresh tab's root state, built as Reflex's state manager builds it (the keyword is
    Reflex's own, outside the signature it declares)."""
    return rx.State(_reflex_internal_init=True)  # pyright: ignore[reportCallIssue]


def substate(tree: rx.State, cls: type[S]) -> S:
    """The `cls` part of a tab's state tree."""
    state = tree.get_substate(cls.get_full_name().split(".")[1:])
    assert isinstance(state, cls)
    return state


def tab(cls: type[S]) -> S:
    """The `cls` part of a fresh tab's state."""
    return substate(root(), cls)
