"""The first screen of a signed-in page, in one call: the token checked once (the same
`auth.authenticate` every privileged call goes through), the user's due grant given, and
everything the page shows first read in one read transaction.

A page's load is one Reflex event that makes this one call in one thread: one trip to the
thread pool while the event holds its tab, where a handler per section took a trip (and an
authentication) each. Each function answers for the token's own user only, like the
services it reads through; a section that may be refused carries its refusal
(`ServiceError`) in place of its data, so the rest of the page still shows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlmodel import Session

from metogpt.models import LedgerEntry, Share, User
from metogpt.services import analytics, auth, conversations, grants, keys, me, shop, users
from metogpt.services.db import read_session
from metogpt.services.errors import ServiceError
from metogpt.services.permissions import Actor
from metogpt.services.travel import presets, shares
from metogpt.services.travel.presets import PresetView

T = TypeVar("T")


@dataclass(frozen=True)
class Entry:
    """Who opened the page (authenticated, after their due grant) and the models their
    role offers now."""

    user: User
    actor: Actor
    models: list[users.ModelOffer] | None  # None: the page shows none (the dashboard)


def _open(
    token: str | None,
    read: Callable[[Session, Entry], T],
    now: datetime | None = None,
    *,
    models: bool = True,
) -> tuple[Entry, T]:
    """Authenticate (Unauthorized for a visitor), give a due grant, then `read` the page.
    Nothing due (the usual case): one read transaction. A grant due: the read that found it,
    the grant's write, then the page read from the user's row as the grant left it."""
    with read_session() as session:
        user, actor = auth.authenticate(session, token)
        if not grants.is_due(session, user, now):
            return _read(session, user, actor, read, models)
    grants.give(user.id, now)
    with read_session() as session:
        return _read(session, users.get(session, user.id), actor, read, models)


def _read(
    session: Session,
    user: User,
    actor: Actor,
    read: Callable[[Session, Entry], T],
    models: bool,
) -> tuple[Entry, T]:
    entry = Entry(user, actor, users.models_of(session, user) if models else None)
    return entry, read(session, entry)


def _attempt(fn: Callable[..., T], *args: Any) -> T | ServiceError:
    """A section's read, or its refusal (shown in the section's place)."""
    try:
        return fn(*args)
    except ServiceError as exc:
        return exc


# ---- the chat page ------------------------------------------------------------------------


@dataclass(frozen=True)
class Chat:
    screen: conversations.Screen | None  # None when not asked for (an answer on screen)
    presets: list[PresetView]
    publish_roles: list[str]
    # The preset picked just before coming to / (None: none picked), or why it is refused.
    preset: PresetView | ServiceError | None


def chat(
    token: str | None,
    conversation_id: str | None,
    search: str = "",
    *,
    screen: bool = True,
    preset: str = "",
) -> tuple[Entry, Chat]:
    """The chat page: the conversation list and `conversation_id`'s thread (an unknown or
    foreign one is none; `screen` False: neither), the presets, and the preset picked just
    before (the id `preset`, "" for none)."""

    def read(session: Session, entry: Entry) -> Chat:
        actor = entry.actor
        user = entry.user
        shown = conversations.screen(session, user, conversation_id, search) if screen else None
        views, roles = presets.for_chat_page(session, actor)
        picked = _attempt(presets.for_chat, session, actor, preset) if preset else None
        return Chat(shown, views, roles, picked)

    return _open(token, read)


# ---- the account page ---------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    overview: shop.Overview | ServiceError
    links: list[Share]
    keys: list[keys.KeyView]
    ledger: tuple[list[LedgerEntry], int] | ServiceError
    usage: analytics.Usage | ServiceError


def account(
    token: str | None,
    returned_payment: str,
    ledger_limit: int,
    ledger_offset: int,
    usage_days: int,
) -> tuple[Entry, Account]:
    """The account page: the payments section (with the payment the buyer came back from,
    if theirs), share links, API keys, a page of the ledger and the usage over a range."""

    def read(session: Session, entry: Entry) -> Account:
        actor = entry.actor
        return Account(
            _attempt(shop.overview, session, entry.user, returned_payment),
            shares.mine(session, actor),
            keys.list_own(session, actor),
            _attempt(me.own_ledger, session, actor, ledger_limit, ledger_offset),
            _attempt(analytics.own_usage, session, actor, usage_days),
        )

    return _open(token, read)


# ---- the admin dashboard ------------------------------------------------------------------

# A dashboard tab: may this actor see it (display only: its reads check again), and the read
# of its first screen.
Tab = tuple[Callable[[Actor], bool], Callable[[Session, Actor], Any]]


@dataclass(frozen=True)
class Admin:
    actor: Actor  # what the admin may do (the page shows only that)
    tab: str  # the tab that opens: "" when there is none they may see
    data: Any  # what that tab's read returned, or its refusal (ServiceError); None: no tab


def admin(token: str | None, wanted: str, tabs: Mapping[str, Tab]) -> tuple[Entry, Admin]:
    """The admin dashboard: the tab `wanted` if this admin may see it, else the first of
    `tabs` (in their order) they may, and its first screen. No models (the chat page's)."""

    def read(session: Session, entry: Entry) -> Admin:
        actor = entry.actor
        allowed = [name for name, (may, _) in tabs.items() if may(actor)]
        tab = wanted if wanted in allowed else next(iter(allowed), "")
        data = _attempt(tabs[tab][1], session, actor) if tab else None
        return Admin(actor, tab, data)

    return _open(token, read, models=False)
