"""A revoked or unknown share link answers with HTTP 404 itself, not only with the page's
"not found" text: the web app would serve its page with 200 to any /s/... address.

A live link's page is sent with `Cache-Control: no-store`: the page is a static file with a
Last-Modified date, which a browser may reuse without asking (heuristic freshness), and a
revoked link must stop showing at once."""

from __future__ import annotations

import re

import anyio
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from metogpt.services.db import read_session
from metogpt.services.travel import shares

_SHARE = re.compile(r"^/s/([A-Za-z0-9_-]{1,64})/?$")
_GONE = (
    '<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex">'
    "<title>404 · MetoGPT</title></head><body><h1>404</h1>"
    "<p>This link does not exist or was revoked. · Эта ссылка не существует или была отозвана.</p>"
    "</body></html>"
)


def _exists(token: str) -> bool:
    with read_session() as session:
        return shares.exists(session, token)


class ShareGate:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            match = _SHARE.match(scope["path"])
            if match and not await anyio.to_thread.run_sync(_exists, match.group(1)):
                gone = HTMLResponse(_GONE, status_code=404, headers={"cache-control": "no-store"})
                return await gone(scope, receive, send)
            if match:
                return await self.app(scope, receive, _no_store(send))
        await self.app(scope, receive, send)


def _no_store(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [
                (k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"
            ]
            message = {**message, "headers": [*headers, (b"cache-control", b"no-store")]}
        await send(message)

    return sending
