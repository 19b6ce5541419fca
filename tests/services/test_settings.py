"""Every environment variable the app reads is read in metogpt/settings.py and listed in the
README, so an operator finds them all in one table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]+")
# The model catalog gets the environment from settings.catalog_environment() and looks its
# variables up by name there.
_READERS = ("metogpt/settings.py", "metogpt/services/catalog.py")


def _env_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and _ENV_NAME.fullmatch(node.value)
    }


def test_every_variable_read_is_in_the_readme() -> None:
    names = set().union(*(_env_names(ROOT / path) for path in _READERS))
    assert {"DATABASE_URL", "PORT", "METOGPT_DEMO_DELAY", "OPENAI_API_KEY"} <= names
    readme = (ROOT / "README.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert missing == [], f"not in the README's configuration tables: {missing}"


def test_only_settings_touches_the_environment() -> None:
    sources = [*sorted((ROOT / "metogpt").rglob("*.py")), ROOT / "rxconfig.py"]
    readers = [
        str(path.relative_to(ROOT))
        for path in sources
        if re.search(r"\bos\.environ\b|\bgetenv\b", path.read_text())
    ]
    assert readers == ["metogpt/settings.py"]
