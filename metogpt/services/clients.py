"""Who is calling, as far as the network tells: the client's address (for throttles) and
whether a browser page's Origin may use the app."""

from __future__ import annotations

from metogpt.settings import settings


def client_address(peer: str | None, forwarded_for: str | None) -> str:
    """The client's address. X-Forwarded-For is written by whoever sends it, so it is
    believed only for the METOGPT_TRUSTED_PROXIES proxies in front of the app: with N of
    them, the Nth address from the right is the one the outermost proxy saw (the same rule
    Reflex applies to the websocket with `trusted_proxy_hops`, set from the same value)."""
    hops = settings.trusted_proxies
    if hops and forwarded_for:
        chain = [ip.strip() for ip in forwarded_for.split(",") if ip.strip()]
        if len(chain) >= hops:
            return chain[-hops][:100]
    return (peer or "unknown")[:100]
