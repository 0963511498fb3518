"""refs.yml: the Hayagriva YAML bibliography that Typst reads (`#bibliography("refs.yml")`).

Each record is first mapped to a Hayagriva entry (`to_entry`: nested dicts in a fixed field
order; the mapping per type is in docs/formats.md), then written by a small YAML emitter: block
mappings, every string double-quoted with JSON-style escapes, so no value can be read as a
number, a date, a boolean or as structure, and PyYAML and Typst's serde_yaml read the same text.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, NamedTuple, Sequence

from exporter.errors import ExporterError
from exporter.model import Name, Record, clean
from exporter.sources import ListMeta
from exporter.writers import WriteOptions
from exporter.writers.latex import needs_protection


class EntryType(NamedTuple):
    """How one CSL type is written: the Hayagriva entry type, the type of the parent entry that
    holds the container (proceedings, journal, website) or None, and the genre, if any."""

    name: str
    parent: str | None
    genre: str = ""


# Per CSL type. A conference paper is an `article` in `proceedings`, a journal paper an
# `article` in a `periodical` (Hayagriva tells them apart, and gives CSL styles
# paper-conference and article-journal, by the parent's type). A preprint is an `article` in a
# `repository` named by its publisher (arXiv): Typst's styles cite it as a preprint with that
# source. Reports and theses get the genre that refs.bib's @techreport and @phdthesis give them
# when Typst reads refs.bib (APA: "[Doctoral dissertation, School]"). A type not listed is
# written as a document.
TYPES: dict[str, EntryType] = {
    "paper-conference": EntryType("article", "proceedings"),
    "article-journal": EntryType("article", "periodical"),
    "chapter": EntryType("anthos", "anthology"),
    "article": EntryType("article", "repository"),
    "report": EntryType("report", None, "Technical report"),
    "thesis": EntryType("thesis", None, "Doctoral dissertation"),
    "book": EntryType("book", None),
    "webpage": EntryType("web", "web"),
    "document": EntryType("misc", None),
}

# Hayagriva reads its formattable strings (titles, publishers, abstracts, notes) as markup:
# {...} keeps case as written, $...$ is math, and a backslash escapes one of the four.
_MARKUP = re.compile(r"[\\{}$]")


def escape(text: str) -> str:
    """Plain text as a Hayagriva formattable string: white space collapsed, markup escaped."""
    return escape_raw(clean(text))


def title(text: str) -> str:
    """A title or a name: like `escape`, with acronyms, inner capitals and proper nouns in {braces}.

    Typst's styles change case (Chicago and MLA title-case titles: `LLaMA` would print as
    `Llama`; Chicago capitalises `arXiv` after "Preprint,"); a braced word keeps its case, as
    in refs.bib.
    """
    text = clean(text)
    out, pos = [], 0
    for m in re.finditer(r"[^\W_]+", text):
        out.append(escape_raw(text[pos : m.start()]))
        out.append("{" + m[0] + "}" if needs_protection(m[0]) else m[0])
        pos = m.end()
    out.append(escape_raw(text[pos:]))
    return "".join(out)


def escape_raw(text: str) -> str:
    """Markup escaped, white space kept (for the pieces of an already clean text)."""
    return _MARKUP.sub(lambda m: "\\" + m[0], text)


def person(name: Name) -> dict[str, str]:
    """A Hayagriva person as a dict: its parts are taken as written (a `Family, Given` string
    would be split again, and particles moved out of the family name)."""
    parts = {"name": clean(name.family), "given-name": clean(name.given), "suffix": clean(name.suffix)}
    return {k: v for k, v in parts.items() if v}


def date(issued: Sequence[int]) -> str:
    """`2021`, `2021-09` or `2021-09-03` (ISO 8601, as much as is known)."""
    year = f"{'-' if issued[0] < 0 else ''}{abs(issued[0]):04d}"
    return "-".join([year, *(f"{p:02d}" for p in issued[1:3])])


# What the WHATWG URL parser (Typst's `url` crate) refuses in a host; a URL it cannot parse makes
# Typst reject the whole file ("failed to parse YAML ... relative URL without a base").
_FORBIDDEN_HOST = frozenset("\x00\t\n\r #%/:<>?@[\\]^|\x7f")


def url_problem(url: str) -> str:
    """Why Typst could not read `url` ("" when it can): no scheme, an unreadable host or port."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is no number 0-65535
        host = parts.hostname or ""
    except ValueError as exc:
        return str(exc)
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parts.scheme):
        return "no scheme (https://...)"
    if parts.scheme.lower() not in ("http", "https", "ftp", "ws", "wss", "file"):
        return ""  # mailto:, urn:...: no host to check
    if not host and parts.scheme.lower() != "file":
        return "no host"
    if ":" in host:  # an IPv6 literal, written [..] in the URL
        import ipaddress

        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return f"invalid IPv6 address {host!r}"
        return ""
    bad = sorted({c for c in host if c in _FORBIDDEN_HOST or c < " "})
    if bad:
        return f"host {host!r} has {''.join(bad)!r}"
    try:
        host.encode("idna")
    except UnicodeError:
        return f"host {host!r} is not a valid domain name"
    return ""


def to_entry(record: Record) -> dict[str, Any]:
    """One Hayagriva entry, fields in a fixed order; empty fields are left out.

    The container (venue) is the parent's title; the parent of a conference or journal paper
    also holds the publisher, the place and the editors (of the proceedings). Reports, theses
    and books take their venue as publisher when they have none, as refs.bib does. Raises
    ExporterError for a URL that Typst could not parse (it would reject the whole file).
    """
    kind = TYPES.get(record.type, TYPES["document"])
    entry: dict[str, Any] = {"type": kind.name, "title": title(record.title)}
    entry["author"] = [person(n) for n in record.author]
    if record.issued:
        entry["date"] = date(record.issued)
    publisher = {"name": title(record.publisher), "location": escape(record.publisher_place)}
    editors = [person(n) for n in record.editor]
    parent: dict[str, Any] = {}
    if kind.parent in ("proceedings", "periodical", "anthology"):
        parent = {"type": kind.parent, "title": title(record.container_title), "editor": editors,
                  "publisher": publisher, "volume": clean(record.volume), "issue": clean(record.issue)}
        editors, publisher = [], {}
    elif kind.parent == "repository":
        # A preprint: its publisher (arXiv) is also the repository, which styles name as its
        # source ("Preprint, arXiv"); as publisher it gives IEEE's "arXiv: 2109.01652" with
        # the id as number (serial), and APA's "(2109.01652). arXiv.", as CSL-JSON does.
        parent = {"type": kind.parent, "title": title(record.publisher)}
    elif kind.parent:  # a web page on a site
        parent = {"type": kind.parent, "title": title(record.container_title)}
    elif kind.name in ("report", "thesis", "book"):
        # Its institution, school or publisher, given as publisher or (failing that) as venue;
        # a venue beside a publisher is the series the item belongs to.
        if not clean(record.publisher):
            publisher["name"] = title(record.container_title)
        elif clean(record.container_title):
            parent = {"type": "anthology", "title": title(record.container_title)}
    entry["editor"] = editors
    entry["parent"] = _compact(parent) if set(_compact(parent)) - {"type"} else {}
    entry["publisher"] = publisher
    entry["genre"] = kind.genre
    entry["edition"] = clean(record.edition)
    # A misc's note says how it was published ("GitHub repository"), as Typst reads howpublished.
    notes = (title(record.container_title) if kind.name == "misc" else "", escape(record.bibnote))
    entry["note"] = "; ".join(n for n in notes if n)
    entry["page-range"] = clean(record.page)
    entry["serial-number"] = {"doi": clean(record.DOI), "arxiv": clean(record.arxiv), "serial": clean(record.number),
                              "isbn": clean(record.ISBN), "issn": clean(record.ISSN)}
    if record.URL.strip():
        problem = url_problem(record.URL.strip())
        if problem:
            raise ExporterError(f"entry {record.id}: url {record.URL!r} cannot be read by Typst ({problem}); "
                                f"fix it in the sources file")
        entry["url"] = record.URL.strip()
    entry["abstract"] = escape(record.abstract)
    return _compact(entry)


def _compact(value: Any) -> Any:
    """Empty strings, lists and dicts left out, recursively ({"name": ""} is empty too)."""
    if isinstance(value, dict):
        kept = {k: _compact(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in ("", [], {})}
    if isinstance(value, list):
        return [v for v in (_compact(v) for v in value) if v not in ("", [], {})]
    return value


def write(records: Sequence[Record], meta: ListMeta | None = None, options: WriteOptions | None = None) -> str:
    """The whole refs.yml: one entry per record, keyed by its citation key, in list order."""
    return dump({r.id: to_entry(r) for r in records})


# --- a small YAML emitter -------------------------------------------------------------------

# Characters a YAML double-quoted scalar cannot hold as they are: C0 and C1 controls, DEL, and
# what YAML 1.1 (PyYAML) reads as a line break (NEL, LS, PS) and so would fold into a space;
# also the byte order mark and the two non-characters.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def quote(text: str) -> str:
    """A YAML double-quoted scalar: `"` and `\\` escaped, unprintable characters as \\uXXXX."""
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _UNPRINTABLE.sub(lambda m: _SHORT_ESCAPES.get(m[0]) or f"\\u{ord(m[0]):04x}", body) + '"'


def dump(entries: Mapping[str, Mapping[str, Any]]) -> str:
    """Top-level keys (quoted) at column 0, two-space indents, a blank line between entries."""
    if not entries:
        return "{}\n"
    blocks = []
    for key, entry in entries.items():
        lines = [quote(key) + ":"]
        _mapping(entry, 1, lines)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _mapping(mapping: Mapping[str, Any], depth: int, lines: list[str]) -> None:
    pad = "  " * depth
    for key, value in mapping.items():
        if isinstance(value, str):
            lines.append(f"{pad}{key}: {quote(value)}")
        elif isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            _mapping(value, depth + 1, lines)
        else:  # a list of persons: flat mappings of strings
            lines.append(f"{pad}{key}:")
            for item in value:
                first = True
                for k, v in item.items():
                    lines.append(f"{pad}  {'- ' if first else '  '}{k}: {quote(v)}")
                    first = False
