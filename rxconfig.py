"""Reflex configuration. Everything deployment-specific comes from the environment."""

import functools

import reflex as rx

from metogpt.settings import pin_oplock_lease, settings


def _respawn_failed_workers() -> None:
    """Keep the other workers serving when one worker process dies.

    With REFLEX_REDIS_URL set, `reflex run --env prod` becomes granian's main process and
    forks several workers. reflex 0.10.1 builds granian's server without
    `respawn_failed_workers`, and granian then answers the death of any one worker (an OOM
    kill, a crash) by stopping all of them: every answer streaming on the healthy workers
    would be cut. This turns granian's own respawn on for the server reflex builds (this
    module is imported by the reflex CLI before it starts the server). Granian's
    GRANIAN_RESPAWN_FAILED_WORKERS=false turns it off again. A worker that keeps dying
    within seconds still stops the server (granian's crash-loop guard).
    tests/e2e/scaleout/test_worker_killed.py kills a worker and fails if this stops working."""
    if not settings.respawn_failed_workers:
        return
    try:
        from granian.server.common import AbstractServer
    except ImportError:  # another server than granian (e.g. gunicorn/uvicorn) runs reflex
        return
    init = AbstractServer.__init__
    if getattr(init, "_metogpt_respawn", False):  # imported twice
        return

    @functools.wraps(init)
    def respawning_init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("respawn_failed_workers", True)
        init(self, *args, **kwargs)

    respawning_init._metogpt_respawn = True  # type: ignore[attr-defined]
    AbstractServer.__init__ = respawning_init  # type: ignore[method-assign]


def _workers_need_redis() -> None:
    """Refuse several workers without Redis. Reflex passes GRANIAN_WORKERS to granian even
    without REFLEX_REDIS_URL; each worker would then keep its own in-memory state, and a
    tab's events would find a different state from one connection to the next."""
    workers = settings.granian_workers
    if workers.isdigit() and int(workers) > 1 and not settings.redis_url:
        raise SystemExit(
            f"GRANIAN_WORKERS={workers} needs REFLEX_REDIS_URL: several workers share the "
            "state of the open tabs through Redis (README, Deployment)."
        )


_workers_need_redis()
_respawn_failed_workers()

REDIS_LOCK_MS = 30_000
# The opportunistic lease stays at Reflex's 5 s (by default half the lock's time): a
# worker's cached copy of a tab is written back to Redis as often as before.
pin_oplock_lease(5)

config = rx.Config(
    app_name="metogpt",
    db_url=settings.database_url,
    redis_url=settings.redis_url,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=settings.port,
    backend_port=settings.port,
    cors_allowed_origins=settings.cors_origins,
    # The websocket's client address (throttles) comes through this many proxies' X-Forwarded-For.
    trusted_proxy_hops=settings.trusted_proxies,
    # A tab's Redis lock (ms). An event whose handler (database reads off the loop, behind
    # everyone else's when hundreds of tabs open at once) outlives it is dropped whole:
    # Reflex refuses its state write, and a send dropped that way never began (bench/README,
    # Streaming chats, session 9). Reflex's 10 s was reached at 200-500 chats on two cores;
    # longer costs only the wait of a tab whose worker died holding its lock.
    redis_lock_expiration=REDIS_LOCK_MS,
    plugins=[
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="large")),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
