"""The shape of ``service/``: import arrows between its packages, their cycles, and the longest functions.

Read by ``tests/test_architecture.py`` (no cycle between packages, doors imported by no stage) and run by hand to
print the figures of ``benchmarks/README.md``: ``python -m tests.architecture [--functions 15]``.

A package is a folder of ``service/`` (``service.api``) or a module at its top (``service.settings``). Every import
counts, a late one inside a function as well: it is an arrow all the same, only hidden from the reader.
"""

from __future__ import annotations

import argparse
import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[1] / "service"

#: The doors onto the stages: no stage may import them.
DOORS = frozenset({"api", "cli"})


@dataclass(frozen=True)
class Edge:
    """One import of a package by another, seen at ``where`` (``path:line``)."""

    source: str
    target: str
    where: str
    late: bool  # inside a function


@dataclass(frozen=True)
class Function:
    """A function (or method) and its length in lines, docstring included."""

    where: str
    name: str
    lines: int


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package(module: str) -> str | None:
    """``service.api.deps`` → ``api``; ``service.settings`` → ``settings``; outside ``service`` → None."""
    parts = module.split(".")
    if parts[0] != "service" or len(parts) < 2:
        return None
    return parts[1]


def _imports(tree: ast.Module, module: str, is_package: bool) -> Iterator[tuple[str, int, bool]]:
    """(imported module, line, late) for every import of the file; relative imports resolved."""
    late_lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            late_lines.update(
                inner.lineno for inner in ast.walk(node) if isinstance(inner, ast.Import | ast.ImportFrom)
            )
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, node.lineno in late_lines
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from service import geo`` imports the module service.geo, not the package service
            for alias in node.names:
                target = f"{base}.{alias.name}" if _package(base) is None else base
                yield target, node.lineno, node.lineno in late_lines


def _sources(root: Path) -> Iterator[tuple[Path, str, ast.Module]]:
    for path in sorted(root.rglob("*.py")):
        module = _module_name(path, root)
        yield path, module, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def import_edges(root: Path = SERVICE) -> list[Edge]:
    """Every import from one package of ``service`` into another."""
    edges: set[Edge] = set()
    for path, module, tree in _sources(root):
        source = _package(module)
        for imported, line, late in _imports(tree, module, path.name == "__init__.py"):
            target = _package(imported)
            if source and target and target != source:
                where = f"{path.relative_to(root.parent)}:{line}"
                edges.add(Edge(source, target, where, late))
    return sorted(edges, key=lambda e: (e.source, e.target, e.where))


def graph(edges: list[Edge]) -> dict[str, set[str]]:
    """Package → the packages it imports."""
    arrows: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        arrows[edge.source].add(edge.target)
        arrows.setdefault(edge.target, set())
    return dict(arrows)


def cycles(arrows: dict[str, set[str]]) -> list[list[str]]:
    """The groups of packages that import one another, round and round (strongly connected, more than one)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan; the graph has a few dozen nodes, recursion is fine
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(arrows.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(arrows):
        if node not in index:
            visit(node)
    return sorted(groups)


def layers(arrows: dict[str, set[str]]) -> list[list[str]]:
    """The packages by level: level 0 imports nothing of ``service``, each next level only what lies below it."""
    placed: dict[str, int] = {}
    levels: list[list[str]] = []
    remaining = set(arrows)
    while remaining:
        ready = sorted(node for node in remaining if arrows[node] <= placed.keys())
        if not ready:  # a cycle: the rest cannot be placed
            levels.append(sorted(remaining))
            break
        for node in ready:
            placed[node] = len(levels)
        levels.append(ready)
        remaining -= set(ready)
    return levels


def longest_functions(root: Path = SERVICE, most: int = 15) -> list[Function]:
    """The longest functions of ``service``, longest first."""
    found = []
    for path, _module, tree in _sources(root):
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                length = (node.end_lineno or node.lineno) - start + 1
                found.append(Function(f"{path.relative_to(root.parent)}:{node.lineno}", node.name, length))
    return sorted(found, key=lambda f: (-f.lines, f.where))[:most]


def report(most: int = 15) -> str:
    """The graph by level, its cycles and the longest functions, as text."""
    edges = import_edges()
    arrows = graph(edges)
    late = sorted({(e.source, e.target) for e in edges if e.late} - {(e.source, e.target) for e in edges if not e.late})
    lines = ["Packages by level (each imports only packages of lower levels):"]
    for level, nodes in enumerate(layers(arrows)):
        for node in nodes:
            targets = ", ".join(sorted(arrows[node])) or "—"
            lines.append(f"  {level:>2} {node:<12} → {targets}")
    found = cycles(arrows)
    lines.append(f"Cycles: {len(found)}")
    for group in found:
        lines.append("  " + " ↔ ".join(group))
        for edge in edges:
            if edge.source in group and edge.target in group:
                lines.append(f"      {edge.source} → {edge.target}  {edge.where}{'  (late)' if edge.late else ''}")
    lines.append(f"Arrows only through late imports: {len(late)}")
    lines.extend(f"  {source} → {target}" for source, target in late)
    lines.append(f"Longest functions ({most}):")
    lines.extend(f"  {f.lines:>4}  {f.name}  {f.where}" for f in longest_functions(most=most))
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=15, help="how many of the longest functions to list")
    print(report(parser.parse_args().functions))
