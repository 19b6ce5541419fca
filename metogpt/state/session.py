"""Who is signed in, and the language. Identity lives only in backend vars (`_user_id`)
and is re-derived from the signed token by the auth service on every privileged event.

Every state that holds a user's data derives from SessionState. A tab is one browser
tab, whoever signs in on it: when its token names someone else (sign-out, another
sign-in, a failed authentication, a reconnect with another or no token), every state under
SessionState is reset through `_claim` before anything more reaches the browser, so no
later user ever receives an earlier user's data. `TabOwner` makes that check on every
event, hydration included, before the event is processed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, TypeVar

import reflex as rx
from reflex.event import EventSpec
from reflex.middleware.middleware import Middleware
from reflex.state import BaseState
from reflex_base.constants.state import FIELD_MARKER

from metogpt import i18n, routes
from metogpt.models import User
from metogpt.services import auth, permissions, screens, users
from metogpt.services.db import in_read, in_write
from metogpt.services.errors import ServiceError
from metogpt.services.permissions import Actor

T = TypeVar("T")

# The tab's own client-side vars, kept through a reset: the token is whoever signs in now,
# the language is the tab's choice.
_TAB_VARS = frozenset({"auth_token", "lang"})
_HYDRATE = f"{rx.State.get_full_name()}.hydrate_and_load"


class Failed(Enum):
    """What `SessionState._call` returns when the call did not happen or was refused."""

    FAILED = "failed"


FAILED = Failed.FAILED


@dataclass
class ModelOffer:
    """A model the user's role allows, with its coefficient (the chat's model picker)."""

    model: str
    coefficient: str


class SessionState(rx.State):
    # The browser keeps the token (it is the user's own credential); the server trusts
    # nothing else about identity and checks its signature and version on every use.
    auth_token: str = rx.LocalStorage("", name="metogpt_token", sync=True)
    lang: str = rx.LocalStorage("en", name="metogpt_lang", sync=True)

    # What the header shows. UX only: every privileged action re-checks on the server.
    signed_in: bool = False
    user_name: str = ""
    user_email: str = ""
    user_role: str = ""
    balance: int = 0
    can_admin: bool = False
    theme: str = ""  # the user's light | dark | system, applied by components/theme.py
    demo_mode: bool = False  # the selected model is answered by the demo provider (chat)
    models: rx.Field[list[ModelOffer]] = rx.field(default_factory=list)

    # Whose data the states of this tab hold ("" for nobody).
    _user_id: str = ""

    # ---- the tab's owner -----------------------------------------------------------------

    async def _claim(self, token: str) -> None:
        """The tab now belongs to whoever `token` names: if that is not who its states
        hold data for, reset them all first."""
        owner = auth.subject(token)
        if owner != self._user_id:
            await self._become(owner)

    async def _become(self, owner: str) -> None:
        """The tab's states start clean for `owner` (a user id, "" for nobody)."""
        await self._reset_user_states()
        self._user_id = owner

    async def _reset_user_states(self) -> None:
        """Every state under SessionState (this one included) back to its defaults, except
        the tab's token and language. Structural: a new state that derives from
        SessionState is reset without being listed anywhere."""
        for cls in user_state_classes():
            state = await self.get_state(cls)
            await state._on_reset()
            for name, field in cls.__fields__.items():
                if field._owner is cls and name not in _TAB_VARS:
                    setattr(state, name, field.default_value())

    async def _on_reset(self) -> None:
        """What a state must do before its data is dropped (ChatState: stop its answer)."""

    async def _sign_in(self, token: str) -> None:
        """A fresh token for this tab: the states start clean for its user."""
        self.auth_token = token
        await self._become(auth.subject(token))

    async def _forget(self) -> None:
        """Signed out, or the token no longer authenticates: nothing of anyone stays."""
        self.auth_token = ""
        await self._claim("")

    # ---- authentication ------------------------------------------------------------------

    async def _actor(self) -> tuple[User, Actor]:
        """The signed-in user and their permissions, fresh from the database."""
        user, actor = await in_read(auth.authenticate, self.auth_token)
        if user.id != self._user_id:  # the tab changed hands since its data was loaded
            await self._become(user.id)
        return user, actor

    async def _caller(self) -> tuple[User, Actor] | None:
        """Like `_actor`, but None for a visitor who is not (or no longer) signed in, whose
        tab is then forgotten."""
        try:
            return await self._actor()
        except ServiceError:
            await self._forget()
            return None

    async def _user(self) -> User | None:
        """The signed-in user, or None (the tab then forgotten), as `_caller`."""
        caller = await self._caller()
        return caller[0] if caller else None

    @staticmethod
    async def _signed_in(token: str) -> User:
        """The user `token` authenticates (Unauthorized if none), outside the tab's lock: a
        background task's check, with the token it read inside `async with self`."""
        user, _ = await in_read(auth.authenticate, token)
        return user

    async def _call(
        self, fn: Callable[..., T], *args: Any, write: bool = False, as_user: bool = False
    ) -> T | Literal[Failed.FAILED]:
        """The pattern of every privileged handler: authenticate, call the service with the
        actor (or, `as_user`, the user) in a read or write transaction, and show a refusal
        through `_refused`. FAILED when the call did not happen or was refused."""
        caller = await self._caller()
        if caller is None:
            return FAILED
        principal = caller[0] if as_user else caller[1]
        try:
            return await (in_write if write else in_read)(fn, principal, *args)
        except ServiceError as exc:
            self._refused(exc)
            return FAILED

    def _refused(self, exc: ServiceError) -> None:
        """Show a service's refusal; each state that calls `_call` says where."""
        raise NotImplementedError(f"{type(self).__name__} shows no refusals") from exc

    def _error_text(self, exc: ServiceError) -> str:
        return i18n.error_text(exc.code, exc.message, self.lang)

    # ---- the header ----------------------------------------------------------------------

    def _show_header(self, user: User, actor: Actor) -> None:
        self.signed_in = True
        self.user_name = user.name
        self.user_email = user.email
        self.user_role = user.role
        self.balance = user.balance
        self.can_admin = permissions.can_open_admin(actor)
        self.theme = user.theme

    def _show_user(
        self, user: User, actor: Actor, models: list[users.ModelOffer] | None = None
    ) -> None:
        """The header in the user's language, and (a page that offers them) their models."""
        self.lang = i18n.normalize_lang(user.locale)
        self._show_header(user, actor)
        if models is not None:
            self.models = [ModelOffer(o.model, o.coefficient) for o in models]

    async def _open(
        self, read: Callable[..., tuple[screens.Entry, T]], *args: Any, **kw: Any
    ) -> T | None:
        """A signed-in page's load in one trip to the thread pool: `read` (a function of
        services/screens.py) authenticates the tab's token once, gives a due grant and reads
        the first screen; the header and the models show. None for a visitor who is not (or
        no longer) signed in, whose tab is then forgotten. Call `_claim` first: what the
        arguments are read from must already be the token's user's."""
        try:
            entry, page = await asyncio.to_thread(read, self.auth_token, *args, **kw)
        except ServiceError:
            await self._forget()
            return None
        if entry.user.id != self._user_id:  # never once claimed: the token names this user
            await self._become(entry.user.id)
        self._show_user(entry.user, entry.actor, entry.models)
        return page

    def _to_login(self) -> EventSpec:
        """To the sign-in page, which leads back to this page (its query included) after."""
        url = self.router.url
        return rx.redirect(routes.login_for(url.path + (f"?{url.query}" if url.query else "")))

    @rx.event
    async def redirect_if_signed_in(self):
        """on_load of the sign-in pages."""
        if not self.auth_token:
            await self._forget()
            return None
        return None if await self._caller() is None else rx.redirect(self._after_login())

    def _after_login(self) -> str:
        """Where the sign-in pages lead: their `next` when it is a path of this site."""
        return routes.after_login(self.router.url.query_parameters.get(routes.NEXT))

    @rx.event
    async def logout(self):
        # The token's session ends on the server too: a copy of it is refused from now on.
        with contextlib.suppress(ServiceError):
            await in_write(auth.logout, self.auth_token)
        await self._forget()
        return rx.redirect(routes.LOGIN)

    @rx.event
    async def switch_lang(self):
        self.lang = "en" if self.lang == "ru" else "ru"
        if self.auth_token:
            caller = await self._caller()
            if caller is not None:
                await in_write(users.set_locale, caller[0].id, self.lang)


def user_state_classes() -> list[type[SessionState]]:
    """SessionState and every state under it, at any depth."""
    found: list[type[SessionState]] = []
    todo: list[type[BaseState]] = [SessionState]
    while todo:
        cls = todo.pop()
        assert issubclass(cls, SessionState)
        found.append(cls)
        todo.extend(cls.get_substates())
    return found


class TabOwner(Middleware):
    """Before any event of a tab is processed: if the token it now carries names someone
    other than the one whose data its states hold, reset them. Hydration (a new page or a
    reconnect) brings the browser's token in its payload and sends the whole state back,
    so the check uses the token that arrives, before the snapshot is taken."""

    async def preprocess(self, app: Any, state: Any, event: Any) -> None:
        session = await state.get_state(SessionState)
        assert isinstance(session, SessionState)
        await session._claim(_arriving_token(session, event))
        return None


def _arriving_token(session: SessionState, event: Any) -> str:
    """The token the tab carries once `event` is applied: browser storage arrives with a
    hydration (all of it: no token there means none) or a sync from another tab."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    storage = payload.get("vars")
    prefix = SessionState.get_full_name() + "."
    for key, value in (storage if isinstance(storage, dict) else {}).items():
        if str(key).removeprefix(prefix).removesuffix(FIELD_MARKER) == "auth_token":
            return value if isinstance(value, str) else ""
    return "" if event.name == _HYDRATE else session.auth_token
