"""Each output read back into what every format carries of a paper, for comparing them:
`Paper` from refs.json, refs.bib, refs.ris and refs.yml; `ListedPaper` from README.md's list."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from exporter.validate.checks import CheckError, _one_line
from exporter.validate.outputs import BIB, MARKDOWN, RIS, YML, _csl_items, _norm, _read
from exporter.validate.tools import _module


# --- README.md -----------------------------------------------------------------------


@dataclass(frozen=True)
class ListedPaper:
    """A paper as the Markdown list shows it: bold title, italic authors, `[[paper]](link)`."""

    title: str
    authors: str
    link: str
    line: int


def _inline_text(tokens: Sequence[Any]) -> str:
    return "".join(t.content if t.type in ("text", "code_inline") else " " if t.type == "softbreak" else ""
                   for t in tokens)


def _between(children: Sequence[Any], kind: str) -> str:
    """The text inside the first `kind` (strong, em) span of an inline token's children."""
    start = next((i for i, t in enumerate(children) if t.type == f"{kind}_open"), None)
    if start is None:
        return ""
    end = next(i for i in range(start, len(children)) if children[i].type == f"{kind}_close")
    return _inline_text(children[start + 1 : end])


def _markdown_tokens(outputs: Path) -> list[Any]:
    markdown_it = _module("markdown_it")
    return list(markdown_it.MarkdownIt("commonmark").parse(_read(outputs, MARKDOWN)))


def listed_papers(tokens: Sequence[Any]) -> list[ListedPaper]:
    """The list items whose first paragraph starts with a bold title: the papers, in order."""
    papers = []
    for i, token in enumerate(tokens):
        if token.type != "list_item_open":
            continue
        inlines = []
        for t in tokens[i + 1 :]:
            if t.type == "list_item_close" and t.level == token.level:
                break
            if t.type == "inline" and t.level == token.level + 2:
                inlines.append(t)
        # markdown-it starts an inline with an empty text token; the first real one must be bold.
        first = [c for c in (inlines[0].children or []) if c.type != "text" or c.content] if inlines else []
        if not first or first[0].type != "strong_open":
            continue
        rest = [c for t in inlines[1:] for c in t.children or []]
        link = next((c.attrs.get("href", "") for j, c in enumerate(rest) if c.type == "link_open"
                     and j + 1 < len(rest) and rest[j + 1].content == "[paper]"), "")
        papers.append(ListedPaper(_norm(_between(first, "strong")), _norm(_between(rest, "em")),
                                  str(link), (token.map or [0])[0] + 1))
    return papers


# --- refs.json, refs.bib, refs.ris, refs.yml ------------------------------------------


@dataclass(frozen=True)
class Paper:
    """What every format carries of a paper, normalised for comparison."""

    key: str
    title: str
    authors: tuple[tuple[str, str], ...]  # (family, given)
    year: str
    doi: str
    url: str
    # Each author as the file writes it, where that is one string (RIS `AU`); not compared.
    written: tuple[str, ...] = field(default=(), compare=False)


def _csl_papers(outputs: Path) -> list[Paper]:
    papers = []
    for item in _csl_items(outputs):
        names = tuple((_norm(n.get("family") or n.get("literal") or ""), _norm(n.get("given", "")))
                      for n in item.get("author", []))
        parts = item.get("issued", {}).get("date-parts", [[]])
        papers.append(Paper(str(item.get("id")), _norm(item.get("title", "")), names,
                            str(parts[0][0]) if parts and parts[0] else "", item.get("DOI", ""), item.get("URL", "")))
    return papers


def _bib_papers(outputs: Path) -> list[Paper]:
    from exporter.model import from_latex

    bibtexparser = _module("bibtexparser")
    from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names

    library = bibtexparser.parse_string(_read(outputs, BIB))
    if library.failed_blocks:
        block = library.failed_blocks[0]
        raise CheckError(f"{BIB}: bibtexparser failed on {len(library.failed_blocks)} block(s), first at line "
                         f"{block.start_line + 1}: {_one_line(str(block.error))[:120]}")
    papers = []
    for entry in library.entries:
        fields = {f.key.lower(): f.value for f in entry.fields}
        names = []
        for raw in split_multiple_persons_names(fields.get("author", "")):
            parts = parse_single_name_into_parts(raw)
            names.append((_norm(from_latex(" ".join(parts.von + parts.last))), _norm(from_latex(" ".join(parts.first)))))
        papers.append(Paper(entry.key, _norm(from_latex(fields.get("title", ""))), tuple(names),
                            # biblatex-native files have `date = {2021-09-03}` instead of `year`.
                            fields.get("year", fields.get("date", "")[:4]).strip(),
                            fields.get("doi", ""), fields.get("url", "")))
    return papers


def _ris_papers(outputs: Path) -> list[Paper]:
    rispy = _module("rispy")
    papers = []
    for record in rispy.loads(_read(outputs, RIS)):
        names = []
        for author in record.get("authors", []):
            family, _, given = author.partition(", ")
            names.append((_norm(family), _norm(given.split(", ")[0])))  # Family, Given[, Suffix]
        papers.append(Paper(str(record.get("id", "")), _norm(record.get("title", "")), tuple(names),
                            str(record.get("year", "")), record.get("doi", ""), (record.get("urls") or [""])[0],
                            tuple(_norm(a) for a in record.get("authors", []))))
    return papers


def hayagriva_text(value: Any) -> str:
    """The text of a Hayagriva formattable string: `{...}` (case kept) unbraced, `\\{` unescaped.

    A dict is its `value`. `$...$` (math) stays as written: the writers never produce it.
    """
    text = str(value.get("value", "")) if isinstance(value, dict) else str(value if value is not None else "")
    if isinstance(value, dict) and value.get("verbatim"):
        return text
    return re.sub(r"\\([\\{}$])|[{}]", lambda m: m[1] or "", text)


def _yml_papers(outputs: Path) -> list[Paper]:
    yaml = _module("yaml")
    try:
        data = yaml.safe_load(_read(outputs, YML))
    except yaml.YAMLError as exc:
        raise CheckError(f"{outputs / YML} is not YAML: {_one_line(str(exc))}") from exc
    papers = []
    for key, entry in (data or {}).items():
        people = entry.get("author") or []
        names = []
        for person in people if isinstance(people, list) else [people]:
            if isinstance(person, dict):
                names.append((_norm(str(person.get("name", ""))), _norm(str(person.get("given-name", "")))))
            else:  # "Family, Given"
                family, _, given = str(person).partition(",")
                names.append((_norm(family), _norm(given)))
        serial = entry.get("serial-number")
        doi = serial.get("doi", "") if isinstance(serial, dict) else ""
        url = entry.get("url") or ""
        papers.append(Paper(str(key), _norm(hayagriva_text(entry.get("title"))), tuple(names),
                            str(entry.get("date", ""))[:4], str(doi),
                            str(url.get("value", "") if isinstance(url, dict) else url)))
    return papers
