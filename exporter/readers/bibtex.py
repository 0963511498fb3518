"""Read a BibTeX file into papers: the arXiv and Anthology ids its entries name, full records otherwise.

Parsed with bibtexparser v2 (which expands @string macros); values are decoded from LaTeX like the
Anthology's records (`exporter.model.from_latex`). Every citation key is kept.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from exporter.errors import IdentifierError
from exporter.ids import KINDS, Identifier, parse_id
from exporter.text import decode_latex  # as model.from_latex, fast on plain brace groups
from exporter.model import MONTHS, bibtex_names, clean
from exporter.readers.base import Found, Imported, author_value
from exporter.sources import KEY_RE

# BibTeX entry type -> CSL type of a manual entry (anything else is a "document").
_TYPES = {
    "inproceedings": "paper-conference", "conference": "paper-conference", "article": "article-journal",
    "techreport": "report", "report": "report", "online": "webpage", "electronic": "webpage", "www": "webpage",
    "book": "book", "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis",
}
# `arXiv preprint arXiv:2109.01652`, `arXiv:2109.01652`, `abs/2109.01652` (DBLP's CoRR volume).
_ARXIV_IN_TEXT = re.compile(r"(?i)(?:\barxiv\s*:?\s*|\babs/)([a-z\-]*(?:\.[a-z]{2})?/?[0-9][0-9.]*(?:v[0-9]+)?)")
_ARXIV_VENUE = re.compile(r"(?i)\barxiv\b|^\s*corr\b")
_PUBLISHED_TYPES = ("inproceedings", "conference", "article", "incollection")


def read(text: str) -> Imported:
    """Read BibTeX: one paper per entry with a title or an id; failed blocks, duplicates and bad keys are reported."""
    import bibtexparser
    from bibtexparser.model import DuplicateBlockKeyBlock

    # bibtexparser logs each failure with 0-based line numbers; they are reported below instead.
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        library = bibtexparser.parse_string(text)
    finally:
        logger.setLevel(level)
    skipped: list[tuple[int, str]] = []
    for block in library.failed_blocks:
        if isinstance(block, DuplicateBlockKeyBlock):
            first = block.previous_block.start_line
            where = f" (first at line {first + 1})" if first is not None else ""
            skipped.append(((block.start_line or 0) + 1, f"duplicate key {block.key!r}{where}: this entry is left out"))
        else:
            reason = getattr(block.error, "abort_reason", "") or str(block.error) or type(block.error).__name__
            skipped.append(((block.start_line or 0) + 1, f"block not parsed: {clean(reason)}"))
    strings = {key.lower(): block.value for key, block in library.strings_dict.items()}
    papers: list[Found] = []
    keys: dict[str, int] = {}
    for entry in library.entries:
        line = (entry.start_line or 0) + 1
        values = {f.key.lower(): _value(f.value, f.enclosing, strings) for f in entry.fields}
        found, problems = _entry(line, entry.key, entry.entry_type.lower(), values)
        skipped += problems
        if found and "key" in found.fields:
            # BibTeX and biber compare keys ignoring case; bibtexparser only reports exact repeats.
            if (first := keys.setdefault(found.fields["key"].lower(), line)) != line:
                skipped.append((line, f"key {entry.key!r} repeats the key at line {first} (ignoring case); left out"))
                del found.fields["key"]
        if found:
            papers.append(found)
    return Imported({}, papers, sorted(skipped))


def _value(raw: Any, enclosing: str | None, strings: dict[str, str]) -> str:
    """A field value with `#` concatenations of strings and macros joined (bibtexparser expands only a lone macro)."""
    value = str(raw)
    if enclosing != "no-enclosing" or "#" not in value:
        return value
    parts, depth, quoted, current = [], 0, False, ""
    for char in value:
        depth += {"{": 1, "}": -1}.get(char, 0)
        quoted = not quoted if char == '"' and depth == 0 else quoted
        if char == "#" and depth == 0 and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    out = []
    for part in (p.strip() for p in parts):
        if part[:1] in ('"', "{"):
            out.append(part[1:-1])
        else:
            out.append(strings.get(part.lower(), part))
    return "".join(out)


def _try(kind: str, candidate: str) -> Identifier | None:
    try:
        return parse_id(candidate, kind)
    except IdentifierError:
        return None


def _url(value: str) -> str:
    """A URL as BibTeX writers escape it (`\\url{...}`, `paper\\_files`) made plain."""
    value = re.sub(r"^\s*\\url\{(.*)\}\s*$", r"\1", value.strip())
    return re.sub(r"\{?\\([_%&#$~])\}?", r"\1", value).strip()


def _ids(key: str, values: dict[str, str]) -> dict[str, Identifier]:
    """The arXiv, Anthology and DBLP ids an entry names, in any of the forms exporters write (DBLP's own
    export: its `DBLP:` key and `biburl`; its CoRR entries name arXiv papers)."""
    url, doi = _url(values.get("url", "")), _url(values.get("doi", ""))
    arxiv = None
    prefix = (values.get("archiveprefix") or values.get("eprinttype") or "arxiv").strip().lower()
    if values.get("eprint") and prefix == "arxiv":
        arxiv = _try("arxiv", values["eprint"])
    arxiv = arxiv or _try("arxiv", doi) or _try("arxiv", url)
    for name in ("journal", "booktitle", "volume", "note", "howpublished", "publisher"):
        for m in _ARXIV_IN_TEXT.finditer(values.get(name, "")):
            arxiv = arxiv or _try("arxiv", m[1].rstrip("."))
    ids = {"arxiv": arxiv, "acl": _try("acl", url) or _try("acl", doi)}
    dblp = _try("dblp", _url(values.get("biburl", ""))) or (_try("dblp", key) if key.startswith("DBLP:") else None)
    if dblp is not None:
        ids[dblp.kind] = ids.get(dblp.kind) or dblp  # a CoRR entry's key is its arXiv id
    return {kind: ident for kind, ident in ids.items() if ident is not None}


def _month(value: str) -> int | None:
    text = value.strip().lower().rstrip(".")
    if text.isdigit():
        return int(text) if 1 <= int(text) <= 12 else None
    return next((i for i, name in enumerate(MONTHS, start=1) if text.startswith(name)), None)


def _published(values: dict[str, str]) -> dict[str, Any]:
    """Venue, year, pages, publisher and DOI of a paper (the overrides, or part of a manual record)."""
    out: dict[str, Any] = {}
    venue = decode_latex(values.get("booktitle") or values.get("journal") or "")
    if venue:
        out["venue"] = venue
    date = re.match(r"\s*(\d{4})(?:-(\d{2}))?", values.get("year") or values.get("date") or "")
    if date:
        out["year"] = int(date[1])
    pages = re.sub(r"\s*(?:-+|\u2013|\u2014)\s*", "-", decode_latex(values.get("pages", "")))
    if pages:
        out["pages"] = pages
    publisher = next((values[k] for k in ("publisher", "institution", "school", "organization") if values.get(k)), "")
    if publisher:
        out["publisher"] = decode_latex(publisher)
    doi = re.sub(r"(?i)^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", _url(values.get("doi", "")))
    if doi and not _try("arxiv", doi):
        out["doi"] = doi
    return out


def _entry(line: int, key: str, kind: str, values: dict[str, str]) -> tuple[Found | None, list[tuple[int, str]]]:
    problems: list[tuple[int, str]] = []
    fields: dict[str, Any] = {}
    if KEY_RE.match(key):
        fields["key"] = key
    else:
        problems.append((line, f"citation key {key!r} may only contain letters, digits and _:-.+/; left out"))
    ids = _ids(key, values)
    title = decode_latex(values.get("title", ""))
    venue = values.get("booktitle") or values.get("journal") or ""
    if ids:
        published = any(KINDS[k].published for k in ids)
        if kind in _PUBLISHED_TYPES and venue and not _ARXIV_VENUE.search(venue) and not published:
            # Published somewhere arXiv does not know of: cite it as published.
            fields.update(_published(values))
        return Found(line, ids, title, fields), problems
    if not title:
        problems.append((line, f"entry {key!r} has no arXiv or Anthology id and no title; left out"))
        return None, problems

    fields["title"] = title
    names = [n for n in bibtex_names(values.get("author", "")) if n.family.lower() != "others"]
    if names:
        fields["authors"] = [author_value(n) for n in names]
    fields["type"] = _TYPES.get(kind, "document")
    fields.update(_published(values))
    date = re.match(r"\s*\d{4}-(\d{2})", values.get("date", ""))
    month = _month(values.get("month", "")) or (int(date[1]) if date and 1 <= int(date[1]) <= 12 else None)
    if month and "year" in fields:
        fields["month"] = month
    # No url field: the \url{...} or \href{...} Google Scholar and others put in howpublished or note.
    inline = re.search(r"\\(?:url|href)\{(https?://[^}\s]+)\}", values.get("howpublished", "") + values.get("note", ""))
    url = _url(values.get("url", "")) or (_url(inline[1]) if inline else "")
    if re.fullmatch(r"https?://\S+", url):
        fields["url"] = url
    elif url:
        problems.append((line, f"entry {key!r}: url {url!r} is not an http(s) URL; left out"))
    abstract = decode_latex(values.get("abstract", ""))
    if abstract:
        fields["abstract"] = abstract
    return Found(line, {}, title, fields), problems
