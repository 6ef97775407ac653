"""The shape of the code: imports point one way along the data flow, no cycles, files and functions stay small.

The stages follow ``../shared/DESIGN.md``: contracts -> curves -> roll -> index ->
fund -> scenario -> pipeline -> sweep and checks -> report -> cli.  A stage may
import only plumbing (the ``etfsim/_*.py`` modules, ``exceptions``, ``metrics``)
and the stages before it.  Every import counts, those inside functions too
(they run when the function does), except ``if TYPE_CHECKING:`` blocks.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "etfsim"

PLUMBING = {"_arrays", "_charts", "_format", "_io", "_memory", "_numba", "_random", "_results", "_typing", "_validate",
            "_version", "exceptions", "metrics"}  # fmt: skip
STAGES = ["contracts", "curves", "roll", "index", "fund", "scenario", "pipeline", "sweep", "check", "report", "cli"]
TOP = {"__init__", "__main__"}

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80  # body lines, docstring excluded; numba kernels (@jit) are exempt


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _unit(module: str) -> str:
    """The stage or plumbing module a module belongs to (``etfsim.fund.engine`` -> ``fund``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _imports() -> dict[str, set[str]]:
    """Module -> the etfsim modules it imports, anywhere in its code."""
    modules = {_module(p) for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        me = _module(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_lines(tree)
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skip:
                continue
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.startswith("etfsim") and name in modules and name != me:
                    graph[me].add(name)
    return graph


GRAPH = _imports()


def _allowed(src: str, dst: str) -> bool:
    a, b = _unit(src), _unit(dst)
    if a == b or b in PLUMBING:
        return True
    if a in TOP:
        return True
    if a in PLUMBING:
        return b in PLUMBING or b == "exceptions"
    if a not in STAGES or b not in STAGES:
        return False
    return STAGES.index(b) < STAGES.index(a)


def test_every_module_belongs_to_a_stage_or_the_plumbing() -> None:
    units = {_unit(_module(p)) for p in PACKAGE.rglob("*.py")}
    assert units <= set(STAGES) | PLUMBING | TOP, sorted(units - set(STAGES) - PLUMBING - TOP)


def test_imports_point_one_way() -> None:
    bad = sorted(f"{a} imports {b}" for a, bs in GRAPH.items() for b in bs if not _allowed(a, b))
    assert not bad, "\n".join(bad)


def test_no_import_cycle() -> None:
    # Tarjan's strongly connected components over modules (a package's __init__ counts as a module)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in GRAPH.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    # a package's __init__ re-exporting its own modules, which import each other, is not a cycle between stages
    real = [c for c in cycles if not any(m.count(".") == 1 and m.split(".")[1] in STAGES for m in c)]
    assert not real, real


def _function_lengths(tree: ast.Module) -> list[tuple[str, int]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if any("jit" in ast.unparse(d) for d in node.decorator_list):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                length -= (first.end_lineno or first.lineno) - first.lineno + 1
            out.append((node.name, length))
    return out


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_stay_small(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_MODULE_LINES, f"{path.name} has {text.count(chr(10))} lines"
    long = [(n, k) for n, k in _function_lengths(ast.parse(text)) if k > MAX_FUNCTION_LINES]
    assert not long, long
