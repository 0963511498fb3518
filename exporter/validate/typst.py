"""Typst compiles a document citing every entry of refs.yml (Hayagriva) and of refs.bib."""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from exporter.validate.checks import CheckError, _one_line, _problems, check
from exporter.validate.outputs import BIB, YML, _letters, _read
from exporter.validate.papers import _bib_papers, hayagriva_text
from exporter.validate.tools import _module


# Typst's default style (ieee) numbers the bibliography in citation order: item i is key i.
_TYPST_DOC = "{cites}\n#bibliography({path})\n"
# The one warning of Typst's HTML export, which the content check reads (the PDF must be silent).
_HTML_EXPORT_WARNING = "html export is under active development"


@dataclass(frozen=True)
class Cited:
    """An entry as its bibliography file gives it: key, title and first author's family name."""

    key: str
    title: str
    family: str


def _typst_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _typst_where(diagnostic: str) -> str:
    """`refs.yml:16:9` from a Typst diagnostic's code frame, or ""."""
    m = re.search(r"\u250c\u2500 (\S+?):(\d+:\d+)", diagnostic or "")
    return f" at {Path(m[1]).name}:{m[2]}" if m else ""  # the file in the temporary folder


def _typst(outputs: Path, name: str, entries: Sequence[Cited]) -> str:
    """Cite every entry of `name` with `#cite(label(KEY))`, compile with Typst: no error, no warning,
    and each entry in the bibliography (Typst's HTML) with its title and first author."""
    import html

    typst = _module("typst")
    if not entries:
        raise CheckError(f"{name}: no entries to cite")
    with tempfile.TemporaryDirectory(prefix="exporter-typst-") as tmpname:
        tmp = Path(tmpname)
        shutil.copyfile(outputs / name, tmp / name)
        cites = "\n".join(f"#cite(label({_typst_string(e.key)}))" for e in entries)
        (tmp / "doc.typ").write_text(_TYPST_DOC.format(cites=cites, path=_typst_string(name)), encoding="utf-8")
        outputs_by_format = {}
        for fmt in ("pdf", "html"):
            try:
                out, warnings = typst.compile_with_warnings(str(tmp / "doc.typ"), root=str(tmp), format=fmt)
            except typst.TypstError as exc:
                hints = "".join(f" (hint: {_one_line(h)})" for h in getattr(exc, "hints", []) or [])
                raise CheckError(f"Typst error{_typst_where(getattr(exc, 'diagnostic', ''))}: "
                                 f"{_one_line(getattr(exc, 'message', '') or str(exc))}{hints}") from exc
            problems = [f"Typst warning{_typst_where(getattr(w, 'diagnostic', ''))}: "
                        f"{_one_line(getattr(w, 'message', '') or str(w))}" for w in warnings
                        if not (fmt == "html" and _HTML_EXPORT_WARNING in str(getattr(w, "message", w)))]
            if problems:
                raise _problems(f"{fmt.upper()}: {len(problems)} warning(s)", problems)
            outputs_by_format[fmt] = out
    page = outputs_by_format["html"].decode("utf-8", errors="replace")
    section = re.search(r'<section role="doc-bibliography">(.*?)</section>', page, re.S)
    if section is None:
        raise CheckError(f"no bibliography in Typst's HTML output of {name}: Typst 0.14 or later renders it")
    items = [_one_line(html.unescape(re.sub(r"<[^>]+>", " ", li)))
             for li in re.findall(r"<li\b[^>]*>(.*?)</li>", section[1], re.S)]
    problems = [] if len(items) == len(entries) else [f"{len(items)} bibliography items for {len(entries)} entries"]
    for entry, item in zip(entries, items):
        if _letters(entry.title) not in _letters(item):
            problems.append(f"{entry.key}: title {entry.title!r} not in its bibliography item {item[:80]!r}")
        if entry.family and _letters(entry.family) not in _letters(item):
            problems.append(f"{entry.key}: author {entry.family!r} not in its bibliography item {item[:80]!r}")
    if problems:
        raise _problems(f"{name} in Typst's bibliography: {len(problems)} problem(s)", problems)
    return (f"{len(entries)} entries cited and in Typst {getattr(typst, '__version__', '')}'s bibliography (ieee), "
            f"each with its title and first author; 0 errors, 0 warnings")


def _yml_entries(outputs: Path) -> list[Cited]:
    """refs.yml read with PyYAML: a mapping of citation keys to entries."""
    path = outputs / YML
    if not path.is_file():
        raise CheckError(f"{path} not found: this outputs folder has no Hayagriva file (refs.yml) for Typst")
    yaml = _module("yaml")
    try:
        data = yaml.safe_load(_read(outputs, YML))
    except yaml.YAMLError as exc:
        raise CheckError(f"{path} is not YAML: {_one_line(str(exc))}") from exc
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise CheckError(f"{path} is not a mapping of citation keys to entries")
    entries = []
    for key, entry in data.items():
        if not hayagriva_text(entry.get("title")).strip():
            raise CheckError(f"{path}: entry {key} has no title")
        authors = entry.get("author") or []
        first = authors[0] if isinstance(authors, list) and authors else authors
        family = first.get("name", "") if isinstance(first, dict) else str(first or "").split(",")[0]
        entries.append(Cited(str(key), hayagriva_text(entry.get("title")), str(family)))
    return entries


def _bib_entries(outputs: Path) -> list[Cited]:
    """refs.bib read with bibtexparser (as the cross-format check reads it)."""
    return [Cited(p.key, p.title, p.authors[0][0] if p.authors else "") for p in _bib_papers(outputs)]


@check("typst")
def check_typst(outputs: Path) -> str:
    """Typst compiles a document citing every entry of refs.yml (Hayagriva): no error or warning, all rendered."""
    return _typst(outputs, YML, _yml_entries(outputs))


@check("typst-bib")
def check_typst_bib(outputs: Path) -> str:
    """Typst compiles a document citing every entry of refs.bib: no error or warning, all rendered."""
    return _typst(outputs, BIB, _bib_entries(outputs))
