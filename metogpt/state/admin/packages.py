"""The packages screen: the top-up packages on sale (or not), and the package form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from metogpt.models import Package
from metogpt.services import gateways, payments, shop
from metogpt.services.permissions import Actor
from metogpt.state.admin.base import AdminState, screen
from metogpt.state.session import FAILED


@dataclass
class PackageRow:
    id: str
    name: str
    price: str  # "199.00 RUB"
    amount: str  # "199.00", as the form shows it
    currency: str
    credits: int
    active: bool

    @classmethod
    def of(cls, p: Package) -> PackageRow:
        return cls(
            id=p.id,
            name=p.name,
            price=shop.price_text(p.price, p.currency),
            amount=gateways.to_major(p.price, p.currency),
            currency=p.currency,
            credits=p.credits,
            active=p.active,
        )


@screen("packages")
class PackagesState(AdminState):
    packages: rx.Field[list[PackageRow]] = rx.field(default_factory=list)
    # The form: "" closed, "+" a new package, else the id of the one edited.
    editing_package: str = ""
    package_name: str = ""
    package_price: str = ""
    package_currency: str = "RUB"
    package_credits: str = ""
    package_active: bool = True

    @staticmethod
    def _allowed(actor: Actor) -> bool:
        return actor.can("BALANCE_MANAGEMENT", "READ")

    def _reader(self) -> Callable[[Session, Actor], Any]:
        return payments.list_packages

    def _shown(self, data: list[Package]) -> Any:
        self.packages = [PackageRow.of(p) for p in data]
        return None

    async def _leave(self) -> None:
        self.editing_package = ""

    def _fill(self, row: PackageRow | None) -> None:
        self.problem = ""
        self.editing_package = row.id if row else "+"
        self.package_name = row.name if row else ""
        self.package_price = row.amount if row else ""
        self.package_currency = row.currency if row else "RUB"
        self.package_credits = str(row.credits) if row else ""
        self.package_active = row.active if row else True

    @rx.event
    def new_package(self):
        self._fill(None)

    @rx.event
    def edit_package(self, package_id: str):
        self._fill(next((r for r in self.packages if r.id == package_id), None))

    @rx.event
    def close_package(self):
        self.editing_package = ""

    @rx.event
    def set_package_field(self, key: str, value: str | bool):
        if key == "active":
            self.package_active = bool(value)
        elif key in ("name", "price", "currency", "credits"):
            setattr(self, f"package_{key}", str(value)[:100])

    @rx.event
    async def save_package(self):
        package_id = "" if self.editing_package == "+" else self.editing_package
        saved = await self._call(
            shop.save_package,
            package_id,
            self.package_name,
            self.package_price,
            self.package_currency,
            self.package_credits,
            self.package_active,
            write=True,
        )
        if saved is FAILED:
            return None
        self.editing_package = ""
        await self._refresh()
        return self._done("packages.toast.saved", name=self.package_name)

    @rx.event
    async def set_active(self, package_id: str, active: bool):
        changed = await self._call(shop.set_active, package_id, bool(active), write=True)
        await self._refresh()
        if changed is FAILED:
            return self._failed()
        return self._done("packages.toast.on_sale" if active else "packages.toast.off_sale")

    @rx.event
    async def delete_package(self, package_id: str):
        if await self._call(payments.delete_package, package_id, write=True) is FAILED:
            return self._failed()
        if self.editing_package == package_id:
            self.editing_package = ""
        await self._refresh()
        return self._done("packages.toast.deleted")
