"""pandoc --citeproc renders every entry of refs.json with its title."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from exporter.validate.checks import CheckError, _problems, check
from exporter.validate.outputs import CSL, _csl_items, _letters, _read
from exporter.validate.tools import _run, _tool


def _pandoc_text(node: Any) -> str:
    """The text of a pandoc JSON AST node: Str and spaces, recursively."""
    if isinstance(node, list):
        return "".join(_pandoc_text(n) for n in node)
    if isinstance(node, dict):
        kind = node.get("t")
        if kind == "Str":
            return str(node["c"])
        if kind in ("Space", "SoftBreak", "LineBreak"):
            return " "
        return _pandoc_text(node.get("c", []))
    return ""


def _pandoc_refs(node: Any, found: dict[str, str]) -> None:
    """Collect the `ref-KEY` divs citeproc writes, with their text."""
    if isinstance(node, list):
        for n in node:
            _pandoc_refs(n, found)
    elif isinstance(node, dict):
        if node.get("t") == "Div" and str(node["c"][0][0]).startswith("ref-"):
            found[node["c"][0][0].removeprefix("ref-")] = _pandoc_text(node["c"][1])
        else:
            _pandoc_refs(node.get("c", []), found)
        _pandoc_refs(node.get("blocks", []), found)


@check("pandoc-citeproc")
def check_pandoc(outputs: Path) -> str:
    """`pandoc --citeproc` with `nocite: '@*'`: every entry rendered with its title, nothing on stderr."""
    text = _read(outputs, CSL)
    items = _csl_items(outputs)
    pandoc = _tool("pandoc")
    with tempfile.TemporaryDirectory(prefix="exporter-pandoc-") as name:
        tmp = Path(name)
        (tmp / CSL).write_text(text, encoding="utf-8")
        (tmp / "doc.md").write_text("---\nnocite: '@*'\n---\n\n# References\n", encoding="utf-8")
        proc = _run([pandoc, "--citeproc", "--bibliography", CSL, "--from", "markdown", "--to", "json", "doc.md"], tmp)
    if proc.stderr.strip():
        raise _problems("pandoc said", proc.stderr.strip().splitlines())
    if proc.returncode:
        raise CheckError(f"pandoc exited {proc.returncode}")
    refs: dict[str, str] = {}
    _pandoc_refs(json.loads(proc.stdout), refs)
    problems = [f"{item.get('id')}: not rendered" for item in items if str(item.get("id")) not in refs]
    if len(refs) != len(items) and not problems:
        problems.append("ids are not unique")
    problems += [f"{item['id']}: title {item.get('title', '')!r} not in {refs[str(item['id'])][:80]!r}"
                 for item in items if str(item.get("id")) in refs
                 and _letters(item.get("title", "")) not in _letters(refs[str(item["id"])])]
    if problems:
        raise _problems(f"{len(refs)} of {len(items)} rendered", problems)
    return f"{len(refs)} entries rendered with their titles; no warnings"
