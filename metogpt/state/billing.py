"""The account page's payments section: the packages on sale, the Buy buttons (one per
configured provider), the payment the buyer came back from, their payments and their next
periodic grant. Buying sends the browser to the provider's page; the provider sends it back
to /account?payment=<id>, and its webhook credits the balance (services/payments.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import reflex as rx

from metogpt import routes
from metogpt.models import Package, Payment
from metogpt.services import payments, shop
from metogpt.services.errors import ServiceError
from metogpt.settings import settings
from metogpt.state.session import SessionState

RETURN_MARKER = "payment"  # the query parameter the provider brings the buyer back with


@dataclass
class OfferRow:
    id: str
    name: str
    price: str  # "199.00 RUB"
    credits: int

    @classmethod
    def of(cls, p: Package) -> OfferRow:
        return cls(p.id, p.name, shop.price_text(p.price, p.currency), p.credits)


@dataclass
class PurchaseRow:
    id: str
    package: str
    amount: str
    credits: int
    status: str  # pending | succeeded | canceled | refunded | failed
    credited: bool
    when: str  # "YYYY-MM-DD HH:MM UTC"

    @classmethod
    def of(cls, p: Payment) -> PurchaseRow:
        return cls(
            id=p.id,
            package=p.package_name,
            amount=shop.price_text(p.amount, p.currency),
            credits=p.credits,
            status=p.status,
            credited=p.credited_at is not None,
            when=f"{p.created_at:%Y-%m-%d %H:%M} UTC",
        )


class BillingState(SessionState):
    offers: rx.Field[list[OfferRow]] = rx.field(default_factory=list)
    providers: rx.Field[list[str]] = rx.field(default_factory=list)
    purchases: rx.Field[list[PurchaseRow]] = rx.field(default_factory=list)
    # The payment the buyer came back from (none or one).
    returned: rx.Field[list[PurchaseRow]] = rx.field(default_factory=list)
    grant_amount: int = 0  # 0: the role grants nothing
    grant_mode: str = ""
    next_grant_at: str = ""
    billing_error: str = ""
    buying: str = ""  # "<package id>:<provider>" while that payment starts

    def _refused(self, exc: ServiceError) -> None:
        self.billing_error, self.buying = self._error_text(exc), ""

    def _loaded(self, view: shop.Overview | ServiceError) -> None:
        """The section as the account page's load (`AccountState.load`, which gave a due
        grant first) read it: the payment named by the address's RETURN_MARKER included."""
        self.billing_error, self.buying = "", ""
        if isinstance(view, ServiceError):
            self._refused(view)
            return
        self.balance = view.balance
        self.offers = [OfferRow.of(p) for p in view.packages]
        self.providers = view.providers
        self.purchases = [PurchaseRow.of(p) for p in view.payments]
        self.returned = [PurchaseRow.of(view.returned)] if view.returned else []
        self.grant_amount = view.grant.amount if view.grant else 0
        self.grant_mode = view.grant.mode if view.grant else ""
        at = view.next_grant_at
        self.next_grant_at = f"{at:%Y-%m-%d %H:%M} UTC" if at else ""

    @rx.event
    async def buy(self, package_id: str, provider: str):
        self.billing_error, self.buying = "", f"{package_id}:{provider}"
        yield
        caller = await self._caller()
        if caller is None:
            yield self._to_login()
            return
        base = (settings.public_url or self.router.url.origin).rstrip("/") + routes.ACCOUNT
        try:
            # Not in one transaction: the provider is called between the payment's writes.
            started = await asyncio.to_thread(
                payments.start_payment, caller[0], package_id, provider, base
            )
        except ServiceError as exc:
            self._refused(exc)
            return
        yield rx.redirect(started.confirmation_url or routes.ACCOUNT)
