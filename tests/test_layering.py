"""The layers of metogpt/, read from the imports in its source (ENGINEERING.md, issue 11):
pages -> state -> services -> models; api and cli -> services; the business in services/
imports no Reflex and nothing above it; no import cycle. Plus: bench/ uses tests/support,
not the e2e suite.

Every import counts, wherever it stands: one inside a function or under TYPE_CHECKING only
defers a dependency, it does not remove it (both known cycles hide that way)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Module prefix -> layer. The longest matching prefix wins; every module must match one.
LAYERS = {
    "models": "foundation",
    "settings": "foundation",
    "routes": "foundation",
    "services": "services",
    "state": "state",
    "i18n": "state",
    "api": "api",
    "cli": "cli",
    "__main__": "cli",
    "pages": "pages",
    "components": "pages",
    "metogpt": "app",  # metogpt/metogpt.py creates the app from all of them
    "": "app",  # the package's __init__
}
# Layer -> the layers it may import from (its own included).
ALLOWED = {
    "foundation": {"foundation"},
    "services": {"services", "foundation"},
    "state": {"state", "services", "foundation"},
    "api": {"api", "services", "foundation"},
    "cli": {"cli", "services", "foundation"},
    "pages": {"pages", "state", "services", "foundation"},
    "app": {"app", "pages", "state", "api", "cli", "services", "foundation"},
}
# Layer -> third-party packages it must not import.
FORBIDDEN = {"foundation": {"reflex", "rx"}, "services": {"reflex", "rx"}}

# Known today, for the coordinator to clear when the branches that remove them are merged
# (the state/ split of issue 11): the admin state formats timestamps with a REST schema helper.
KNOWN_VIOLATIONS: set[str] = set()


@dataclass(frozen=True)
class Import:
    importer: str
    name: str  # as written, made absolute
    target: str  # the package's module it reaches, or the top-level package outside it
    line: int


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_imports(root: Path, package: str) -> tuple[set[str], list[Import]]:
    """The modules of `package` (a folder under `root`) and every import they make."""
    # Not the git-ignored work folders (bench/.work holds a virtualenv of LiteLLM).
    files = sorted(
        p for p in (root / package).rglob("*.py") if ".work" not in p.relative_to(root).parts
    )
    modules = {_module_name(path, root) for path in files}
    imports: list[Import] = []
    for path in files:
        importer = _module_name(path, root)
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = importer.split(".")
                    anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from a import b` imports the module a.b when there is one, else from a.
                names = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            else:
                continue
            for name in names:
                target = _resolve(name, modules) or name.split(".")[0]
                imports.append(Import(importer, name, target, node.lineno))
    return modules, imports


def _resolve(name: str, modules: set[str]) -> str | None:
    """The package's module that `name` is or lies in (a.b.c -> a.b if a.b.c is a name)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        if (candidate := ".".join(parts[:end])) in modules:
            return candidate
    return None


def layer_of(module: str, package: str) -> str | None:
    rest = module.removeprefix(package).removeprefix(".")
    if not rest:
        return LAYERS[""]
    matches = [p for p in LAYERS if p and (rest == p or rest.startswith(f"{p}."))]
    return LAYERS[max(matches, key=len)] if matches else None


def violations(modules: set[str], imports: list[Import], package: str) -> set[str]:
    found: set[str] = set()
    for imp in imports:
        layer = layer_of(imp.importer, package)
        assert layer is not None, f"{imp.importer} has no layer: add it to LAYERS"
        if imp.target in modules:
            target_layer = layer_of(imp.target, package)
            if target_layer not in ALLOWED[layer]:
                found.add(f"{imp.importer} -> {imp.target}")
        elif imp.target in FORBIDDEN.get(layer, set()):
            found.add(f"{imp.importer} -> {imp.target}")
    return found


def cycles(modules: set[str], imports: list[Import]) -> list[list[str]]:
    """The strongly connected groups of more than one module (or a module importing itself)
    in the graph of the package's imports (Tarjan's algorithm)."""
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for imp in imports:
        if imp.target in modules:
            graph[imp.importer].add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph[node]:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


# --- the app ------------------------------------------------------------------------------


def test_every_module_has_a_layer() -> None:
    modules, _ = read_imports(ROOT, "metogpt")
    assert {"metogpt.models", "metogpt.services.billing", "metogpt.pages.chat"} <= modules
    assert [m for m in sorted(modules) if layer_of(m, "metogpt") is None] == []


def test_imports_go_down_the_layers() -> None:
    modules, imports = read_imports(ROOT, "metogpt")
    assert violations(modules, imports, "metogpt") == KNOWN_VIOLATIONS


def test_no_import_cycles() -> None:
    modules, imports = read_imports(ROOT, "metogpt")
    assert cycles(modules, imports) == []


def test_bench_uses_the_test_support_not_the_e2e_suite() -> None:
    _, imports = read_imports(ROOT, "bench")
    assert [f"{i.importer}:{i.line}" for i in imports if i.name.startswith("tests.e2e")] == []
    assert any(i.name.startswith("tests.support") for i in imports)


# --- the checker itself, on a made-up package that breaks every rule ------------------------


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, source in files.items():
        path = root / "app" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)


def test_the_checker_finds_every_kind_of_violation_and_cycle(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "__init__.py": "",
            "models.py": "",
            "settings.py": "",
            "services/__init__.py": "",
            "services/billing.py": "import reflex as rx\nfrom app import models\n",
            "services/chat.py": "def later():\n    from app.state import session\n",
            "services/a.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from app.services.b import X\n",
            "services/b.py": "from . import a\n",
            "state/__init__.py": "",
            "state/session.py": "from ..api import schemas\nfrom app.services import billing\n",
            "api/__init__.py": "",
            "api/schemas.py": "from app.pages import home\n",
            "pages/__init__.py": "",
            "pages/home.py": "from app.state.session import State\nfrom app import settings\n",
        },
    )
    modules, imports = read_imports(tmp_path, "app")
    assert violations(modules, imports, "app") == {
        "app.services.billing -> reflex",
        "app.services.chat -> app.state.session",
        "app.state.session -> app.api.schemas",
        "app.api.schemas -> app.pages.home",
    }
    assert cycles(modules, imports) == [
        ["app.api.schemas", "app.pages.home", "app.state.session"],
        ["app.services.a", "app.services.b"],
    ]


def test_the_checker_passes_a_package_that_keeps_the_rules(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "__init__.py": "",
            "models.py": "import sqlmodel\n",
            "services/__init__.py": "",
            "services/billing.py": "from app.models import User\nimport sqlalchemy\n",
            "state/__init__.py": "",
            "state/session.py": "import reflex as rx\nfrom app.services import billing\n",
            "pages/__init__.py": "",
            "pages/home.py": "from app.state.session import State\n",
            "cli.py": "from app.services.billing import charge\n",
        },
    )
    modules, imports = read_imports(tmp_path, "app")
    assert violations(modules, imports, "app") == set()
    assert cycles(modules, imports) == []
