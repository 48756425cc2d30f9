"""Layers point one way: every import (inside functions too) goes down the layering of
docs/architecture.md or stays in its own package, no import cycle exists among Pictor's
modules, and the evaluator uses only the bottom of indexing (shared names and the store)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = [  # bottom first; a module may import its own layer or one below
    [
        "indexing.errors",
        "indexing.records",
        "indexing.settings",
        "indexing.progress",
        "indexing.names",
    ],
    ["indexing.store"],
    ["indexing.models"],
    ["indexing.dedup"],
    ["indexing.ingest"],
    ["indexing.query"],
    ["indexing.curate"],
    ["indexing.library", "indexing"],
    ["evaluator"],
    ["app"],
    ["launch"],
]
EVALUATOR_MAY_USE = 1  # the evaluator imports indexing's layers 0-1 only


def layer(module: str) -> int:
    """The layer of the longest name in LAYERS that is `module` or a package above it."""
    names = [name for names in LAYERS for name in names]
    owner = max((n for n in names if (module + ".").startswith(n + ".")), key=len)
    return next(n for n, names in enumerate(LAYERS) if owner in names)


def modules(root: Path) -> dict[str, Path]:
    files = [p for top in ("app", "indexing", "evaluator") for p in (root / top).rglob("*.py")]
    found = {}
    for path in [*files, root / "launch.py"]:
        parts = list(path.relative_to(root).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(root: Path) -> Iterator[tuple[str, int, str]]:
    """(importer, line, imported) for every import of one of our modules, at any depth."""
    known = modules(root)
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                subs = [f"{base}.{alias.name}" for alias in node.names]
                targets = [sub for sub in subs if sub in known] or [base]
            else:
                continue
            for target in targets:
                if target in known and not name.startswith(target + "."):  # not its own parent
                    yield name, node.lineno, target


def upward(root: Path) -> list[str]:
    return [
        f"{root_relative(root, a)}:{line}: {a} (layer {layer(a)}) imports {b} (layer {layer(b)})"
        for a, line, b in imports(root)
        if layer(b) > layer(a)
    ]


def cycles(root: Path) -> list[list[str]]:
    """Each strongly connected group of modules, as one cycle through it."""
    graph: dict[str, set[str]] = {}
    for a, _, b in imports(root):
        graph.setdefault(a, set()).add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = stack[stack.index(v) :]
            del stack[stack.index(v) :]
            if len(group) > 1:
                found.append(_cycle_through(sorted(group), graph))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _cycle_through(group: list[str], graph: dict[str, set[str]]) -> list[str]:
    """A path from the group's first module back to itself, inside the group."""
    start, paths = group[0], {group[0]: [group[0]]}
    queue = [group[0]]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph.get(v, ())):
            if w == start:
                return [*paths[v], start]
            if w in group and w not in paths:
                paths[w] = [*paths[v], w]
                queue.append(w)
    return group


def root_relative(root: Path, module: str) -> str:
    return str(modules(root)[module].relative_to(root))


def evaluator_reaches(root: Path) -> list[str]:
    return [
        f"{root_relative(root, a)}:{line}: {a} imports {b} (layer {layer(b)})"
        for a, line, b in imports(root)
        if layer(a) == layer("evaluator") and b.startswith("indexing") and layer(b) > 1
    ]


def test_no_import_cycles() -> None:
    found = cycles(ROOT)
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_imports_point_down_the_layers() -> None:
    found = upward(ROOT)
    assert not found, "imports pointing up the layers:\n" + "\n".join(found)


def test_the_evaluator_uses_only_shared_names_and_the_store() -> None:
    found = evaluator_reaches(ROOT)
    assert not found, "the evaluator reaches above indexing.store:\n" + "\n".join(found)


def test_the_checks_catch_a_cycle_an_upward_import_and_the_evaluator_reaching_up(
    tmp_path: Path,
) -> None:
    files = {
        "launch.py": "",
        "app/__init__.py": "",
        "evaluator/__init__.py": "from indexing.query import listing\n",
        "indexing/__init__.py": "",
        "indexing/store/__init__.py": "",
        "indexing/store/catalog.py": "def f():\n    from indexing.ingest.scan import walk\n",
        "indexing/ingest/__init__.py": "",
        "indexing/ingest/scan.py": "from indexing.store import catalog\n",
        "indexing/query/__init__.py": "",
        "indexing/query/listing.py": "from ..store.catalog import Catalog\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert cycles(tmp_path) == [
        ["indexing.ingest.scan", "indexing.store.catalog", "indexing.ingest.scan"]
    ]
    assert upward(tmp_path) == [
        "indexing/store/catalog.py:2: indexing.store.catalog (layer 1) imports "
        "indexing.ingest.scan (layer 4)"
    ]
    assert evaluator_reaches(tmp_path) == [
        "evaluator/__init__.py:1: evaluator imports indexing.query.listing (layer 5)"
    ]
