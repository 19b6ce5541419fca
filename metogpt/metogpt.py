"""The app: pages and the REST API on one port. Nothing else lives here."""

import reflex as rx

from metogpt.api import build_api
from metogpt.i18n import MESSAGES
from metogpt.pages.admin import admin_page
from metogpt.pages.chat import chat_page
from metogpt.pages.layout import offline_notice
from metogpt.pages.login import login_page, register_page
from metogpt.services.grants import grants_loop
from metogpt.services.setup import recovery_loop
from metogpt.state.admin import AdminState
from metogpt.state.auth import AuthFormState
from metogpt.state.chat import ChatState
from metogpt.state.session import SessionState

app = rx.App(
    api_transformer=build_api(),
    html_lang="en",
    stylesheets=["/metogpt.css"],
    toaster=None,  # nothing shows toasts: the connection notice is offline_notice
)
# Reflex's own connection toast and pulser speak English only: ours follows the language.
app.app_wraps[(5, "Overlay")] = lambda stateful: offline_notice() if stateful else None
app.add_page(
    login_page,
    route="/login",
    title=MESSAGES["auth.login.title"][0],
    on_load=AuthFormState.redirect_if_signed_in,
)
app.add_page(
    register_page,
    route="/register",
    title=MESSAGES["auth.register.title"][0],
    on_load=AuthFormState.redirect_if_signed_in,
)
app.add_page(
    chat_page, route="/", title="MetoGPT", on_load=[SessionState.require_login, ChatState.load]
)
app.add_page(
    admin_page,
    route="/admin",
    title="MetoGPT · Admin",
    on_load=AdminState.load,
)
app.register_lifespan_task(recovery_loop)
app.register_lifespan_task(grants_loop)
