"""The REST app (with /v1) as a module-level ASGI app, for granian (bench/gateway.py)."""

from metogpt.api import build_api

app = build_api()
