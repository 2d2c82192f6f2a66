"""The package layout a newcomer relies on: domain packages, module docstrings, no import cycles."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[1] / "bot"
FLAT_ALLOWED = {"__init__.py", "app.py", "config.py", "logs.py", "runtime.py"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in BOT.rglob("*.py"):
        name = ".".join(path.relative_to(BOT.parent).with_suffix("").parts).removesuffix(".__init__")
        out[name] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every bot module this one imports, TYPE_CHECKING imports included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full in modules:
                    found.add(full)
                elif node.module in modules:
                    found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules)
    return found


def test_only_the_composition_root_and_settings_lie_flat() -> None:
    flat = {p.name for p in BOT.glob("*.py")}
    assert flat <= FLAT_ALLOWED, f"move into a domain package: {sorted(flat - FLAT_ALLOWED)}"


def test_every_module_says_what_it_owns() -> None:
    missing = [str(p.relative_to(BOT.parent)) for p in BOT.rglob("*.py")
               if p.stat().st_size and not ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))]
    assert missing == []


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {m: _imports(p, modules) for m, p in modules.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for dep in sorted(graph[m]):
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep):], dep])
            elif dep not in state:
                visit(dep)
        path.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert cycles == []
