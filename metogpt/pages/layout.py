"""The signed-in shell: header (name, role, balance), navigation, demo banner."""

from __future__ import annotations

import functools
from collections.abc import Callable

import reflex as rx
from reflex_components_core.core.banner import has_too_many_connection_errors

from metogpt import routes
from metogpt.components.balance import balance_badge
from metogpt.components.forms import lang_switch
from metogpt.components.theme import theme_items, theme_menu
from metogpt.state.lang import t
from metogpt.state.session import SessionState


def _nav_link(label_key: str, href: str, icon: str) -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(t(label_key)), align="center", spacing="1"),
        href=href,
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        size="2",
    )


def _mobile_nav() -> rx.Component:
    """Phones have no room for the links: a menu instead."""
    return rx.box(
        rx.menu.root(
            rx.menu.trigger(
                rx.icon_button(
                    rx.icon("menu", size=16), variant="soft", color_scheme="gray", id="mobile-nav"
                ),
            ),
            rx.menu.content(
                rx.menu.item(t("nav.chat"), on_click=rx.redirect(routes.CHAT)),
                rx.cond(
                    SessionState.can_admin,
                    rx.menu.item(t("nav.admin"), on_click=rx.redirect(routes.ADMIN)),
                ),
                rx.menu.item(t("nav.account"), on_click=rx.redirect(routes.ACCOUNT)),
                rx.menu.separator(),
                *theme_items(),
            ),
        ),
        display=["block", "none"],
    )


def header() -> rx.Component:
    return rx.hstack(
        _mobile_nav(),
        rx.hstack(
            rx.icon("sparkles", size=20, color=rx.color("accent", 9)),
            rx.heading(t("app.name"), size="4", display=["none", "block"]),  # phones: room
            align="center",
            spacing="2",
        ),
        rx.hstack(
            _nav_link("nav.chat", routes.CHAT, "message-square"),
            rx.cond(SessionState.can_admin, _nav_link("nav.admin", routes.ADMIN, "shield")),
            spacing="4",
            display=["none", "flex"],
        ),
        rx.spacer(),
        balance_badge(),
        rx.link(  # the user's own menu: their account page
            rx.vstack(
                rx.text(SessionState.user_name, size="2", weight="medium", id="user-name"),
                rx.text(SessionState.user_role, size="1", color_scheme="gray", id="user-role"),
                spacing="0",
                align="end",
            ),
            href=routes.ACCOUNT,
            underline="none",
            color_scheme="gray",
            high_contrast=True,
            title=t("nav.account"),
            id="account-link",
            display=["none", "flex"],
        ),
        lang_switch(),
        theme_menu(),
        rx.icon_button(
            rx.icon("log-out", size=16),
            variant="soft",
            color_scheme="gray",
            on_click=SessionState.logout,
            title=t("auth.logout"),
            aria_label=t("auth.logout"),
            id="logout",
        ),
        align="center",
        spacing=rx.breakpoints(initial="2", sm="4"),
        padding_x=rx.breakpoints(initial="0.75em", sm="1.25em"),
        padding_y="0.75em",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        width="100%",
        background=rx.color("gray", 1),
    )


def offline_notice() -> rx.Component:
    """Replaces Reflex's connection toast and pulser (English only): shown, in the user's
    language, while the socket to the server keeps failing to connect."""
    return rx.cond(
        has_too_many_connection_errors,
        rx.callout(
            t("shell.offline"),
            icon="wifi_off",
            color_scheme="red",
            role="alert",
            id="offline-notice",
            position="fixed",
            bottom="1em",
            left="50%",
            transform="translateX(-50%)",
            z_index="1000",
            max_width="calc(100vw - 2em)",
        ),
    )


def demo_banner() -> rx.Component:
    return rx.cond(
        SessionState.demo_mode,
        rx.callout(
            t("shell.demo_banner"),
            icon="info",
            color_scheme="amber",
            size="1",
            width="100%",
            border_radius="0",
            id="demo-banner",
        ),
    )


def signed_in(content: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
    """Wrap a page body in the shell. Shows nothing private until the session loaded.

    `wraps` keeps the page's own module on the wrapper: Reflex writes a page's compiled
    components to a file named after that module, so each page's libraries (charts on
    /admin, Markdown and code highlighting on /) stay in that page's bundle instead of
    one chunk every page downloads."""

    @functools.wraps(content)
    def page() -> rx.Component:
        return rx.vstack(
            header(),
            demo_banner(),
            rx.cond(
                SessionState.signed_in,
                rx.flex(
                    content(),
                    flex="1",
                    min_height="0",
                    width="100%",
                    overflow_y="auto",
                    id="page-body",
                ),
                rx.center(rx.spinner(size="3"), padding="4em", width="100%"),
            ),
            spacing="0",
            height="100dvh",
            width="100%",
        )

    return page
