"""What the pages need from top-ups and grants, on top of services/payments.py: the buyer's
view of the account page in one read, and the admin's package form read from its text
fields (a price typed as "199.00") into the values `payments.create_package` and
`payments.update_package` check. No rule of its own: every check is the payments service's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session

from metogpt.models import Package, Payment, User
from metogpt.services import gateways, grants, payments
from metogpt.services.db import is_key
from metogpt.services.errors import ErrorCode, InvalidInput
from metogpt.services.permissions import Actor

RECENT = 20  # payments shown on the account page


@dataclass(frozen=True)
class Overview:
    """The buyer's side: what they may buy and through whom, what they bought, the grant."""

    balance: int
    packages: list[Package]
    providers: list[str]  # the configured ones, in the order the Buy buttons show
    payments: list[Payment]
    returned: Payment | None  # the payment the buyer just came back from, if theirs
    grant: grants.Policy | None
    next_grant_at: datetime | None


def overview(session: Session, user: User, returned_id: str = "") -> Overview:
    """The account page's payments section for `user`; `returned_id` is the payment named by
    the provider's return address (ignored unless it is the user's own)."""
    returned = session.get(Payment, returned_id) if is_key(returned_id) else None
    fresh = session.get(User, user.id)
    return Overview(
        balance=fresh.balance if fresh is not None else user.balance,
        packages=payments.list_packages(session),
        providers=gateways.available(),
        payments=payments.my_payments(session, user.id, RECENT),
        returned=returned if returned is not None and returned.user_id == user.id else None,
        grant=grants.user_policy(session, user),
        next_grant_at=grants.next_grant_at(session, user),
    )


def price_text(minor: int, currency: str) -> str:
    """19900 RUB -> "199.00 RUB"."""
    return f"{gateways.to_major(minor, currency)} {currency}"


def parse_price(text: Any, currency: Any) -> int:
    """ "199", "199.5" or "199,50" in `currency` -> its minor units (19950); refuses what is
    not a positive amount with at most the currency's decimal places."""
    places = gateways.exponent(str(currency)) if isinstance(currency, str) else 2
    try:
        value = Decimal(str(text).strip().replace(",", ".").replace(" ", ""))
        minor = value.scaleb(places)
    except InvalidOperation:
        minor = Decimal(-1)
    if not minor.is_finite() or minor != minor.to_integral_value() or minor < 1:
        raise InvalidInput(
            f"price must be a positive amount with at most {places} decimal places",
            code=ErrorCode.BAD_PRICE,
        )
    return int(minor)


def parse_credits(text: Any) -> int:
    raw = str(text).strip().replace(" ", "")
    if not raw.isdigit():
        raise InvalidInput("credits must be a whole number", code=ErrorCode.NOT_A_NUMBER)
    return int(raw)


def save_package(
    session: Session,
    actor: Actor,
    package_id: str,
    name: Any,
    price: Any,
    currency: Any,
    credits: Any,
    active: bool,
) -> Package:
    """The admin's package form: create (`package_id` "") or update from its text fields."""
    actor.require("BALANCE_MANAGEMENT", "UPDATE")
    currency = str(currency).strip().upper()
    fields = {
        "name": name,
        "price": parse_price(price, currency),
        "currency": currency,
        "credits": parse_credits(credits),
        "active": active,
    }
    if package_id:
        return payments.update_package(session, actor, package_id, **fields)
    return payments.create_package(session, actor, **fields)


def set_active(session: Session, actor: Actor, package_id: str, active: bool) -> Package:
    """Put a package on sale or take it off (payments already started go on)."""
    return payments.update_package(session, actor, package_id, active=active)
