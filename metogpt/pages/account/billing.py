"""The account page's payments section: buy credits, the payment just made, the payments
list and the next periodic grant."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from metogpt.components.forms import error_callout
from metogpt.components.payment_status import status_badge
from metogpt.state.billing import BillingState, OfferRow, PurchaseRow
from metogpt.state.lang import t


def _buy_button(offer: ObjectVar[OfferRow], provider: rx.Var[str]) -> rx.Component:
    return rx.button(
        rx.match(
            provider,
            ("yookassa", t("billing.buy.yookassa")),
            ("stripe", t("billing.buy.stripe")),
            provider,
        ),
        size="2",
        loading=BillingState.buying == offer.id.to(str) + ":" + provider.to(str),
        disabled=BillingState.buying != "",
        on_click=BillingState.buy(offer.id, provider),
        class_name="buy",
        data_provider=provider,
    )


def _offer(offer: ObjectVar[OfferRow]) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text(offer.name, weight="medium"),
            rx.text(
                offer.price,
                " · ",
                t("billing.credits"),
                " ",
                offer.credits,
                size="2",
                color_scheme="gray",
            ),
            spacing="0",
            min_width="0",
        ),
        rx.flex(
            rx.foreach(BillingState.providers, lambda p: _buy_button(offer, p)),
            spacing="2",
            wrap="wrap",
        ),
        justify="between",
        align="center",
        wrap="wrap",
        spacing="2",
        width="100%",
        class_name="offer",
        data_package=offer.name,
    )


def _returned(p: ObjectVar[PurchaseRow]) -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("receipt", size=16)),
        rx.callout.text(
            rx.match(
                p.status,
                ("succeeded", t("billing.returned.succeeded")),
                ("pending", t("billing.returned.pending")),
                ("canceled", t("billing.returned.canceled")),
                t("billing.returned.other"),
            ),
            " ",
            p.package,
            rx.cond(p.credited, rx.text.span(" (+", p.credits, ")")),
            ". ",
            t("billing.returned.balance"),
            " ",
            BillingState.balance,
            ".",
        ),
        color_scheme=rx.cond(p.credited, "green", "gray"),
        role="status",
        width="100%",
        id="payment-returned",
        data_status=p.status,
    )


def _purchase(p: ObjectVar[PurchaseRow]) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text(p.package, weight="medium", size="2"),
            rx.text(p.when, size="1", color_scheme="gray"),
            spacing="0",
        ),
        rx.vstack(
            rx.text(p.amount, size="2"),
            rx.hstack(
                status_badge(p.status),
                rx.cond(p.credited, rx.badge("+", p.credits, color_scheme="green")),
                spacing="1",
            ),
            spacing="1",
            align="end",
        ),
        justify="between",
        width="100%",
        spacing="2",
        class_name="purchase",
        data_status=p.status,
        data_credited=p.credited.to(str),
    )


def _grant() -> rx.Component:
    return rx.cond(
        BillingState.grant_amount > 0,
        rx.text(
            t("billing.grant.next"),
            " ",
            rx.text.span(BillingState.next_grant_at, weight="medium"),
            " — ",
            rx.cond(
                BillingState.grant_mode == "reset",
                t("billing.grant.reset"),
                t("billing.grant.add"),
            ),
            " ",
            BillingState.grant_amount,
            size="2",
            id="next-grant",
        ),
    )


def billing_section() -> rx.Component:
    return rx.vstack(
        rx.heading(t("billing.title"), size="4"),
        rx.foreach(BillingState.returned, _returned),
        error_callout(BillingState.billing_error),
        _grant(),
        rx.cond(
            (BillingState.offers.length() > 0) & (BillingState.providers.length() > 0),
            rx.vstack(rx.foreach(BillingState.offers, _offer), spacing="3", width="100%"),
            rx.text(t("billing.none"), size="2", color_scheme="gray", id="no-offers"),
        ),
        rx.cond(
            BillingState.purchases.length() > 0,
            rx.vstack(
                rx.text(t("billing.history"), weight="bold", size="2"),
                rx.foreach(BillingState.purchases, _purchase),
                spacing="2",
                width="100%",
                id="purchases",
            ),
        ),
        spacing="3",
        width="100%",
        id="billing",
    )
