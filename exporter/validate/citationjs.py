"""citation-js (run with node from tools/citationjs) parses refs.ris, refs.bib and refs.json."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from exporter.validate.checks import CheckError, _first_difference, _problems, check
from exporter.validate.outputs import BIB, CSL, RIS, _csl_items, _norm
from exporter.validate.tools import INSTALL, _run, _tool


def _family(name: dict[str, Any]) -> str:
    """A CSL name's family name with its particles: refs.json writes `van Gennep` as the family, citation-js
    reads it from refs.bib as the particle `van` and the family `Gennep`."""
    family = name.get("family") or name.get("literal")
    parts = (name.get("dropping-particle"), name.get("non-dropping-particle"), family)
    return _norm(" ".join(str(p) for p in parts if p))


def _family_names(names: Any) -> list[str]:
    return [_family(n) for n in names or []]


def _ris_family_names(names: Any, want: Any) -> list[str]:
    """The family names citation-js reads from refs.ris, against refs.json's names `want`.

    RIS `AU` has no escape for a comma, so a name with no given name whose family name has commas (an
    organisation) is read back split into family, given and suffix: joined back with ", " it is that name.
    """
    families = _family_names(names)
    for i, (name, wanted) in enumerate(zip(names or [], want or [])):
        whole = _norm(", ".join(str(name[k]) for k in ("family", "given", "suffix") if name.get(k)))
        if not wanted.get("given") and whole == _family(wanted):
            families[i] = whole
    return families


def citationjs_dir() -> Path:
    """tools/citationjs: $EXPORTER_CITATIONJS, else beside this package in a checkout, else under the cwd."""
    if os.environ.get("EXPORTER_CITATIONJS"):
        return Path(os.environ["EXPORTER_CITATIONJS"])
    beside = Path(__file__).resolve().parents[2] / "tools" / "citationjs"
    return beside if beside.is_dir() else Path.cwd() / "tools" / "citationjs"


@check("citation-js")
def check_citationjs(outputs: Path) -> str:
    """citation-js parses refs.ris, refs.bib and refs.json: same papers, titles and family names as refs.json."""
    items = _csl_items(outputs)
    node = _tool("node")
    tool = citationjs_dir()
    if not (tool / "node_modules" / "@citation-js" / "core").is_dir() or not (tool / "read.js").is_file():
        raise CheckError(f"citation-js not installed in {tool}: install {INSTALL['citation-js']}")
    files = [str((outputs / name).resolve()) for name in (RIS, BIB, CSL)]
    for path in files:
        if not Path(path).is_file():
            raise CheckError(f"{path} not found: run 'exporter build' first")
    proc = _run([node, str(tool / "read.js"), *files], tool)
    if proc.returncode:
        raise _problems("citation-js", proc.stderr.strip().splitlines() or [f"node exited {proc.returncode}"])
    parsed = json.loads(proc.stdout)
    want = [(str(i.get("id")), _norm(i.get("title", "")), _family_names(i.get("author"))) for i in items]
    problems = []
    for path, name in zip(files, (RIS, BIB, CSL)):
        got = [(str(i.get("id")), _norm(i.get("title", "")), i.get("author")) for i in parsed[path]]
        if [w[0] for w in want] != [g[0] for g in got]:
            problems.append(f"{name}: {len(got)} entries {_first_difference([w[0] for w in want], [g[0] for g in got])}")
            continue
        for (key, title, families), (_, got_title, got_names), item in zip(want, got, items):
            got_families = (_ris_family_names(got_names, item.get("author")) if name == RIS
                            else _family_names(got_names))
            if title != got_title:
                problems.append(f"{name} {key}: title {got_title!r} != {title!r}")
            if families != got_families:
                problems.append(f"{name} {key}: family names {got_families} != {families}")
    if problems:
        raise _problems(f"{len(problems)} difference(s) from refs.json", problems)
    return f"{len(items)} entries in refs.ris, refs.bib and refs.json; ids, titles and family names agree"
