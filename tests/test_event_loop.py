"""The servers run on uvloop (requirements.txt): granian, which `reflex run --env prod`
starts with its `auto` loop (the API's streams: bench/README.md, "uvloop"), and uvicorn
(the REST workers of the tests), whose `auto` loop is uvloop when it is installed."""

from __future__ import annotations

import asyncio

from granian._loops import loops
from uvicorn.loops.auto import auto_loop_factory


def test_granians_auto_loop_is_uvloop() -> None:
    # build_auto_loop takes rloop first, then uvloop, then winloop, then asyncio
    assert "uvloop" in loops and "rloop" not in loops


def test_uvicorns_auto_loop_is_uvloop() -> None:
    loop = auto_loop_factory()()
    try:
        assert type(loop).__module__.startswith("uvloop")
        assert isinstance(loop, asyncio.AbstractEventLoop)
    finally:
        loop.close()
