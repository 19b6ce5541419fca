"""The account page's API keys section: the user's keys, creating one (its secret shown
once, in this tab only, until the dialog closes) and revoking one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import reflex as rx

from metogpt.models import iso
from metogpt.services import keys
from metogpt.services.errors import ServiceError
from metogpt.state.session import FAILED, SessionState


@dataclass
class KeyRow:
    id: str
    name: str
    prefix: str
    models: str  # "" for the role's models
    created: str
    last_used: str  # "" not yet
    expires: str  # "" never
    expired: bool
    spent: int


def _day(ts: datetime | None) -> str:
    text = iso(ts)
    return text[:16].replace("T", " ") if text else ""


def _row(key: keys.KeyView) -> KeyRow:
    return KeyRow(
        key.id,
        key.name,
        key.prefix,
        ", ".join(key.models) if key.models is not None else "",
        _day(key.created_at),
        _day(key.last_used_at),
        _day(key.expires_at),
        key.expired(),
        key.spent,
    )


class KeysState(SessionState):
    keys: rx.Field[list[KeyRow]] = rx.field(default_factory=list)
    keys_error: str = ""
    creating: bool = False  # the create dialog is open
    picked: rx.Field[list[str]] = rx.field(default_factory=list)  # models ticked
    secret: str = ""  # the new key's secret, until its dialog closes
    revoking_id: str = ""
    revoking_prefix: str = ""

    def _refused(self, exc: ServiceError) -> None:
        self.keys_error = self._error_text(exc)

    async def _reload(self) -> None:
        rows = await self._call(keys.list_own)
        if rows is not FAILED:
            self.keys = [_row(k) for k in rows]

    def _loaded(self, rows: list[keys.KeyView]) -> None:
        """The keys as the account page's load (`AccountState.load`) read them."""
        self.keys_error, self.secret, self.creating = "", "", False
        self.keys = [_row(k) for k in rows]

    @rx.event
    def open_create(self) -> None:
        self.keys_error, self.picked, self.creating = "", [], True

    @rx.event
    def set_creating(self, value: bool) -> None:
        self.creating = value

    @rx.event
    def toggle_model(self, model: str, on: bool) -> None:
        self.picked = [m for m in self.picked if m != model] + ([model] if on else [])

    @rx.event
    async def create(self, form: dict) -> None:
        self.keys_error = ""
        expires = str(form.get("expires") or "").strip()
        created = await self._call(
            keys.create,
            form.get("key_name", ""),
            f"{expires}T23:59:59Z" if expires else None,
            list(self.picked) or None,
            write=True,
        )
        if created is FAILED:
            return
        self.creating, self.secret = False, created[1]
        await self._reload()

    @rx.event
    def close_secret(self, _open: bool = False) -> None:
        self.secret = ""  # shown once: gone from the tab's state for good

    @rx.event
    def ask_revoke(self, key_id: str, prefix: str) -> None:
        self.keys_error, self.revoking_id, self.revoking_prefix = "", key_id, prefix

    @rx.event
    def cancel_revoke(self, _open: bool = False) -> None:
        self.revoking_id = ""

    @rx.event
    async def revoke(self) -> None:
        key_id, self.revoking_id = self.revoking_id, ""
        if key_id and await self._call(keys.revoke_own, key_id, write=True) is not FAILED:
            await self._reload()
