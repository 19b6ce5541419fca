"""The usage screen: totals, charts by day, model and user, top spenders, CSV export."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar

from metogpt.components.forms import field_error
from metogpt.components.tables import cell, empty_note, table
from metogpt.components.usage_chart import UsageChart
from metogpt.state.admin import RANGES, UsageState
from metogpt.state.admin.usage import BucketRow
from metogpt.state.lang import t, tn


def _chart(
    title: str,
    data: ArrayVar[Sequence[BucketRow]],
    chart_id: str,
    has_data: rx.Var[bool] | bool | None = None,
    **props: Any,
) -> rx.Component:
    """A chart of `data`, or the empty note when there is nothing to show (`has_data`:
    when the rows are there even then, as the days of a range are)."""
    return rx.card(
        rx.text(t(title), weight="bold", size="2"),
        rx.cond(
            data.length() > 0 if has_data is None else has_data,
            UsageChart.create(
                data=data,
                value_key=UsageState.metric,
                label_key="key",
                series=rx.cond(
                    UsageState.metric == "tokens", t("admin.usage.tokens"), t("admin.usage.credits")
                ),
                id=chart_id,
                **props,
            ),
            rx.center(
                rx.text(t("admin.usage.empty"), size="2", color_scheme="gray"),
                height="8em",
                id=f"{chart_id}-empty",
            ),
        ),
        width="100%",
    )


def _figure(label: str, value: rx.Var | int, figure_id: str) -> rx.Component:
    return rx.card(
        rx.text(t(label), size="1", color_scheme="gray"),
        rx.heading(value, size="5", id=figure_id),
    )


def _top_row(u: ObjectVar[BucketRow]) -> rx.Component:
    return rx.table.row(
        cell(None, rx.text(u.key, class_name="break-anywhere")),
        cell("admin.usage.credits", u.credits),
        cell("admin.usage.tokens", u.tokens),
        cell("admin.usage.answers", u.answers),
        class_name="top-user",
    )


def usage_tab() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.hstack(
                rx.text(t("admin.usage.range"), size="2"),
                rx.select(
                    list(RANGES),
                    value=UsageState.days,
                    id="usage-range",
                    on_change=UsageState.set_days,
                    size="1",
                ),
                rx.text(tn("admin.n.days", UsageState.days), size="2"),
                align="center",
            ),
            rx.segmented_control.root(
                rx.segmented_control.item(t("admin.usage.credits"), value="credits"),
                rx.segmented_control.item(t("admin.usage.tokens"), value="tokens"),
                value=UsageState.metric,
                on_change=UsageState.set_metric,
                size="1",
                id="usage-metric",
            ),
            rx.spacer(),
            rx.button(
                rx.icon("download", size=14),
                t("admin.usage.export"),
                size="1",
                variant="soft",
                on_click=UsageState.export_csv,
                id="export-csv",
            ),
            width="100%",
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        _user_filter(),
        rx.grid(  # three abreast, a phone's width shared alike
            _figure("admin.usage.credits", UsageState.total_credits, "usage-credits"),
            _figure("admin.usage.tokens", UsageState.total_tokens, "usage-tokens"),
            _figure("admin.usage.answers", UsageState.total_answers, "usage-answers"),
            columns="3",
            spacing="3",
            width="100%",
            max_width="36em",
        ),
        rx.grid(
            # every day of the range is a row, at zero when nothing was charged
            _chart(
                "admin.usage.by_day", UsageState.by_day, "chart-day", UsageState.total_answers > 0
            ),
            _chart("admin.usage.by_model", UsageState.by_model, "chart-model"),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="3",
            width="100%",
        ),
        rx.cond(UsageState.user_filter == "", _top_spenders()),
        width="100%",
        spacing="3",
    )


def _user_filter() -> rx.Component:
    """One user's usage, by their email (empty: everyone's)."""
    return rx.form(
        rx.hstack(
            rx.input(
                name="email",
                type="email",
                placeholder=t("admin.usage.user"),
                aria_label=t("admin.usage.user"),
                default_value=UsageState.user_filter,
                size="1",
                width="100%",
                max_width="22em",
                id="usage-user",
            ),
            rx.button(t("admin.usage.show"), size="1", variant="soft", id="usage-user-show"),
            align="center",
            spacing="2",
            width="100%",
        ),
        field_error(
            UsageState.filter_problem != "", UsageState.filter_problem, id="usage-user-error"
        ),
        on_submit=UsageState.filter_user,
        width="100%",
    )


def _top_spenders() -> rx.Component:
    return rx.cond(
        UsageState.top_loading,
        rx.center(rx.spinner(size="3"), width="100%", padding="3em", id="top-loading"),
        rx.grid(
            _chart("admin.usage.by_user", UsageState.top_users, "chart-user", vertical=True),
            rx.card(
                rx.text(t("admin.usage.top"), weight="bold", size="2"),
                table(
                    [
                        "admin.col.user",
                        "admin.usage.credits",
                        "admin.usage.tokens",
                        "admin.usage.answers",
                    ],
                    UsageState.top_users,
                    _top_row,
                ),
                empty_note(UsageState.top_users.length() == 0, t("admin.usage.empty"), "top-empty"),
                width="100%",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="3",
            width="100%",
        ),
    )
