"""The usage screen's bar chart (usage_chart.jsx beside this file)."""

from __future__ import annotations

from typing import Any

import reflex as rx


class UsageChart(rx.NoSSRComponent):
    """A bar chart from usage_chart.jsx. A NoSSRComponent compiles to a dynamic import, so
    recharts loads when the usage tab first shows, not with /admin."""

    library = "$/public" + rx.asset("usage_chart.jsx", shared=True)
    lib_dependencies: list[str] = ["recharts@3.10.1"]  # the version reflex itself pins
    tag = "UsageChart"

    data: rx.Var[list[Any]]
    value_key: rx.Var[str]
    label_key: rx.Var[str]
    series: rx.Var[str]
    height: rx.Var[int]
    vertical: rx.Var[bool]
