"""The import graph of `exporter/`: no cycles, and every import points down the layers (lazy imports too).

Layers, top to bottom (a module may import its own package's modules and any lower layer):
    7  __main__                             `python -m exporter`
    6  cli                                  click, printing, exit codes
    5.5 api                                 the Python API, on the use cases
    5  check, validate                      use cases that report (validate/ is a package: its modules share its row)
    4.5 app                                 use cases: load, resolve, write outputs, export
    4  resolvers, finders, readers, writers, authoring     sources, finders and formats: registries
    3  anthology                            the Anthology's dump: cache, scan, index (its finder's data)
    2  records                              sources + lock -> records, keys, upgrade policy
    1.5 editing                             new [[papers]] tables in papers.toml, every other line kept
    1  sources, lock                        papers.toml and the lock file
    0  model, venues, http                  the record model, venue labels, polite HTTP
    -1 ids, files                           identifier kinds; file I/O rules
    -2 exporter (the package), errors, text                leaves
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "exporter"
LAYERS = {
    "__main__": 7,
    "cli": 6,
    "api": 5.5,
    "check": 5, "validate": 5,
    "app": 4.5,
    "resolvers": 4, "finders": 4, "readers": 4, "writers": 4, "authoring": 4,
    "anthology": 3,
    "records": 2,
    "editing": 1.5,
    "sources": 1, "lock": 1,
    "model": 0, "venues": 0, "http": 0,
    "ids": -1, "files": -1,
    "": -2, "errors": -2, "text": -2,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Every exporter module `path` imports, anywhere in it (function bodies too)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("exporter")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base.startswith("exporter"):
                found.add(base)
                found |= {f"{base}.{a.name}" for a in node.names if (PACKAGE.parent / f"{base}.{a.name}".replace(".", "/")).with_suffix(".py").exists()
                          or (PACKAGE.parent / f"{base}.{a.name}".replace(".", "/") / "__init__.py").exists()}
    found.discard(name)
    return found


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def top(name: str) -> str:
    """`exporter.resolvers.arxiv` -> `resolvers`; the package itself -> ``."""
    return name.split(".")[1] if "." in name else ""


def test_every_module_has_a_layer() -> None:
    assert sorted({top(m) for m in graph()} - set(LAYERS)) == []


def test_imports_point_down_the_layers() -> None:
    upward = sorted(f"{src} -> {dst} ({LAYERS[top(src)]} -> {LAYERS[top(dst)]})"
                    for src, targets in graph().items() for dst in targets
                    if top(dst) != top(src) and LAYERS[top(dst)] >= LAYERS[top(src)] and top(dst) != "")
    assert upward == []


def test_no_cycles() -> None:
    edges = graph()
    state: dict[str, int] = {}  # 1 visiting, 2 done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if nxt not in edges:
                continue
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt])
            elif state.get(nxt) is None:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_checks_can_fail() -> None:
    """A layer table that put records above writers would be seen: the test is not vacuous."""
    saved = dict(LAYERS)
    try:
        LAYERS["records"] = 5
        try:
            test_imports_point_down_the_layers()
        except AssertionError as exc:
            assert "exporter.writers" in str(exc) or "exporter.records" in str(exc)
        else:
            raise AssertionError("an upward import went unseen")
    finally:
        LAYERS.clear()
        LAYERS.update(saved)
