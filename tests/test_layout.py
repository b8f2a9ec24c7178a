"""The package's shape (../shared/DESIGN.md): imports point one way, core → text → stages → export → runner →
cli, and no module is over 400 lines. Read from the source, so a new upward import fails here."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "pipeline"
LAYERS = ("core", "text", "stages", "export", "runner", "cli")
TOP = {"runner": "runner", "stagecache": "runner", "package": "runner", "web": "runner", "batch": "runner",
       "closing": "runner", "modelsetup": "runner", "doctor": "runner", "cli": "cli", "__main__": "cli"}   # the rest of pipeline/*.py: core
MAX_LINES = 400


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "core"
    if parts[1] in ("text", "stages", "export"):
        return parts[1]
    return TOP.get(parts[1], "core")


MODULES = {module_name(p) for p in PACKAGE.rglob("*.py")}


def imports(path: Path, modules: set[str] = MODULES) -> set[str]:
    """The pipeline modules a file imports, at the top or inside functions (`from a.b import c` imports the
    module a.b.c when there is one, else a.b)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("pipeline")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
            found |= {m if (m := f"{node.module}.{a.name}") in modules else node.module for a in node.names}
    return found


def cycles(package: Path = PACKAGE) -> list[list[str]]:
    """Every import cycle between the package's modules, as the modules along it (a package's own
    submodules importing it back through their parent are not counted: Python imports the parent first)."""
    names = {p: module_name(p, package.parent) for p in package.rglob("*.py")}
    graph = {name: {t for t in imports(p, set(names.values())) if t in names.values() and not name.startswith(t + ".")}
             for p, name in names.items()}
    found, done = [], set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            found.append(path[path.index(module):] + [module])
            return
        if module in done:
            return
        for target in sorted(graph[module]):
            visit(target, path + [module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    return found


def test_imports_point_one_way():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = module_name(path)
        for target in imports(path):
            if LAYERS.index(layer(target)) > LAYERS.index(layer(here)):
                upward.append(f"{here} ({layer(here)}) imports {target} ({layer(target)})")
    assert upward == []


def test_no_module_imports_itself_back_through_others():
    """No import cycle, not even one hidden in a function's imports."""
    assert cycles() == []


def test_the_cycle_check_sees_a_cycle_hidden_in_a_function(tmp_path):
    fake = tmp_path / "pipeline"
    (fake / "stages").mkdir(parents=True)
    (fake / "a.py").write_text("from pipeline.stages.b import f\n", encoding="utf-8")
    (fake / "stages" / "b.py").write_text("def f():\n    from pipeline import a\n", encoding="utf-8")
    (fake / "stages" / "c.py").write_text("from pipeline.stages import b\n", encoding="utf-8")   # no cycle
    assert cycles(fake) == [["pipeline.a", "pipeline.stages.b", "pipeline.a"]]


def test_the_layers_are_what_the_design_says():
    assert layer("pipeline.rundir") == layer("pipeline.config") == layer("pipeline.artifacts") == "core"
    assert layer("pipeline.text.rules") == "text" and layer("pipeline.stages.diarize.clustering") == "stages"
    assert layer("pipeline.export.word.document") == "export" and layer("pipeline.cli") == "cli"
    assert "pipeline.stages.merge" in imports(PACKAGE / "export" / "clips.py")      # the check sees imports


def test_no_module_is_over_400_lines():
    long = {module_name(p): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
