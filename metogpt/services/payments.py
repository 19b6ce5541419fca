"""Top-ups: the packages admins sell, payments users start, the providers' webhooks and
reconciliation. Crediting itself is services/topups.py.

Permissions: packages are edited with BALANCE_MANAGEMENT.UPDATE (a package turns money into
credits, like an admin's balance edit) and read in the admin with BALANCE_MANAGEMENT.READ,
as are everyone's payments; reconciling a payment needs BALANCE_MANAGEMENT.UPDATE. Any
signed-in user sees the active packages and buys them.

A payment is started in three steps so that no transaction waits on the network: the row
is written (status pending, the package's price and credits copied into it), the
provider's payment is opened with our id as the idempotency key, and its id and page are
stored. Webhooks only say "look at payment X": the state that counts is always fetched
from the provider's API (Stripe's events are also checked by signature, YooKassa's by
source address when configured), so forged, repeated and reordered webhooks all end in
the one true state.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from metogpt.models import Package, Payment, User, utcnow
from metogpt.services import gateways, topups
from metogpt.services.billing import MAX_BALANCE
from metogpt.services.db import is_key, read_session, write_session
from metogpt.services.errors import (
    ErrorCode,
    Forbidden,
    InvalidInput,
    NotFound,
    ProviderError,
    ServiceError,
)
from metogpt.services.permissions import Actor

log = logging.getLogger("metogpt.payments")
STATUSES = ("pending", "succeeded", "canceled", "refunded", "failed")
MAX_PAGE = 200
_CURRENCY = re.compile(r"[A-Z]{3}")


# ---- packages --------------------------------------------------------------------------


def _package_fields(name: Any, price: Any, currency: Any, credits: Any, active: Any) -> dict:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
        raise InvalidInput("name must be 1–100 characters", code=ErrorCode.INVALID_NAME)
    if "\x00" in name:
        raise InvalidInput("name cannot contain NUL characters", code=ErrorCode.INVALID_NAME)
    for value, what in ((price, "price"), (credits, "credits")):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_BALANCE:
            raise InvalidInput(f"{what} must be a whole number from 1 to {MAX_BALANCE}")
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency.upper()):
        raise InvalidInput(
            "currency must be a three-letter ISO 4217 code", code=ErrorCode.BAD_CURRENCY
        )
    if not isinstance(active, bool):
        raise InvalidInput("active must be true or false")
    return {
        "name": name.strip(),
        "price": price,
        "currency": currency.upper(),
        "credits": credits,
        "active": active,
    }


def list_packages(session: Session, actor: Actor | None = None) -> list[Package]:
    """With an actor: every package, for the admin. Without: the active ones, for buyers."""
    query = select(Package).order_by(col(Package.price), col(Package.created_at))
    if actor is None:
        query = query.where(col(Package.active).is_(True))
    else:
        actor.require("BALANCE_MANAGEMENT", "READ")
    return list(session.exec(query).all())


def create_package(
    session: Session,
    actor: Actor,
    name: Any,
    price: Any,
    currency: Any,
    credits: Any,
    active: Any = True,
) -> Package:
    actor.require("BALANCE_MANAGEMENT", "UPDATE")
    package = Package(**_package_fields(name, price, currency, credits, active))
    session.add(package)
    session.flush()
    return package


def update_package(session: Session, actor: Actor, package_id: str, **changes: Any) -> Package:
    """Change any of name, price, currency, credits, active; payments already started keep
    the price and credits they were started with."""
    actor.require("BALANCE_MANAGEMENT", "UPDATE")
    package = _package(session, package_id)
    current = {k: getattr(package, k) for k in ("name", "price", "currency", "credits", "active")}
    given = {k: v for k, v in changes.items() if v is not None}
    for key, value in _package_fields(**(current | given)).items():
        setattr(package, key, value)
    package.updated_at = utcnow()
    session.add(package)
    session.flush()
    return package


def delete_package(session: Session, actor: Actor, package_id: str) -> None:
    """Payments of a deleted package keep its name, price and credits (package_id cleared)."""
    actor.require("BALANCE_MANAGEMENT", "UPDATE")
    package = _package(session, package_id)
    session.exec(
        update(Payment).where(col(Payment.package_id) == package.id).values(package_id=None)
    )
    session.delete(package)
    session.flush()


def _package(session: Session, package_id: Any) -> Package:
    package = session.get(Package, package_id) if is_key(package_id) else None
    if package is None:
        raise NotFound("package not found", code=ErrorCode.PACKAGE_NOT_FOUND)
    return package


# ---- payments --------------------------------------------------------------------------


def default_provider(currency: str) -> str | None:
    """YooKassa for rubles, Stripe for the rest, whichever of them is set up."""
    order = (gateways.YOOKASSA, gateways.STRIPE)
    if currency != "RUB":
        order = order[::-1]
    return next((p for p in order if gateways.configured(p)), None)


def start_payment(user: User, package_id: Any, provider: Any, return_base: str) -> Payment:
    """Open a payment of an active package; returns it with the provider's page to send the
    buyer to (`confirmation_url`). The buyer comes back to `return_base`/?payment=<id>."""
    with write_session() as session:
        package = _package(session, package_id)
        if not package.active:
            raise NotFound("package not found", code=ErrorCode.PACKAGE_NOT_FOUND)
        if provider is None:
            provider = default_provider(package.currency)
            if provider is None:
                raise NotFound("no payment provider is set up", code=ErrorCode.PROVIDER_OFF)
        provider = gateways.require(provider)
        payment = Payment(
            user_id=user.id,
            package_id=package.id,
            package_name=package.name,
            provider=provider,
            amount=package.price,
            currency=package.currency,
            credits=package.credits,
        )
        session.add(payment)
    return_url = f"{return_base.rstrip('/')}/?payment={payment.id}"
    try:
        started = gateways.start(
            provider,
            payment.id,
            payment.amount,
            payment.currency,
            f"MetoGPT: {payment.package_name}",
            return_url,
        )
    except ProviderError as exc:
        with write_session() as session:
            _mark(session, payment.id, status="failed", problem=exc.message[:300])
        log.error("payment %s could not start: %s", payment.id, exc.message)
        raise
    with write_session() as session:
        _mark(
            session,
            payment.id,
            provider_payment_id=started.provider_payment_id,
            confirmation_url=started.confirmation_url[:2000],
            provider_status=started.raw_status[:32],
        )
        return _get(session, payment.id)


def _mark(session: Session, payment_id: str, **values: Any) -> None:
    session.exec(
        update(Payment).where(col(Payment.id) == payment_id).values(updated_at=utcnow(), **values)
    )


def _get(session: Session, payment_id: Any) -> Payment:
    payment = session.get(Payment, payment_id) if is_key(payment_id) else None
    if payment is None:
        raise NotFound("payment not found", code=ErrorCode.PAYMENT_NOT_FOUND)
    return payment


@dataclass(frozen=True)
class PaymentRow:
    payment: Payment
    user_email: str


def my_payments(session: Session, user_id: str, limit: int = 50, offset: int = 0) -> list[Payment]:
    return list(
        session.exec(
            select(Payment)
            .where(Payment.user_id == user_id)
            .order_by(col(Payment.created_at).desc(), col(Payment.id))
            .limit(limit)
            .offset(offset)
        ).all()
    )


def all_payments(
    session: Session, actor: Actor, status: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[PaymentRow], int]:
    actor.require("BALANCE_MANAGEMENT", "READ")
    if status is not None and status not in STATUSES:
        raise InvalidInput(
            f"status must be one of {', '.join(STATUSES)}", code=ErrorCode.BAD_STATUS
        )
    where = [] if status is None else [Payment.status == status]
    total = session.exec(select(func.count()).select_from(Payment).where(*where)).one()
    rows = session.exec(
        select(Payment, User.email)
        .join(User, col(User.id) == Payment.user_id)
        .where(*where)
        .order_by(col(Payment.created_at).desc(), col(Payment.id))
        .limit(limit)
        .offset(offset)
    ).all()
    return [PaymentRow(p, email) for p, email in rows], total


def reconcile(actor: Actor, payment_id: Any) -> Payment:
    """Ask the provider again and apply what it says (an admin's button, or a lost webhook)."""
    actor.require("BALANCE_MANAGEMENT", "UPDATE")
    with read_session() as session:
        payment = _get(session, payment_id)
    if payment.provider_payment_id is None:
        return payment  # never reached the provider: nothing to ask
    return _sync(payment.id, payment.provider, payment.provider_payment_id)


def _sync(payment_id: str, provider: str, provider_payment_id: str) -> Payment:
    state = gateways.fetch(provider, provider_payment_id)  # outside any transaction
    with write_session() as session:
        return topups.apply_state(session, payment_id, state)


def _by_provider_id(provider: str, provider_payment_id: Any) -> Payment | None:
    if not is_key(provider_payment_id, 100):
        return None
    with read_session() as session:
        return session.exec(
            select(Payment).where(
                Payment.provider == provider, Payment.provider_payment_id == provider_payment_id
            )
        ).first()


# ---- webhooks --------------------------------------------------------------------------


def yookassa_webhook(body: bytes, source: str) -> str:
    """A YooKassa notification. Returns what came of it; credits only what the API confirms."""
    gateways.require(gateways.YOOKASSA)
    if not gateways.yookassa_source_trusted(source):
        log.warning("yookassa notification from untrusted address %s refused", source)
        raise Forbidden(
            "notifications are not accepted from this address", code=ErrorCode.UNTRUSTED
        )
    note = _json(body)
    event, obj = note.get("event"), note.get("object")
    if not isinstance(event, str) or not isinstance(obj, dict):
        raise InvalidInput("not a YooKassa notification", code=ErrorCode.BAD_NOTIFICATION)
    ref = obj.get("payment_id") if event.startswith("refund.") else obj.get("id")
    payment = _by_provider_id(gateways.YOOKASSA, ref)
    if payment is None:
        log.warning("yookassa notification %s for unknown payment %r ignored", event, ref)
        return "ignored"
    synced = _sync(payment.id, gateways.YOOKASSA, str(ref))
    claimed = {"payment.succeeded": "succeeded", "payment.canceled": "canceled"}.get(event)
    if claimed and synced.status != claimed and synced.status != "refunded":
        log.warning(
            "yookassa notification %s for payment %s not confirmed by the API (status %s)",
            event,
            payment.id,
            synced.provider_status,
        )
        return "unconfirmed"
    return synced.status


def stripe_webhook(body: bytes, signature: str | None) -> str:
    """A Stripe event, verified by its signature, then the session fetched and applied."""
    gateways.require(gateways.STRIPE)
    event = gateways.stripe_event(body, signature)
    if event is None:
        log.warning("stripe webhook with a bad or missing signature refused")
        raise ServiceError(
            "the Stripe-Signature does not verify", code=ErrorCode.BAD_SIGNATURE
        )  # 400
    kind = str(event.get("type", ""))
    obj = (event.get("data") or {}).get("object") or {}
    if kind.startswith("checkout.session."):
        payment = _by_provider_id(gateways.STRIPE, obj.get("id"))
    elif kind.startswith("charge.refund") and isinstance(obj.get("payment_intent"), str):
        ours = gateways.stripe_payment_for_intent(obj["payment_intent"])
        with read_session() as session:
            payment = session.get(Payment, ours) if is_key(ours) else None
    else:
        return "ignored"
    if payment is None or payment.provider_payment_id is None:
        log.warning("stripe event %s for an unknown payment ignored", kind)
        return "ignored"
    return _sync(payment.id, gateways.STRIPE, payment.provider_payment_id).status


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        raise InvalidInput("the body is not JSON", code=ErrorCode.BAD_NOTIFICATION) from None
    if not isinstance(data, dict):
        raise InvalidInput("the body is not a JSON object", code=ErrorCode.BAD_NOTIFICATION)
    return data
