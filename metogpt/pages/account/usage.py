"""The account page's usage section: the user's own credits by day (a chart) and by model
(a table) over a chosen range."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from metogpt.components.tables import table
from metogpt.components.usage_chart import UsageChart
from metogpt.state.account_usage import MyUsageState
from metogpt.state.admin.usage import RANGES, BucketRow
from metogpt.state.lang import t


def _figure(label: str, value: rx.Var | int, figure_id: str) -> rx.Component:
    return rx.vstack(
        rx.text(t(label), size="1", color_scheme="gray"),
        rx.heading(value, size="5", id=figure_id),
        spacing="1",
        min_width="6em",
    )


def _model_row(m: ObjectVar[BucketRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(m.key, word_break="break-all"),
        rx.table.cell(m.credits),
        rx.table.cell(m.tokens),
        rx.table.cell(m.answers),
        class_name="my-usage-model",
    )


def usage_section() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading(t("account.usage.title"), size="4"),
            rx.spacer(),
            rx.hstack(
                rx.text(t("account.usage.range"), size="2"),
                rx.select(
                    list(RANGES),
                    value=MyUsageState.usage_days,
                    on_change=MyUsageState.set_usage_days,
                    id="my-usage-range",
                    size="1",
                ),
                rx.text(t("account.usage.days"), size="2"),
                align="center",
            ),
            width="100%",
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.flex(
            _figure("account.usage.credits", MyUsageState.usage_credits, "my-usage-credits"),
            _figure("account.usage.tokens", MyUsageState.usage_tokens, "my-usage-tokens"),
            _figure("account.usage.answers", MyUsageState.usage_answers, "my-usage-answers"),
            spacing="5",
            wrap="wrap",
        ),
        rx.grid(
            rx.vstack(
                rx.text(t("account.usage.by_day"), weight="bold", size="2"),
                UsageChart.create(
                    data=MyUsageState.usage_by_day,
                    value_key="credits",
                    label_key="key",
                    series=t("account.usage.credits"),
                    height=220,
                    id="my-usage-chart",
                ),
                width="100%",
                min_width="0",
            ),
            rx.vstack(
                rx.text(t("account.usage.by_model"), weight="bold", size="2"),
                rx.cond(
                    MyUsageState.usage_by_model.length() > 0,
                    table(
                        [
                            "account.usage.model",
                            "account.usage.credits",
                            "account.usage.tokens",
                            "account.usage.answers",
                        ],
                        MyUsageState.usage_by_model,
                        _model_row,
                    ),
                    rx.text(t("account.usage.empty"), size="2", color_scheme="gray"),
                ),
                width="100%",
                min_width="0",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        spacing="3",
        width="100%",
        id="usage-section",
    )
