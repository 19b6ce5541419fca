"""Reflex configuration. Everything deployment-specific comes from the environment."""

import os

import reflex as rx

from metogpt.settings import settings

_port = int(os.environ.get("PORT", "3000"))

config = rx.Config(
    app_name="metogpt",
    db_url=settings.database_url,
    redis_url=os.environ.get("REFLEX_REDIS_URL") or None,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=_port,
    backend_port=_port,
    cors_allowed_origins=settings.cors_origins,
    plugins=[
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="large")),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
