"""Read a BibTeX or biblatex file into papers: the arXiv and Anthology ids its entries name, full records otherwise.

Parsed with bibtexparser v2 (which expands @string macros); `crossref` and `xdata` are resolved as
BibTeX and biber do; values are decoded from LaTeX (`exporter.readers.bibvalues`). Every citation key
is kept. A malformed name, macro or field is reported for its entry, and the rest of the file imports.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from exporter.errors import IdentifierError
from exporter.ids import KINDS, Identifier, parse_id
from exporter.text import clean
from exporter.readers.base import Found, Imported, author_value
from exporter.readers.bibvalues import Problems, date_of, decode, names, pages, url_of
from exporter.sources import KEY_RE

# BibTeX and biblatex entry types -> CSL type of a manual entry (sources.TYPES; anything else is a "document").
_TYPES = {
    "inproceedings": "paper-conference", "conference": "paper-conference", "incollection": "chapter",
    "inreference": "chapter", "article": "article-journal",
    "techreport": "report", "report": "report", "online": "webpage", "electronic": "webpage", "www": "webpage",
    "book": "book", "mvbook": "book", "bookinbook": "book", "collection": "book", "mvcollection": "book",
    "proceedings": "book", "mvproceedings": "book", "reference": "book", "mvreference": "book", "manual": "book",
    "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis",
}
# `arXiv preprint arXiv:2109.01652`, `arXiv:2109.01652`, `abs/2109.01652` (DBLP's CoRR volume), and
# Google Scholar's old-style `arXiv preprint hep-th/9711200`.
_ARXIV_IN_TEXT = re.compile(
    r"(?i)(?:\barxiv(?:\s+preprint)?\s*:?\s*|\babs/)([a-z\-]*(?:\.[a-z]{2})?/?[0-9][0-9.]*(?:v[0-9]+)?)")
_ARXIV_VENUE = re.compile(r"(?i)\barxiv\b|^\s*corr\b")
_PUBLISHED_TYPES = ("inproceedings", "conference", "article", "incollection", "inbook")
# Fields a child does not take from its `crossref` parent: its own title, people, ids and links (biber's
# defaults, plus the ids: a chapter is not the book). The parent's title becomes the child's booktitle.
_NOT_INHERITED = frozenset(
    "title subtitle titleaddon shorttitle sorttitle indextitle indexsorttitle author ids crossref xref xdata "
    "entryset label shorthand sortkey options key doi url eprint eprinttype eprintclass archiveprefix primaryclass "
    "arxivid biburl bibsource isbn pages abstract note annotation annote keywords file urldate chapter".split())
# The fields read (the others are left alone: a 10,000-entry file has 100,000 fields).
_READ = frozenset(
    "title subtitle booksubtitle author editor year date month journal journaltitle booktitle maintitle volume "
    "number issue pages publisher institution school organization doi url eprint eprinttype eprintclass "
    "archiveprefix primaryclass arxivid biburl note howpublished abstract keywords crossref xdata "
    "edition series chapter isbn issn ids".split())
# Entries that are no paper: biblatex's @set groups others, @xdata holds fields for others.
_NOT_PAPERS = {"set": "groups other entries, each imported by itself", "xdata": "holds fields for other entries"}


@dataclass
class _Raw:
    """One entry as read: its values (lower-case field names, macros expanded), before crossref is resolved."""

    line: int
    key: str
    kind: str
    values: dict[str, str]
    problems: list[tuple[int, str]] = field(default_factory=list)
    usable_key: bool = True


def read(text: str) -> Imported:
    """Read BibTeX: one paper per entry with a title or an id; failed blocks, duplicates and bad keys are reported."""
    skipped: list[tuple[int, str]] = []
    raws = _parsed(text, skipped)
    by_key = {r.key.lower(): r for r in reversed(raws) if r.usable_key}  # the first of a key wins
    for raw in raws:  # biblatex's `ids`: other keys of the entry, which crossref and xdata may name
        for alias in raw.values.get("ids", "").split(","):
            by_key.setdefault(alias.strip().lower(), raw)
    papers: list[Found] = []
    keys: dict[str, int] = {}
    for raw in raws:
        if raw.kind in _NOT_PAPERS:
            if raw.kind == "set":  # an @xdata entry is read into the entries that name it
                skipped.append((raw.line, f"@set {raw.key!r}: it {_NOT_PAPERS[raw.kind]}"))
            continue
        problems = Problems(raw.line, raw.key)
        try:
            values = _resolved(raw, by_key, problems)
            found = _entry(raw.line, raw.key if raw.usable_key else "", raw.kind, values, problems)
        except Exception as exc:  # noqa: BLE001 - someone's .bib must never stop the import of the rest
            skipped += raw.problems + problems.lines
            skipped.append((raw.line, f"entry {raw.key!r} could not be read ({type(exc).__name__}: {exc}); left out"))
            continue
        skipped += raw.problems + problems.lines
        if found and "key" in found.fields:
            # BibTeX and biber compare keys ignoring case; bibtexparser only reports exact repeats.
            if (first := keys.setdefault(found.fields["key"].lower(), raw.line)) != raw.line:
                skipped.append((raw.line, f"key {raw.key!r} repeats the key at line {first} (ignoring case); left out"))
                del found.fields["key"]
        if found:
            papers.append(found)
    return Imported({}, papers, sorted(skipped))


def _parsed(text: str, skipped: list[tuple[int, str]]) -> list[_Raw]:
    """The file's entries as bibtexparser parses them (`_entries`). Its library is let go on return: the frames
    LaTeX decoding leaves in cycles (pylatexenc's) keep `read`'s until a full collection, which an import skips
    (`app.import_file`)."""
    import bibtexparser

    # bibtexparser logs each failure with 0-based line numbers; they are reported below instead.
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        library = bibtexparser.parse_string(_without_comments(text))
    finally:
        logger.setLevel(level)
    strings = {key.lower(): block.value for key, block in library.strings_dict.items()}
    raws = _entries(library.blocks, strings, skipped)
    for block in library.failed_blocks:  # their exceptions' tracebacks hold the parser's frames, with the library
        block.error.__traceback__ = None
    return raws


_TRAILING_COMMENT = re.compile(r",[ \t]*%.*$", re.MULTILINE)
_COMMENT_LINE = re.compile(r"\n[ \t]*%")


def _without_comments(text: str) -> str:
    """`text` without the `%` comments between an entry's fields, as biber reads them: a line starting with `%`
    and a `% ...` after a field's comma, outside any value (bibtexparser took `% note\n  eprint` for one
    field's name, and lost the eprint). Lines are blanked, not removed: line numbers stay."""
    if not (text.lstrip(" \t").startswith("%") or _COMMENT_LINE.search(text) or _TRAILING_COMMENT.search(text)):
        return text  # most files: no line starts with %, no % after a comma
    lines = text.split("\n")
    # Outside any value: braces open before the line at most 1 (between the fields of an @entry{...}; 0 in an
    # @entry(...)), and no "quoted value" open. A quote counts at brace depth 1 or less, as BibTeX reads it.
    depth, quoted = 0, False
    for number, line in enumerate(lines):
        if "%" in line:
            if depth <= 1 and not quoted and line.lstrip().startswith("%"):
                lines[number] = ""
                continue
            if m := _TRAILING_COMMENT.search(line):
                at_comma = _state(line[:m.start()], depth, quoted)
                if at_comma[0] <= 1 and not at_comma[1]:
                    line = lines[number] = line[:m.start() + 1]
        depth, quoted = _state(line, depth, quoted)
    return "\n".join(lines)


_TOKEN = re.compile(r'\\.|[{}"]')


def _state(text: str, depth: int, quoted: bool) -> tuple[int, bool]:
    """Brace depth and whether a quoted value is open, after `text` (escaped characters skipped)."""
    for token in _TOKEN.findall(text):
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(0, depth - 1)
        elif token == '"' and depth <= 1:
            quoted = not quoted
    return depth, quoted


def _entries(blocks: list[Any], strings: dict[str, str], skipped: list[tuple[int, str]]) -> list[_Raw]:
    """Every entry of the file in order, with the entries bibtexparser set aside that can still be read:
    one with a field given twice (the first value is kept, as BibTeX does) and one repeating an unusable
    key (Zotero's `????`)."""
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, ParsingFailedBlock

    raws: list[_Raw] = []
    for block in blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, Entry):
            values, undefined = {}, []
            for f in block.fields:
                if (name := f.key.lower()) in _READ and name not in values:
                    values[name] = _value(str(f.value), f.enclosing != "no-enclosing", strings, undefined, name)
            raws.append(_Raw(line, block.key, block.entry_type.lower(), values))
            raws[-1].problems += _undefined(line, block.key, undefined)
        elif isinstance(block, DuplicateFieldKeyBlock) and isinstance(block.ignore_error_block, Entry):
            raws.append(_unprocessed(line, block.ignore_error_block, strings))
            for name in sorted(block.duplicate_keys):
                raws[-1].problems.append((line, f"the second {name!r} of entry {raws[-1].key!r} (a field given twice; "
                                                "the first is kept)"))
        elif isinstance(block, DuplicateBlockKeyBlock):
            duplicate = block.ignore_error_block
            if not KEY_RE.match(block.key) and isinstance(duplicate, Entry):
                raws.append(_unprocessed(line, duplicate, strings))
                raws[-1].usable_key = False
            else:
                first = block.previous_block.start_line
                where = f" (first at line {first + 1})" if first is not None else ""
                skipped.append((line, f"duplicate key {block.key!r}{where}: this entry is left out"))
        elif isinstance(block, ParsingFailedBlock):
            reason = getattr(block.error, "abort_reason", "") or str(block.error) or type(block.error).__name__
            skipped.append((line, f"block not parsed: {' '.join(reason.split())}"))
    for raw in raws:
        if not KEY_RE.match(raw.key):
            raw.usable_key = False
            raw.problems.append((raw.line, f"citation key {raw.key!r}: it may only contain letters, digits and "
                                           "_:-.+/, so exporter assigns the entry one"))
    return raws


def _unprocessed(line: int, entry: Any, strings: dict[str, str]) -> _Raw:
    """An entry bibtexparser's middlewares did not reach: enclosures and macros are resolved here."""
    values: dict[str, str] = {}
    undefined: list[tuple[str, str]] = []
    for f in entry.fields:
        if (name := f.key.lower()) in _READ and name not in values:
            values[name] = _value(str(f.value), False, strings, undefined, name)
    return _Raw(line, entry.key, entry.entry_type.lower(), values, _undefined(line, entry.key, undefined))


def _undefined(line: int, key: str, undefined: list[tuple[str, str]]) -> list[tuple[int, str]]:
    return [(line, f"macro {macro!r} in the {name} of entry {key!r} is not defined in the file (an @string of "
                   "another file?); read as its name") for name, macro in undefined]


# BibTeX's own macros: the months (`month = jan`; `"Published " # jan` is "Published January").
_MONTH_MACROS = {m[:3].lower(): m for m in ("January February March April May June July August September October "
                                           "November December").split()}


def _value(value: str, enclosed: bool, strings: dict[str, str], undefined: list[tuple[str, str]] | None = None,
           name: str = "") -> str:
    """A field value with `#` concatenations of strings and macros joined (bibtexparser expands only a lone
    macro); `enclosed`: bibtexparser has already removed the braces or quotes around it. A macro the file does
    not define is read as its name, and added to `undefined` (with the field's `name`)."""
    if enclosed:
        return value
    parts, depth, quoted, current = [], 0, False, []
    for char in value:
        depth += {"{": 1, "}": -1}.get(char, 0)
        quoted = not quoted if char == '"' and depth == 0 else quoted
        if char == "#" and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    out = []
    for part in (p.strip() for p in parts):
        if part[:1] in ('"', "{") and len(part) > 1:
            out.append(part[1:-1])
        elif part.lower() in strings:
            out.append(strings[part.lower()])
        elif part.lower() in _MONTH_MACROS:
            out.append(_MONTH_MACROS[part.lower()] if len(parts) > 1 else part)  # alone, date_of reads it
        else:
            if undefined is not None and part and not part.isdigit():
                undefined.append((name, part))
            out.append(part)
    return "".join(out)


def _resolved(raw: _Raw, by_key: dict[str, _Raw], problems: Problems,
              chain: frozenset[str] = frozenset()) -> dict[str, str]:
    """The entry's values with those it inherits: every field of its `xdata` entries, and what its `crossref`
    parent has and it lacks (the parent's title as its booktitle), as BibTeX and biber resolve them.
    `chain`: the keys of the entries that inherit from this one (a cycle is reported, not followed)."""
    values = dict(raw.values)
    chain = chain | {raw.key.lower()}
    for name in ("xdata", "crossref"):
        seen = set(chain)
        refs = [r.strip() for r in values.get(name, "").split(",") if r.strip()] if name == "xdata" else \
            [values.get("crossref", "").strip()] if values.get("crossref", "").strip() else []
        for ref in refs:
            parent = by_key.get(ref.lower())
            if parent is None:
                problems.add(f"{name} {ref!r} names no entry of the file: the fields it would give are missing")
                continue
            if ref.lower() in seen:
                problems.add(f"{name} {ref!r} refers back to the entry; not followed")
                continue
            seen.add(ref.lower())
            # (An @xdata entry may itself name @xdata entries: all of their fields are inherited.)
            inherited = _resolved(parent, by_key, Problems(parent.line, parent.key), chain)
            for k, v in inherited.items():
                if name == "xdata" or k not in _NOT_INHERITED:
                    values.setdefault(k, v)
            if name == "crossref":
                for own, child in (("title", "booktitle"), ("subtitle", "booksubtitle")):
                    if inherited.get(own):
                        values.setdefault(child, inherited[own])
    return values


def _try(kind: str, candidate: str) -> Identifier | None:
    try:
        return parse_id(candidate, kind)
    except IdentifierError:
        return None


# What a URL or DOI must mention for it to be worth asking an identifier kind (parse_id is not free, and a
# 10,000-entry .bib has as many URLs and DOIs).
_MAY_BE = {
    "arxiv": re.compile(r"(?i)arxiv|huggingface|alphaxiv|^[\w.\-/]+$"),
    "acl": re.compile(r"(?i)aclanthology|aclweb|10\.18653|^[\w.\-]+$"),
}


def _try_link(kind: str, candidate: str) -> Identifier | None:
    return _try(kind, candidate) if candidate and _MAY_BE[kind].search(candidate) else None


def _ids(key: str, values: dict[str, str]) -> dict[str, Identifier]:
    """The arXiv, Anthology and DBLP ids an entry names, in any of the forms exporters write (DBLP's own
    export: its `DBLP:` key and `biburl`; its CoRR entries name arXiv papers; Mendeley's `arxivid`)."""
    url, doi = url_of(values.get("url", "")), url_of(values.get("doi", ""))
    arxiv = None
    prefix = (values.get("archiveprefix") or values.get("eprinttype") or "arxiv").strip().lower()
    if values.get("eprint") and prefix == "arxiv":
        eprint = values["eprint"].strip()
        arxiv = _try("arxiv", eprint)
        archive = (values.get("eprintclass") or values.get("primaryclass") or "").strip()
        if arxiv is None and archive and re.fullmatch(r"\d{7}(?:v\d+)?", eprint):  # an old id: math/0307200
            arxiv = _try("arxiv", f"{archive}/{eprint}") or _try("arxiv", f"{archive.split('.')[0]}/{eprint}")
    arxiv = arxiv or (_try("arxiv", values["arxivid"].strip()) if values.get("arxivid") else None)
    arxiv = arxiv or _try_link("arxiv", doi) or _try_link("arxiv", url)
    if arxiv is None:
        for name in ("journal", "journaltitle", "booktitle", "volume", "number", "note", "howpublished", "publisher"):
            # `Ar{X}iv:1810.05934`: braces protect the case; they are no part of the id.
            text = values.get(name, "").replace("{", "").replace("}", "")
            if "rxiv" in text.lower() or "abs/" in text.lower():
                for m in _ARXIV_IN_TEXT.finditer(text):
                    arxiv = arxiv or _try("arxiv", m[1].rstrip("."))
    ids = {"arxiv": arxiv, "acl": _try_link("acl", url) or _try_link("acl", doi)}
    biburl = url_of(values.get("biburl", ""))
    dblp = (_try("dblp", biburl) if biburl else None) or (_try("dblp", key) if key.startswith("DBLP:") else None)
    if dblp is not None:
        ids[dblp.kind] = ids.get(dblp.kind) or dblp  # a CoRR entry's key is its arXiv id
    return {kind: ident for kind, ident in ids.items() if ident is not None}


def _venue(values: dict[str, str]) -> str:
    """Where the paper appeared: biblatex's journaltitle, BibTeX's journal or booktitle, else the multi-volume
    work a volume belongs to, else how it was published."""
    venue = values.get("booktitle") or values.get("journaltitle") or values.get("journal") or values.get("maintitle")
    # Else how it was published ("GitHub repository"), unless that is only its link (read as its url).
    published = values.get("howpublished", "")
    if not venue and not re.fullmatch(r"\s*(?:\\(?:url|href)\{[^}]*\}(?:\{[^}]*\})?|https?://\S+)\s*", published):
        venue = published
    return venue or ""


def _published(values: dict[str, str], problems: Problems) -> dict[str, Any]:
    """Venue, year, volume, issue, pages, publisher and DOI of a paper (the overrides, or part of a manual record)."""
    out: dict[str, Any] = {}
    venue = decode(_venue(values), "venue", problems)
    if venue:
        out["venue"] = venue
    year, _ = date_of(values)
    if year is not None:
        out["year"] = year
    volume = decode(values.get("volume", ""), "volume", problems)
    if volume and not volume.lower().startswith("abs/"):  # DBLP's CoRR "volume" is the arXiv id
        out["volume"] = volume
    issue = decode(values.get("number") or values.get("issue") or "", "number", problems)
    if issue:
        out["issue"] = issue
    pages_ = pages(decode(values.get("pages", ""), "pages", problems))
    if pages_:
        out["pages"] = pages_
    publisher = next((values[k] for k in ("publisher", "institution", "school", "organization") if values.get(k)), "")
    if publisher:
        out["publisher"] = decode(publisher, "publisher", problems)
    for name in ("edition", "series", "chapter", "isbn", "issn"):
        if value := decode(values.get(name, ""), name, problems):
            out[name] = value
    doi = re.sub(r"(?i)^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", url_of(values.get("doi", "")))
    if doi and not _try("arxiv", doi):
        out["doi"] = doi
    return out


def _title(values: dict[str, str], problems: Problems) -> str:
    """The title, with biblatex's subtitle after a colon (as CSL styles join them)."""
    title = decode(values.get("title", ""), "title", problems)
    subtitle = decode(values.get("subtitle", ""), "subtitle", problems)
    if title and subtitle:
        return f"{title}{'' if title[-1] in ':?!.' else ':'} {subtitle}"
    return title


def _entry(line: int, key: str, kind: str, values: dict[str, str], problems: Problems) -> Found | None:
    fields: dict[str, Any] = {}
    if key:
        fields["key"] = key
    # Keywords (Zotero's and JabRef's tags) become the entry's tags: RIS KW, the README's tags.
    tags = [t for t in (clean(w) for w in re.split(r"[,;]", decode(values.get("keywords", ""), "keywords", problems)))
            if t]
    if tags:
        fields["tags"] = list(dict.fromkeys(tags))
    ids = _ids(key, values)
    title = _title(values, problems)
    venue = _venue(values)
    year, month = date_of(values)
    if ids:
        first = names(values.get("author", ""), "author", Problems(line, key), first_only=True)
        published = any(KINDS[k].published for k in ids)
        if kind in _PUBLISHED_TYPES and venue and not _ARXIV_VENUE.search(re.sub(r"[{}]", "", venue)) \
                and not published:
            # Published somewhere arXiv does not know of: cite it as published.
            fields.update(_published(values, problems))
        return Found(line, ids, title, fields, year=year, family=first[0].family if first else "")
    if not title:
        problems.add(f"entry {key or '?'!r} has no arXiv or Anthology id and no title; left out", plain=True)
        return None

    fields["title"] = title
    people = [n for n in names(values.get("author", ""), "author", problems) if n.family.lower() != "others"]
    editors = [n for n in names(values.get("editor", ""), "editor", problems) if n.family.lower() != "others"]
    if people:
        fields["authors"] = [author_value(n) for n in people]
    if editors:
        fields["editors"] = [author_value(n) for n in editors]
    if not people and editors:
        # A proceedings volume or a collection: its editors are who it is by, and a manual entry needs
        # authors (BibTeX styles and CSL put the editors first when there are no authors too).
        fields["authors"] = fields["editors"]
        people = editors
    fields["type"] = _type(kind, values)
    fields.update(_published(values, problems))
    if month and "year" in fields:
        fields["month"] = month
    # No url field: the \url{...} or \href{...} Google Scholar and others put in howpublished or note.
    inline = re.search(r"\\(?:url|href)\{(https?://[^}\s]+)\}", values.get("howpublished", "") + values.get("note", ""))
    url = url_of(values.get("url", "")) or (url_of(inline[1]) if inline else "")
    if re.fullmatch(r"https?://\S+", url):
        fields["url"] = url
    elif url:
        problems.add(f"url {url!r} (not an http(s) URL)")
    # The note printed in the reference; not one that only held the url read above.
    note = decode(re.sub(r"\\(?:url|href)\{[^}]*\}(?:\{[^}]*\})?", "", values.get("note", "")), "note", problems)
    if re.search(r"\w", note):
        fields["bibnote"] = clean(note)
    abstract = decode(values.get("abstract", ""), "abstract", problems)
    if abstract:
        fields["abstract"] = abstract
    return Found(line, {}, title, fields, year=fields.get("year"), family=people[0].family if people else "")


def _type(kind: str, values: dict[str, str]) -> str:
    """The CSL type of an entry type; BibTeX's @inbook without a booktitle is a part of a book: the book. A
    @book that gives a booktitle of its own (not one inherited through crossref) is a chapter of that book,
    written as a @book by mistake (BibTeX styles ignore a book's booktitle)."""
    if kind == "inbook" or kind == "book" and not values.get("crossref") and values.get("booktitle") \
            and values["booktitle"] != values.get("title"):
        return "chapter" if values.get("booktitle") else "book"
    return _TYPES.get(kind, "document")
