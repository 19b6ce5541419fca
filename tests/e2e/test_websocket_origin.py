"""The websocket (/_event) of the served app accepts pages of its own origin, by whatever
host name it is reached, and of METOGPT_CORS_ORIGINS; a page of any other site is refused at
the handshake (issue 12). The real Engine.IO/Socket.IO handshake, over a real socket."""

from __future__ import annotations

import asyncio

import pytest

from tests.fixtures.reflex_client import SESSION, ReflexError, ReflexTab
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e


def _connect(app_server: AppServer, headers: dict[str, str]) -> ReflexTab:
    async def run() -> ReflexTab:
        tab = ReflexTab(app_server.base_url, path="/login", headers=headers)
        await tab.connect(timeout=30)
        try:
            # Hydrated: the state came back over the socket.
            await tab.wait_for(lambda state: SESSION in state, timeout=30)
        finally:
            await tab.close()
        return tab

    return asyncio.run(run())


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "null", "http://127.0.0.1.evil.example", "https://127.0.0.1:1"],
)
def test_a_foreign_origin_is_refused(app_server: AppServer, origin: str) -> None:
    with pytest.raises(ReflexError, match="refused"):
        _connect(app_server, {"Origin": origin})


def test_the_apps_own_origin_is_accepted_by_each_of_its_names(app_server: AppServer) -> None:
    port = app_server.port
    for name in ("127.0.0.1", "localhost", "chat.example.com"):
        # What a browser sends on http://name:port (a proxy passes the public Host on).
        _connect(app_server, {"Origin": f"http://{name}:{port}", "Host": f"{name}:{port}"})
    # Behind a TLS proxy the page is https, the Host the public name, the app sees http.
    _connect(app_server, {"Origin": "https://chat.example.com", "Host": "chat.example.com"})


def test_a_client_without_an_origin_is_not_a_browser_page(app_server: AppServer) -> None:
    _connect(app_server, {})  # scripts and the load bench: nothing to forge a page with
