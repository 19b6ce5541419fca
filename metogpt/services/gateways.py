"""The payment providers, each through its official SDK: YooKassa (`yookassa`) and Stripe
Checkout (`stripe`). Each is off until its keys are set (metogpt/settings.py). This module
only talks to the providers and reads their answers into one shape (`ProviderState`); what
a state means for a balance is decided in services/topups.py."""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import stripe
from yookassa import Configuration
from yookassa import Payment as YooPayment
from yookassa.domain.common.security_helper import SecurityHelper

from metogpt.services.errors import ErrorCode, InvalidInput, NotFound, ProviderError
from metogpt.settings import settings

YOOKASSA, STRIPE = "yookassa", "stripe"
PROVIDERS = (YOOKASSA, STRIPE)
# ISO 4217 minor units where they are not 2 (Stripe's zero-decimal list and the 3-decimal ones).
_ZERO = ("BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
         "VUV", "XAF", "XOF", "XPF")  # fmt: skip
_THREE = ("BHD", "JOD", "KWD", "OMR", "TND")
_EXPONENT: dict[str, int] = {**dict.fromkeys(_ZERO, 0), **dict.fromkeys(_THREE, 3)}
_YOOKASSA_STATES = {"succeeded": "succeeded", "canceled": "canceled"}  # others: pending
_yookassa_lock = threading.Lock()
log = logging.getLogger("metogpt.payments")


@dataclass(frozen=True)
class Started:
    provider_payment_id: str
    confirmation_url: str
    raw_status: str


@dataclass(frozen=True)
class ProviderState:
    """A payment as the provider reports it, amounts in the currency's minor units."""

    provider_payment_id: str
    status: str  # pending | succeeded | canceled
    raw_status: str
    amount: int
    currency: str  # upper case
    refunded: int


def exponent(currency: str) -> int:
    return _EXPONENT.get(currency.upper(), 2)


def to_minor(value: Any, currency: str) -> int:
    """ "199.00" RUB -> 19900; refuses what is not a whole number of minor units."""
    try:
        scaled = Decimal(str(value)).scaleb(exponent(currency))
    except InvalidOperation:
        raise ProviderError(
            f"the provider sent an amount that is not a number: {value!r}"
        ) from None
    if scaled != scaled.to_integral_value():
        raise ProviderError(f"the provider sent a fraction of a minor unit: {value!r}")
    return int(scaled)


def to_major(minor: int, currency: str) -> str:
    """19900 RUB -> "199.00" (YooKassa's amount value)."""
    places = exponent(currency)
    return f"{Decimal(minor).scaleb(-places):.{places}f}"


def configured(provider: str) -> bool:
    if provider == YOOKASSA:
        return bool(settings.yookassa_shop_id and settings.yookassa_secret_key)
    if provider == STRIPE:
        return bool(settings.stripe_secret_key)
    return False


def available() -> list[str]:
    return [p for p in PROVIDERS if configured(p)]


def require(provider: Any) -> str:
    if provider not in PROVIDERS:
        raise InvalidInput(
            f"provider must be one of {', '.join(PROVIDERS)}", code=ErrorCode.BAD_PROVIDER
        )
    if not configured(provider):
        raise NotFound(f"payments through {provider} are not set up", code=ErrorCode.PROVIDER_OFF)
    return str(provider)


def start(
    provider: str, payment_id: str, amount: int, currency: str, description: str, return_url: str
) -> Started:
    """Open the provider's payment for one of our payments; our id is the idempotency key,
    so a retried call gets the same provider payment back."""
    try:
        if provider == YOOKASSA:
            _configure_yookassa()
            created = YooPayment.create(
                {
                    "amount": {"value": to_major(amount, currency), "currency": currency},
                    "capture": True,
                    "confirmation": {"type": "redirect", "return_url": return_url},
                    "description": description[:128],
                    "metadata": {"payment_id": payment_id},
                },
                payment_id,
            )
            # yookassa's models are untyped: pyright infers Optional from their `= None` fields.
            return Started(
                created.id,  # pyright: ignore[reportArgumentType]
                created.confirmation.confirmation_url,  # pyright: ignore[reportOptionalMemberAccess]
                created.status,  # pyright: ignore[reportArgumentType]
            )
        session = _stripe().v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": currency.lower(),
                            "unit_amount": amount,
                            "product_data": {"name": description[:250]},
                        },
                    }
                ],
                "success_url": return_url,
                "cancel_url": return_url,
                "client_reference_id": payment_id,
                "metadata": {"payment_id": payment_id},
                "payment_intent_data": {"metadata": {"payment_id": payment_id}},
            },
            options={"idempotency_key": payment_id},
        )
        return Started(session.id, session.url or "", session.status or "open")
    except ProviderError:
        raise
    except Exception as exc:  # the SDKs raise their own trees (and requests' errors)
        raise ProviderError(f"{provider} refused or could not be reached: {exc}") from exc


def fetch(provider: str, provider_payment_id: str) -> ProviderState:
    """The payment as the provider's API reports it now."""
    try:
        if provider == YOOKASSA:
            _configure_yookassa()
            p = YooPayment.find_one(provider_payment_id)
            # yookassa's models are untyped (see start): amount is always there.
            currency = str(p.amount.currency).upper()  # pyright: ignore[reportOptionalMemberAccess]
            refunded = p.refunded_amount
            return ProviderState(
                provider_payment_id,
                _YOOKASSA_STATES.get(str(p.status), "pending"),
                str(p.status),
                to_minor(p.amount.value, currency),  # pyright: ignore[reportOptionalMemberAccess]
                currency,
                to_minor(refunded.value, currency) if refunded else 0,
            )
        s = _stripe().v1.checkout.sessions.retrieve(
            provider_payment_id, params={"expand": ["payment_intent.latest_charge"]}
        )
        charge = getattr(s.payment_intent, "latest_charge", None) if s.payment_intent else None
        paid = s.status == "complete" and s.payment_status == "paid"
        return ProviderState(
            provider_payment_id,
            "succeeded" if paid else "canceled" if s.status == "expired" else "pending",
            f"{s.status}/{s.payment_status}",
            int(s.amount_total or 0),
            str(s.currency or "").upper(),
            int(getattr(charge, "amount_refunded", 0) or 0),
        )
    except ProviderError:
        raise
    except Exception as exc:
        raise ProviderError(
            f"{provider} could not report payment {provider_payment_id}: {exc}"
        ) from exc


def stripe_payment_for_intent(intent_id: str) -> str | None:
    """Our payment id, from the metadata we gave the payment intent."""
    try:
        intent = _stripe().v1.payment_intents.retrieve(intent_id)
    except Exception as exc:
        raise ProviderError(f"stripe could not report payment intent {intent_id}: {exc}") from exc
    metadata = intent.metadata.to_dict() if intent.metadata else {}
    return metadata.get("payment_id")


def stripe_event(payload: bytes, signature: str | None) -> dict[str, Any] | None:
    """The event if the Stripe-Signature header proves it (HMAC with the webhook secret,
    at most 5 minutes old); None otherwise."""
    secret = settings.stripe_webhook_secret
    if not secret:
        return None
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance=300)
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError):
        return None
    return event if isinstance(event, dict) else None


def yookassa_source_trusted(address: str) -> bool:
    """With METOGPT_YOOKASSA_TRUSTED_IPS set, notifications must come from those addresses
    or networks ("yookassa" stands for the list the SDK publishes); unset: any address,
    since every notification is confirmed with the API before anything is credited."""
    allowed = settings.yookassa_trusted_ips
    if not allowed:
        return True
    networks = [n for item in allowed for n in _networks(item)]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def _networks(item: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    items = SecurityHelper.YOOKASSA_NETWORKS if item.lower() == YOOKASSA else [item]
    try:
        return [ipaddress.ip_network(i, strict=False) for i in items]
    except ValueError:
        log.error("METOGPT_YOOKASSA_TRUSTED_IPS: %r is not an address or network", item)
        return []


def _configure_yookassa() -> None:
    # The SDK keeps its configuration on a class: set it when the settings differ.
    wanted = (settings.yookassa_shop_id, settings.yookassa_secret_key, settings.yookassa_api_url)
    with _yookassa_lock:
        if (Configuration.account_id, Configuration.secret_key, Configuration.api_url) != wanted:
            Configuration.configure(*wanted[:2], api_url=wanted[2], max_attempts=1)


def _stripe() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.stripe_secret_key or "",
        base_addresses={"api": settings.stripe_api_base},
        max_network_retries=1,
    )
