"""The account page's ledger: the user's own transactions, a page at a time, and all of
them as a CSV download."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from metogpt.models import CHARGE, LedgerEntry, iso
from metogpt.services import analytics, me
from metogpt.services.errors import ServiceError
from metogpt.state.session import FAILED, SessionState

PAGE = 20


@dataclass
class LedgerRow:
    id: int
    time: str  # UTC, "YYYY-MM-DD HH:MM"
    kind: str
    amount: int
    balance_after: int
    details: str  # a charge's model and tokens, otherwise the reason given

    @classmethod
    def of(cls, e: LedgerEntry) -> LedgerRow:
        if e.kind == CHARGE:
            tokens = (e.prompt_tokens or 0) + (e.completion_tokens or 0)
            details = f"{e.model or ''} · {tokens} tok × {e.coefficient or '1'}"
        else:
            details = e.reason or ""
        time = (iso(e.created_at) or "")[:16].replace("T", " ")
        return cls(e.id or 0, time, e.kind, e.amount, e.balance_after, details)


class LedgerState(SessionState):
    ledger_rows: rx.Field[list[LedgerRow]] = rx.field(default_factory=list)
    ledger_total: int = 0
    ledger_page: int = 0  # 0-based
    ledger_error: str = ""

    @rx.var
    def ledger_pages(self) -> int:
        return max(1, -(-self.ledger_total // PAGE))

    def _window(self) -> tuple[int, int]:
        """The page shown: (limit, offset) of `me.own_ledger`."""
        return PAGE, self.ledger_page * PAGE

    def _loaded(self, found: tuple[list[LedgerEntry], int] | ServiceError) -> None:
        """A page of the ledger (read by the account page's load, or by a turn of page)."""
        if isinstance(found, ServiceError):
            self._refused(found)
            return
        rows, self.ledger_total = found
        self.ledger_rows, self.ledger_error = [LedgerRow.of(e) for e in rows], ""

    @rx.event
    async def turn_page(self, step: int):
        self.ledger_page = min(max(0, self.ledger_page + step), self.ledger_pages - 1)
        found = await self._call(me.own_ledger, *self._window())
        if found is not FAILED:
            self._loaded(found)

    @rx.event
    async def export_ledger(self):
        data = await self._call(analytics.own_ledger_csv)
        if data is FAILED:
            return None
        return rx.download(data=data, filename="metogpt-transactions.csv")

    def _refused(self, exc: ServiceError) -> None:
        self.ledger_error = self._error_text(exc)
