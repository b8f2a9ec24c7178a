"""The package's shape (../shared/DESIGN.md): imports point one way, core → text → stages → export → runner →
cli, and no module is over 400 lines. Read from the source, so a new upward import fails here."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "pipeline"
LAYERS = ("core", "text", "stages", "export", "runner", "cli")
TOP = {"runner": "runner", "stagecache": "runner", "package": "runner", "review": "runner", "batch": "runner",
       "cli": "cli", "__main__": "cli"}   # the rest of pipeline/*.py: core
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "core"
    if parts[1] in ("text", "stages", "export"):
        return parts[1]
    return TOP.get(parts[1], "core")


def imports(path: Path) -> set[str]:
    """The pipeline modules a file imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("pipeline")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
            found.add(node.module)
    return found


def test_imports_point_one_way():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = module_name(path)
        for target in imports(path):
            if LAYERS.index(layer(target)) > LAYERS.index(layer(here)):
                upward.append(f"{here} ({layer(here)}) imports {target} ({layer(target)})")
    assert upward == []


def test_the_layers_are_what_the_design_says():
    assert layer("pipeline.rundir") == layer("pipeline.config") == layer("pipeline.artifacts") == "core"
    assert layer("pipeline.text.rules") == "text" and layer("pipeline.stages.diarize.clustering") == "stages"
    assert layer("pipeline.export.word.document") == "export" and layer("pipeline.cli") == "cli"
    assert "pipeline.stages.merge" in imports(PACKAGE / "export" / "clips.py")      # the check sees imports


def test_no_module_is_over_400_lines():
    long = {module_name(p): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
