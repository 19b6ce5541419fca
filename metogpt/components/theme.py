"""Light, dark or system: the header's theme menu, and the piece that applies the signed-in
user's saved theme in this browser.

Reflex keeps the colour mode in the browser (localStorage "theme"; Radix's appearance
follows it). The user's choice is kept on the server too (`User.theme`, shown as
`SessionState.theme` by every signed-in page), so that signing in on another browser brings
it along: `ThemeSync` is a React effect that sets the colour mode whenever that value
changes (sign-in, page load, a pick in the menu)."""

from __future__ import annotations

import reflex as rx
from reflex_base.style import color_mode_imports, set_color_mode
from reflex_base.utils.imports import ImportVar
from reflex_base.vars.base import Var, VarData

from metogpt.services.me import THEMES
from metogpt.state.lang import t
from metogpt.state.session import SessionState
from metogpt.state.theme import ThemeState

_ICONS = {"light": "sun", "dark": "moon", "system": "monitor"}


class ThemeSync(rx.Fragment):
    """Renders nothing; sets the colour mode to `theme` whenever that value changes."""

    theme: rx.Var[str]

    def add_hooks(self) -> list[str | Var]:
        theme = str(self.theme)
        setter = "const { setColorMode } = useContext(ColorModeContext)"
        effect = (
            f"useEffect(() => {{ if ({list(THEMES)!r}.includes({theme})) setColorMode({theme}); }},"
            f" [{theme}, setColorMode])"
        )
        imports = {
            **color_mode_imports,
            "react": [ImportVar(tag="useContext"), ImportVar(tag="useEffect")],
        }
        return [
            Var(
                effect,
                _var_data=VarData.merge(
                    self.theme._get_all_var_data(),
                    VarData(imports=imports, hooks={setter: None}),
                ),
            )
        ]


def theme_items() -> list[rx.Component]:
    """Light, dark, system as menu items: the header's menu, and the phone's navigation menu
    (a phone's header has no room for one more button)."""
    return [
        rx.menu.item(
            rx.hstack(rx.icon(_ICONS[name], size=14), t(f"theme.{name}"), align="center"),
            # At once in this browser, and remembered for the user.
            on_click=[set_color_mode(name), ThemeState.choose(name)],
            id=f"theme-{name}",
        )
        for name in THEMES
    ]


def theme_menu() -> rx.Component:
    return rx.fragment(
        ThemeSync.create(theme=SessionState.theme),
        rx.box(
            rx.menu.root(
                rx.menu.trigger(
                    rx.icon_button(
                        rx.color_mode_cond(
                            light=rx.icon("sun", size=16), dark=rx.icon("moon", size=16)
                        ),
                        variant="soft",
                        color_scheme="gray",
                        id="theme-menu",
                        title=t("theme.label"),
                        aria_label=t("theme.label"),
                    ),
                ),
                rx.menu.content(*theme_items()),
            ),
            display=["none", "block"],
        ),
    )
