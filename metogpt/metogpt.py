"""The app: pages and the REST API on one port. Nothing else lives here."""

from typing import Any

import reflex as rx

from metogpt import routes
from metogpt.api import build_api
from metogpt.pages.account import account_page
from metogpt.pages.admin import admin_page
from metogpt.pages.chat import chat_page, page_title
from metogpt.pages.layout import offline_notice
from metogpt.pages.login import login_page, register_page
from metogpt.pages.share import share_page
from metogpt.services import clients
from metogpt.services.grants import grants_loop
from metogpt.services.setup import load_tokenizer, recovery_loop
from metogpt.state.account import AccountState
from metogpt.state.admin import AdminState
from metogpt.state.auth import AuthFormState
from metogpt.state.chat import ChatState
from metogpt.state.chat.draft import KeepDraft
from metogpt.state.lang import t
from metogpt.state.session import TabOwner
from metogpt.state.share import ShareState

app = rx.App(
    api_transformer=build_api(),
    html_lang="en",
    stylesheets=["/metogpt.css", "/layout.css", "/markdown.css"],
    # Toasts confirm saves (the admin dashboard); Reflex's English connection toast is not
    # one of them: that lives in the overlay, replaced by offline_notice below.
    toaster=rx.toast.provider(close_button=True),
)
# Before any event: a tab's states hold only the data of the user its token names.
app.add_middleware(TabOwner())
# A change of page does not put an older copy of the composer's draft back (state/chat/draft.py).
app.add_middleware(KeepDraft())
# Reflex's own connection toast and pulser speak English only: ours follows the language.
app.app_wraps[(5, "Overlay")] = lambda stateful: offline_notice() if stateful else None


def _websocket_origin(origin: str, environ: dict[str, Any]) -> bool:
    return clients.origin_allowed(
        origin, environ.get("HTTP_HOST"), environ.get("HTTP_X_FORWARDED_HOST")
    )


# Reflex gives its socket server the list in rxconfig's cors_allowed_origins, and an empty
# list turns its Origin check off: any site's page could open a tab's websocket. Its own
# origin (by any host name) and METOGPT_CORS_ORIGINS only; engine.io asks this per handshake.
assert app.sio is not None
app.sio.eio.cors_allowed_origins = _websocket_origin
app.add_page(
    login_page,
    route=routes.LOGIN,
    title=t("chatnav.title.login"),
    on_load=AuthFormState.redirect_if_signed_in,
)
app.add_page(
    register_page,
    route=routes.REGISTER,
    title=t("chatnav.title.register"),
    on_load=AuthFormState.redirect_if_signed_in,
)
# The dynamic route first (Reflex's rule when one page function serves two routes).
for route in (routes.CONVERSATION, routes.CHAT):
    app.add_page(
        chat_page,
        route=route,
        title=page_title(),
        on_load=ChatState.load,  # one event: one authentication for the first screen
    )
app.add_page(
    admin_page,
    route=routes.ADMIN,
    title=t("chatnav.title.admin"),
    on_load=AdminState.load,
)
app.add_page(
    account_page,
    route=routes.ACCOUNT,
    title=t("chatnav.title.account"),
    on_load=AccountState.load,  # every section's first screen, in one event
)
app.add_page(
    share_page,
    route=routes.SHARE,
    title="MetoGPT",
    meta=[{"name": "robots", "content": "noindex"}],
    on_load=ShareState.load,
)
app.register_lifespan_task(recovery_loop)
app.register_lifespan_task(load_tokenizer)
app.register_lifespan_task(grants_loop)
