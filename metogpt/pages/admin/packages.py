"""The packages screen: the top-up packages, the package form, on and off sale."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from metogpt.components.forms import (
    error_callout,
    form_buttons,
    form_card,
    list_row,
    list_toolbar,
    switch_label,
)
from metogpt.state.admin import AdminState, PackageRow, PackagesState
from metogpt.state.lang import t


def _input(key: str, value: rx.Var[str] | str, width: str, **props: Any) -> rx.Component:
    return rx.vstack(
        rx.text(
            t(f"packages.{key}"), as_="label", size="1", weight="medium", html_for=f"package-{key}"
        ),
        rx.input(
            value=value,
            on_change=lambda v: PackagesState.set_package_field(key, v),
            id=f"package-{key}",
            width=width,
            **props,
        ),
        spacing="1",
    )


def package_form() -> rx.Component:
    return form_card(
        rx.heading(
            rx.cond(
                PackagesState.editing_package == "+",
                t("packages.new"),
                t("packages.edit"),
            ),
            size="3",
        ),
        rx.flex(
            _input("name", PackagesState.package_name, "220px", max_length=100),
            _input("price", PackagesState.package_price, "110px", input_mode="decimal"),
            _input("currency", PackagesState.package_currency, "80px", max_length=3),
            _input("credits", PackagesState.package_credits, "110px", input_mode="numeric"),
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        switch_label(
            t("packages.active"),
            PackagesState.package_active,
            lambda v: PackagesState.set_package_field("active", v),
            "package-active",
            size="2",
        ),
        rx.text(t("packages.price_hint"), size="1", color_scheme="gray"),
        error_callout(AdminState.problem),
        form_buttons(
            PackagesState.close_package, "packages.save", PackagesState.save_package, "package-save"
        ),
    )


def _package_row(p: ObjectVar[PackageRow]) -> rx.Component:
    return list_row(
        rx.vstack(
            rx.hstack(
                rx.text(p.name, weight="medium"),
                rx.cond(
                    p.active,
                    rx.badge(t("packages.on_sale"), color_scheme="green", size="1"),
                    rx.badge(t("packages.off_sale"), color_scheme="gray", size="1"),
                ),
                align="center",
                wrap="wrap",
            ),
            rx.text(
                p.price, " · ", t("billing.credits"), " ", p.credits, size="2", color_scheme="gray"
            ),
            spacing="1",
            min_width="0",
        ),
        rx.cond(
            AdminState.can_balance_update,
            rx.flex(
                rx.button(
                    t("packages.edit_short"),
                    size="1",
                    variant="soft",
                    on_click=PackagesState.edit_package(p.id),
                    class_name="package-edit",
                ),
                rx.button(
                    rx.cond(p.active, t("packages.deactivate"), t("packages.activate")),
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=PackagesState.set_active(p.id, ~p.active),
                    class_name="package-toggle",
                ),
                rx.button(
                    t("packages.delete"),
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=PackagesState.delete_package(p.id),
                    class_name="package-delete",
                ),
                spacing="2",
                wrap="wrap",
            ),
        ),
        class_name="package-row",
        data_package=p.name,
        data_active=p.active.to(str),
    )


def packages_tab() -> rx.Component:
    return rx.vstack(
        list_toolbar(
            AdminState.can_balance_update,
            "packages.new",
            PackagesState.new_package,
            "new-package",
            "packages.hint",
        ),
        rx.cond(PackagesState.editing_package != "", package_form()),
        rx.cond(
            PackagesState.packages.length() > 0,
            rx.vstack(rx.foreach(PackagesState.packages, _package_row), spacing="0", width="100%"),
            rx.text(t("packages.none"), size="2", color_scheme="gray"),
        ),
        width="100%",
        spacing="3",
    )
