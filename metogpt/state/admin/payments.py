"""The payments screen: everyone's payments, a filter by status, and reconciliation (the
payment's state fetched again from its provider, and applied)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from metogpt.services import payments, shop
from metogpt.services.errors import ServiceError
from metogpt.services.permissions import Actor
from metogpt.state.admin.base import AdminState, screen

PAGE = 25


@dataclass
class PaymentAdminRow:
    id: str
    user: str  # email
    package: str
    amount: str
    credits: int
    provider: str
    provider_status: str
    status: str
    credited: bool
    when: str  # "YYYY-MM-DD HH:MM UTC"
    problem: str

    @classmethod
    def of(cls, row: payments.PaymentRow) -> PaymentAdminRow:
        p = row.payment
        return cls(
            id=p.id,
            user=row.user_email,
            package=p.package_name,
            amount=shop.price_text(p.amount, p.currency),
            credits=p.credits,
            provider=p.provider,
            provider_status=p.provider_status or "",
            status=p.status,
            credited=p.credited_at is not None,
            when=f"{p.created_at:%Y-%m-%d %H:%M} UTC",
            problem=p.problem or "",
        )


@screen("payments")
class PaymentsState(AdminState):
    payment_rows: rx.Field[list[PaymentAdminRow]] = rx.field(default_factory=list)
    payments_total: int = 0
    status_filter: str = "all"
    payments_page: int = 0
    reconciling: str = ""  # the payment being asked about

    @staticmethod
    def _allowed(actor: Actor) -> bool:
        return actor.can("BALANCE_MANAGEMENT", "READ")

    def _reader(self) -> Callable[[Session, Actor], Any]:
        status = None if self.status_filter == "all" else self.status_filter
        offset = self.payments_page * PAGE

        def read(session: Session, actor: Actor) -> tuple[list[payments.PaymentRow], int]:
            return payments.all_payments(session, actor, status, PAGE, offset)

        return read

    def _shown(self, data: tuple[list[payments.PaymentRow], int]) -> Any:
        rows, self.payments_total = data
        self.payment_rows = [PaymentAdminRow.of(r) for r in rows]
        return None

    @rx.event
    async def filter_status(self, status: str):
        if status != "all" and status not in payments.STATUSES:
            return
        self.status_filter, self.payments_page = status, 0
        await self._refresh()

    @rx.event
    async def go_payments_page(self, delta: int):
        last = max(0, (self.payments_total - 1) // PAGE)
        self.payments_page = min(max(0, self.payments_page + delta), last)
        await self._refresh()

    @rx.event
    async def reconcile(self, payment_id: str):
        self.reconciling = payment_id
        yield
        caller = await self._caller()
        if caller is None:
            self.reconciling = ""
            return
        try:
            # Its own transactions: the provider is asked between them (services/payments.py).
            await asyncio.to_thread(payments.reconcile, caller[1], payment_id)
        except ServiceError as exc:
            self._refused(exc)
            self.reconciling = ""
            await self._refresh(caller[1])
            yield self._failed()
            return
        self.reconciling = ""
        await self._refresh(caller[1])
        yield self._done("payments.reconciled")
