"""Who is calling, as far as the network tells: the client's address (for throttles) and
whether a browser page's Origin may use the app."""

from __future__ import annotations

from urllib.parse import urlsplit

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


def origin_allowed(origin: str, host: str | None, forwarded_host: str | None = None) -> bool:
    """May a page from `origin` use the app (the websocket)? Its own origin, whatever name
    it is reached by: the Origin's host and port are the request's Host (behind a proxy
    that passes the public Host on, as Caddy and the README's nginx do; or the
    X-Forwarded-Host a trusted proxy sets), and the listed METOGPT_CORS_ORIGINS. The scheme
    is not compared: TLS usually ends at the proxy, so the app sees http for https pages."""
    if origin in settings.cors_origins or "*" in settings.cors_origins:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    names = [host] + ([forwarded_host] if settings.trusted_proxies else [])
    wanted = {n.split(",")[0].strip().lower() for n in names if n}
    # A browser leaves the default port out of Origin; a client may still send it in Host.
    wanted |= {n.removesuffix(":80").removesuffix(":443") for n in wanted}
    return parts.netloc.lower() in wanted
