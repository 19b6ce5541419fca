"""The payments screen: everyone's payments, filtered by status, each reconcilable."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from metogpt.components.forms import list_row
from metogpt.components.payment_status import status_badge
from metogpt.services.payments import STATUSES
from metogpt.state.admin import AdminState, PaymentAdminRow, PaymentsState
from metogpt.state.admin.payments import PAGE
from metogpt.state.lang import t


def _payment_row(p: ObjectVar[PaymentAdminRow]) -> rx.Component:
    return list_row(
        rx.vstack(
            rx.text(p.user, weight="medium", size="2", class_name="payment-user"),
            rx.text(p.package, " · ", p.amount, size="2"),
            rx.text(
                p.when, " · ", p.provider, " ", p.provider_status, size="1", color_scheme="gray"
            ),
            rx.cond(p.problem != "", rx.text(p.problem, size="1", color_scheme="red")),
            spacing="0",
            min_width="0",
            flex="1 1 220px",
        ),
        rx.flex(
            status_badge(p.status),
            rx.cond(
                p.credited,
                rx.badge(t("payments.credited"), " +", p.credits, color_scheme="green"),
                rx.badge(t("payments.not_credited"), color_scheme="gray"),
            ),
            rx.cond(
                AdminState.can_balance_update,
                rx.button(
                    rx.icon("refresh-cw", size=14),
                    t("payments.reconcile"),
                    size="1",
                    variant="soft",
                    loading=PaymentsState.reconciling == p.id,
                    on_click=PaymentsState.reconcile(p.id),
                    class_name="reconcile",
                ),
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        class_name="payment-row",
        data_status=p.status,
        data_id=p.id,
    )


def _filter() -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=t("payments.filter"), id="payments-filter"),
        rx.select.content(
            rx.select.item(t("payments.all"), value="all"),
            *[rx.select.item(t(f"billing.status.{s}"), value=s) for s in STATUSES],
        ),
        value=PaymentsState.status_filter,
        on_change=PaymentsState.filter_status,
    )


def payments_tab() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(t("payments.filter"), size="2"),
            _filter(),
            rx.text(
                t("payments.total"),
                " ",
                PaymentsState.payments_total,
                size="2",
                color_scheme="gray",
                id="payments-total",
            ),
            align="center",
            wrap="wrap",
        ),
        rx.cond(
            PaymentsState.payment_rows.length() > 0,
            rx.vstack(
                rx.foreach(PaymentsState.payment_rows, _payment_row), spacing="0", width="100%"
            ),
            rx.text(t("payments.none"), size="2", color_scheme="gray", id="payments-none"),
        ),
        rx.cond(
            PaymentsState.payments_total > PAGE,
            rx.hstack(
                rx.button(
                    "‹", size="1", variant="soft", on_click=PaymentsState.go_payments_page(-1)
                ),
                rx.text(PaymentsState.payments_page + 1, size="2"),
                rx.button(
                    "›", size="1", variant="soft", on_click=PaymentsState.go_payments_page(1)
                ),
                align="center",
            ),
        ),
        width="100%",
        spacing="3",
    )
