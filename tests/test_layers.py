"""The house reads in one direction: ``airspace → planner → api → scenarios → cli`` (each may
import those before it, never those after it), and no package imports test or benchmark code."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("airspace", "planner", "api", "scenarios", "cli")
NEVER = ("tests", "bench")


def _imports(path: Path) -> list[tuple[int, str]]:
    """Absolute imports anywhere in a module (functions included), with their line numbers."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


def upward_imports() -> list[str]:
    """Every import that points up the layers, or into tests/bench, as ``file:line module``."""
    rank = {name: i for i, name in enumerate(LAYERS)}
    found = []
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            for line, module in _imports(path):
                top = module.split(".")[0]
                if top in NEVER or rank.get(top, -1) > rank[layer]:
                    found.append(f"{path.relative_to(ROOT)}:{line} {module}")
    return found


def test_imports_point_down_the_layers():
    assert upward_imports() == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The checker itself: a planner module importing the API is reported."""
    for layer in LAYERS:
        (tmp_path / layer).mkdir()
    (tmp_path / "planner" / "bad.py").write_text("def f():\n    from api.main import create_app\n")
    (tmp_path / "api" / "fine.py").write_text("import planner.decision\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert upward_imports() == ["planner/bad.py:2 api.main"]
