"""The bench/ scripts are not run by the test suite (they take minutes and measure time),
but they must keep importing: a refactor once moved a helper and broke two of them."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import bench

MODULES = sorted(m.name for m in pkgutil.iter_modules(bench.__path__))


def test_bench_has_scripts() -> None:
    assert {"admin_first_screen", "chat_latency", "run_all", "seed_large"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_bench_module_imports(name: str) -> None:
    importlib.import_module(f"bench.{name}")
