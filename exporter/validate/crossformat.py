"""Across formats: refs.bib, refs.ris, README.md (and refs.yml) carry the papers of refs.json."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import unquote

from exporter.validate.checks import _first_difference, _problems, check
from exporter.validate.outputs import BIB, CSL, MARKDOWN, RIS, YML, _csl_items, _norm, _read
from exporter.validate.papers import (Paper, _bib_papers, _csl_papers, _markdown_tokens, _ris_papers, _yml_papers,
                                      listed_papers)
from exporter.validate.tools import _module


def _compare(name: str, want: Sequence[Paper], got: Sequence[Paper], fields: Sequence[str]) -> list[str]:
    if [p.key for p in want] != [p.key for p in got]:
        return [f"{name}: {len(got)} papers {_first_difference([p.key for p in want], [p.key for p in got])}"]
    problems = []
    for w, g in zip(want, got):
        for field in fields:
            if getattr(w, field) != getattr(g, field):
                problems.append(f"{name} {w.key}: {field} {getattr(g, field)!r} != refs.json {getattr(w, field)!r}")
    return problems


def _display(name: dict[str, Any]) -> str:
    """A refs.json name as README.md shows it: `Given Family, Suffix` (`James Jolly, III`)."""
    shown = " ".join(_norm(str(name[k])) for k in ("given", "family") if name.get(k))
    shown = shown or _norm(str(name.get("literal", "")))
    return shown + (f", {_norm(str(name['suffix']))}" if name.get("suffix") else "")


def _unsplit(want: Sequence[Paper], got: Sequence[Paper]) -> list[Paper]:
    """refs.ris papers with each organisation's name read whole.

    RIS `AU` has no escape for a comma: a name with no given name whose family name has commas reads
    back as `Family, Given[, Suffix]`. Such an author is the refs.json name when its `AU` line is exactly it.
    """
    out = []
    for w, g in zip(want, got):
        authors = list(g.authors)
        for i, ((family, given), written) in enumerate(zip(w.authors, g.written)):
            if not given and written == family and i < len(authors):
                authors[i] = (family, given)
        out.append(replace(g, authors=tuple(authors)))
    return out + list(got[len(want):])


@check("cross-format")
def check_cross_format(outputs: Path) -> str:
    """refs.bib, refs.ris, README.md (and refs.yml if written) carry the papers, titles, authors, years, DOIs and URLs of refs.json."""
    want = _csl_papers(outputs)
    fields = ("title", "authors", "year", "doi", "url")
    problems = (_compare(BIB, want, _bib_papers(outputs), fields)
                + _compare(RIS, want, _unsplit(want, _ris_papers(outputs)), fields))
    if (outputs / YML).is_file():  # the Hayagriva output, when the list writes it
        problems += _compare(YML, want, _yml_papers(outputs), fields)
    bib_eprints = {e.key: e.fields_dict["eprint"].value for e in _module("bibtexparser").parse_string(
        _read(outputs, BIB)).entries if "eprint" in e.fields_dict}
    listed = listed_papers(_markdown_tokens(outputs))
    if len(listed) != len(want):
        problems.append(f"{MARKDOWN}: {len(listed)} papers listed, refs.json has {len(want)}")
    for paper, item, shown in zip(want, _csl_items(outputs), listed):
        if shown.title != paper.title:
            problems.append(f"{MARKDOWN} line {shown.line}: title {shown.title!r} != refs.json {paper.title!r}")
        authors = ", ".join(_display(name) for name in item.get("author", []))
        if shown.authors != authors:
            problems.append(f"{MARKDOWN} line {shown.line}: authors {shown.authors!r} != refs.json {authors!r}")
        # The list links the Anthology page or the arXiv abstract page: one of the paper's own addresses.
        # Compared percent-decoded: the list writes `(` in a link as `%28`.
        links = {paper.url, f"https://doi.org/{paper.doi}"} if paper.url or paper.doi else {""}
        if paper.key in bib_eprints:
            links.add(f"https://arxiv.org/abs/{bib_eprints[paper.key]}")
        link = unquote(shown.link)
        anthology = re.fullmatch(r"https://aclanthology\.org/([^/]+)/?", link)
        if link not in {unquote(a) for a in links} and not (anthology and paper.doi.endswith(anthology[1])):
            problems.append(f"{MARKDOWN} line {shown.line}: link {shown.link!r} is none of {paper.key}'s addresses")
    if problems:
        raise _problems(f"{len(problems)} difference(s)", problems)
    files = ", ".join([CSL, BIB, RIS] + ([YML] if (outputs / YML).is_file() else []))
    return (f"{len(want)} papers; titles, authors, years, DOIs and URLs agree in {files}; "
            f"titles, authors and links in README.md")
