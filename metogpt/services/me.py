"""What a signed-in user reads and changes about themselves: the profile (display name,
language, theme) and their own ledger. Anyone signed in may; each function acts on the
actor's own row only, so no one reaches another user's data through it."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from metogpt.models import LedgerEntry, User
from metogpt.services import accounts, billing, users
from metogpt.services.errors import InvalidInput
from metogpt.services.permissions import Actor

THEMES = ("light", "dark", "system")


def validate_theme(theme: Any) -> str:
    if theme not in THEMES:
        raise InvalidInput(f"theme must be one of {', '.join(THEMES)}")
    return theme


def update_profile(session: Session, actor: Actor, name: Any, locale: Any, theme: Any) -> User:
    """Change one's display name, language and theme together: all valid, or nothing changes."""
    name = accounts.validate_name(name)
    if locale not in users.LOCALES:
        raise InvalidInput(f"locale must be one of {', '.join(users.LOCALES)}")
    theme = validate_theme(theme)
    user = users.get(session, actor.user_id)
    user.name, user.locale, user.theme = name, locale, theme
    session.add(user)
    return user


def set_theme(session: Session, actor: Actor, theme: Any) -> User:
    """The theme picked in the header: remembered for every browser the user signs in on."""
    user = users.get(session, actor.user_id)
    user.theme = validate_theme(theme)
    session.add(user)
    return user


def own_ledger(
    session: Session, actor: Actor, limit: Any = 50, offset: Any = 0
) -> tuple[list[LedgerEntry], int]:
    """A page of the actor's own ledger, newest first, and its length."""
    return billing.ledger_rows(session, actor.user_id, *users.page_args(limit, offset))
