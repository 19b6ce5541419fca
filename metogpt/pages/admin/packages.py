"""The packages screen: the top-up packages, the package form, on and off sale."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from metogpt.components.forms import error_callout
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
    return rx.card(
        rx.vstack(
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
            rx.text(
                rx.switch(
                    checked=PackagesState.package_active,
                    on_change=lambda v: PackagesState.set_package_field("active", v),
                    id="package-active",
                    margin_right="0.5em",
                ),
                t("packages.active"),
                as_="label",
                size="2",
            ),
            rx.text(t("packages.price_hint"), size="1", color_scheme="gray"),
            error_callout(AdminState.problem),
            rx.hstack(
                rx.button(
                    t("chat.cancel"),
                    variant="soft",
                    color_scheme="gray",
                    on_click=PackagesState.close_package,
                ),
                rx.button(
                    t("packages.save"),
                    on_click=PackagesState.save_package,
                    id="package-save",
                ),
            ),
            width="100%",
        ),
        width="100%",
        max_width="640px",
    )


def _package_row(p: ObjectVar[PackageRow]) -> rx.Component:
    return rx.flex(
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
        justify="between",
        align="center",
        wrap="wrap",
        spacing="2",
        width="100%",
        padding_y="0.5em",
        border_bottom="1px solid var(--gray-a5)",
        class_name="package-row",
        data_package=p.name,
        data_active=p.active.to(str),
    )


def packages_tab() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.cond(
                AdminState.can_balance_update,
                rx.button(
                    rx.icon("plus", size=14),
                    t("packages.new"),
                    on_click=PackagesState.new_package,
                    id="new-package",
                ),
            ),
            rx.text(t("packages.hint"), size="1", color_scheme="gray"),
            align="center",
            wrap="wrap",
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
