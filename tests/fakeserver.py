"""A local stand-in for the arXiv API and the ACL Anthology.

Tests, and the command that re-locks the project's metadata, must never touch
the real network.  This module serves answers shaped like the real services,
generated from real recorded metadata kept in ``tests/fixtures/``:

* ``GET /api/query?...`` answers like arXiv's query API (Atom 1.0 feed), from
  ``fixtures/arxiv/seed-papers.jsonl``.  Values the records lack are filled
  only by the rules in ``fixtures/arxiv/README.md`` (see :func:`fill_arxiv_record`);
  every filled value is listed in ``fixtures/README.md``.
* ``GET /<anthology-id>.bib`` answers like the ACL Anthology's per-paper BibTeX
  export, generated from ``fixtures/acl-anthology/papers.xml`` by the rules in
  ``fixtures/acl-anthology/README.md`` (see :func:`anthology_bibtex`).
* ``GET /anthology.bib.gz`` serves the Anthology's complete BibTeX export: the test
  dump ``fixtures/anthology-dump/anthology.bib.gz`` (built by ``anthology_dump.py``;
  see ``fixtures/anthology-dump/README.md``), with an ``ETag`` and ``Last-Modified``,
  answering ``304 Not Modified`` to a matching ``If-None-Match`` (or, without one, to
  an ``If-Modified-Since`` not older than the dump), as a static web server does.
  :meth:`FakeServices.set_anthology_dump` swaps in another dump.
* ``GET /dblp/search/publ/api?q=...`` and ``GET /dblp/rec/<key>.bib`` answer like DBLP's
  publication search and record export, from real DBLP records: see ``fakedblp.py``.

Use it from Python::

    with FakeServices() as svc:
        client.query_url_format = svc.arxiv_url + "?{}"
        svc.faults.append("429")          # the next request gets HTTP 429
        ...
        assert len(svc.requests) == 1

or from the shell, wrapping a command (``EXPORTER_ARXIV_URL``, ``EXPORTER_ACL_URL``,
``EXPORTER_DBLP_URL``, ``EXPORTER_ARXIV_DELAY=0`` and ``EXPORTER_DBLP_DELAY=0`` are set for it)::

    python tests/fakeserver.py -- exporter resolve --refresh
"""

from __future__ import annotations

import argparse
import base64
import collections
import contextlib
import datetime as dt
import email.utils
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs, quote, urlsplit
from xml.sax.saxutils import escape, quoteattr

import fakedblp

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
ARXIV_RECORDS = FIXTURES_DIR / "arxiv" / "seed-papers.jsonl"
ANTHOLOGY_XML = FIXTURES_DIR / "acl-anthology" / "papers.xml"
ANTHOLOGY_DUMP = FIXTURES_DIR / "anthology-dump" / "anthology.bib.gz"
DUMP_PATH = "/anthology.bib.gz"
# Last-Modified of the committed test dump: a fixed date, so answers do not depend on checkouts.
DUMP_LAST_MODIFIED = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)

ARXIV_PATH = "/api/query"

# ---------------------------------------------------------------------------
# arXiv records, and the only ways their gaps may be filled
# ---------------------------------------------------------------------------

# New-style ids (YYMM.NNNN until 2014, YYMM.NNNNN since) and old-style ids
# (archive[.SUBJ]/YYMMNNN), each with an optional version suffix.
ARXIV_ID_RE = re.compile(
    r"^(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7})(?:v[1-9]\d*)?$"
)
_VERSION_RE = re.compile(r"v([1-9]\d*)$")


@dataclass(frozen=True)
class Fill:
    """One value the fake arXiv sends that the recorded data does not hold."""

    field: str
    value: str
    rule: str


@dataclass(frozen=True)
class ArxivRecord:
    """An arXiv entry exactly as the fake API serves it (gaps already filled).

    ``published`` and ``updated`` are RFC 3339 UTC timestamps.
    ``primary_category`` is None when arXiv's value is unknown, in which case
    the entry carries no ``<arxiv:primary_category>``.  ``published_venue*``
    from the data are deliberately not kept: they are not arXiv fields.
    """

    arxiv_id: str
    latest_version: int | None
    title: str
    authors: tuple[str, ...]
    summary: str
    published: str
    updated: str
    primary_category: str | None
    categories: tuple[str, ...]
    comment: str | None
    journal_ref: str | None
    doi: str | None
    fills: tuple[Fill, ...]


def _rfc3339(value: str) -> tuple[str, bool]:
    """Turn a recorded ``YYYY-MM-DD[ HH:MM:SS]`` (UTC) into RFC 3339.

    Returns the timestamp and whether the time of day had to be supplied.
    """
    date, _, time = value.strip().partition(" ")
    dt.date.fromisoformat(date)  # reject anything that is not a real date
    if time:
        dt.time.fromisoformat(time)
        return f"{date}T{time}Z", False
    return f"{date}T00:00:00Z", True


def fill_arxiv_record(raw: dict[str, Any]) -> ArxivRecord:
    """Build the served entry for one JSONL record, filling gaps by the README rules.

    The rules (fixtures/arxiv/README.md, "Gaps, and how fixtures may fill
    them"): a missing ``published`` is the first day of the id's YYMM at
    00:00:00 UTC; a missing ``updated`` is the ``published`` value; a missing
    primary category is left out.  A date recorded without a time is sent at
    00:00:00Z (an Atom timestamp needs a time).  A null ``categories`` becomes
    the primary category alone, because arXiv always lists the primary among
    the categories.  A null ``latest_version`` gives an unversioned entry id.
    Nothing else is ever made up.
    """
    arxiv_id: str = raw["arxiv_id"]
    fills: list[Fill] = []

    if raw["published"] is None:
        match = re.match(r"^(\d{2})(\d{2})\.", arxiv_id)
        if match is None:  # old-style ids carry no usable YYMM; none are in the data
            raise ValueError(f"cannot fill published for {arxiv_id}")
        published = f"20{match[1]}-{match[2]}-01T00:00:00Z"
        fills.append(Fill("published", published, "missing: first day of the id's YYMM, 00:00:00 UTC"))
    else:
        published, time_added = _rfc3339(raw["published"])
        if time_added:
            fills.append(Fill("published", published, "date only: time 00:00:00Z added"))

    if raw["updated"] is None:
        updated = published
        fills.append(Fill("updated", updated, "missing: the published value"))
    else:
        updated, time_added = _rfc3339(raw["updated"])
        if time_added:
            fills.append(Fill("updated", updated, "date only: time 00:00:00Z added"))

    primary = raw["primary_category"]
    if primary is None:
        fills.append(Fill("primary_category", "(left out)", "missing: left out"))

    if raw["categories"] is not None:
        categories = tuple(raw["categories"])
    elif primary is not None:
        categories = (primary,)
        fills.append(Fill("categories", primary, "missing: the primary category alone"))
    else:
        categories = ()
        fills.append(
            Fill("categories", "(none)", "missing, and so is the primary category: no category element")
        )

    latest = raw["latest_version"]
    if latest is None:
        fills.append(
            Fill("entry id", f"http://arxiv.org/abs/{arxiv_id}", "latest_version missing: no version suffix")
        )

    return ArxivRecord(
        arxiv_id=arxiv_id,
        latest_version=latest,
        title=raw["title"],
        authors=tuple(raw["authors"] or ()),
        summary=raw["abstract"],
        published=published,
        updated=updated,
        primary_category=primary,
        categories=categories,
        comment=raw["comment"],
        journal_ref=raw["journal_ref"],
        doi=raw["doi"],
        fills=tuple(fills),
    )


@cache
def load_arxiv_records(path: Path = ARXIV_RECORDS) -> dict[str, ArxivRecord]:
    """All recorded arXiv entries, keyed by unversioned id, in file order."""
    records: dict[str, ArxivRecord] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = fill_arxiv_record(json.loads(line))
                records[record.arxiv_id] = record
    return records


def known_arxiv_ids(path: Path = ARXIV_RECORDS) -> list[str]:
    """The unversioned arXiv ids the fake API knows, in the data's (seed list) order."""
    return list(load_arxiv_records(path))


def format_fill_list(records: Iterable[ArxivRecord]) -> str:
    """Markdown of every value the fake arXiv fills: counts per rule, then one bullet per record."""
    records = list(records)
    counts = collections.Counter((f.field, f.rule) for r in records for f in r.fills)
    field_order = ["published", "updated", "primary_category", "categories", "entry id"]
    lines = ["| field | rule | records |", "| --- | --- | --- |"]
    for (field, rule), n in sorted(counts.items(), key=lambda item: (field_order.index(item[0][0]), item[0][1])):
        lines.append(f"| `{field}` | {rule} | {n} |")
    lines.append("")
    for record in records:
        if record.fills:
            parts = "; ".join(f"`{f.field}` = `{f.value}` ({f.rule})" for f in record.fills)
            lines.append(f"- {record.arxiv_id}: {parts}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# arXiv Atom feeds
# ---------------------------------------------------------------------------

_ATOM_NS = "http://www.w3.org/2005/Atom"
_ARXIV_NS = "http://arxiv.org/schemas/atom"
_OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"


class FeedPage(NamedTuple):
    """The paging facts of one arXiv query."""

    search_query: str
    id_list: str
    start: int
    max_results: int


def _feed_updated() -> str:
    """Feed-level <updated>: arXiv sends today's date at midnight, US Eastern time."""
    try:
        from zoneinfo import ZoneInfo

        now = dt.datetime.now(ZoneInfo("America/New_York"))
    except Exception:  # no tz database on this machine: UTC is close enough
        now = dt.datetime.now(dt.UTC)
    offset = now.strftime("%z")
    return now.strftime("%Y-%m-%dT00:00:00") + f"{offset[:3]}:{offset[3:]}"


def _feed_head(page: FeedPage, total: int, items_per_page: int) -> list[str]:
    """Opening lines of an arXiv feed, up to and including the opensearch counts."""
    query = (
        f"search_query={page.search_query}&id_list={page.id_list}"
        f"&start={page.start}&max_results={page.max_results}"
    )
    feed_id = base64.urlsafe_b64encode(hashlib.sha1(query.encode()).digest()).decode().rstrip("=")
    os_ns = quoteattr(_OPENSEARCH_NS)
    return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<feed xmlns={quoteattr(_ATOM_NS)}>",
        f'  <link href={quoteattr("http://arxiv.org/api/query?" + quote(query, safe=""))}'
        ' rel="self" type="application/atom+xml"/>',
        f'  <title type="html">ArXiv Query: {escape(query)}</title>',
        f"  <id>http://arxiv.org/api/{feed_id}</id>",
        f"  <updated>{_feed_updated()}</updated>",
        f"  <opensearch:totalResults xmlns:opensearch={os_ns}>{total}</opensearch:totalResults>",
        f"  <opensearch:startIndex xmlns:opensearch={os_ns}>{page.start}</opensearch:startIndex>",
        f"  <opensearch:itemsPerPage xmlns:opensearch={os_ns}>{items_per_page}</opensearch:itemsPerPage>",
    ]


def render_arxiv_entry(record: ArxivRecord, version: int | None = None) -> str:
    """One <entry> in arXiv's element order; ``version`` overrides the latest one."""
    version = version if version is not None else record.latest_version
    vid = record.arxiv_id + (f"v{version}" if version is not None else "")
    arxiv_ns = quoteattr(_ARXIV_NS)
    lines = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{escape(vid)}</id>",
        f"    <updated>{record.updated}</updated>",
        f"    <published>{record.published}</published>",
        f"    <title>{escape(record.title)}</title>",
        f"    <summary>{escape(record.summary)}</summary>",
    ]
    for name in record.authors:
        lines += ["    <author>", f"      <name>{escape(name)}</name>", "    </author>"]
    if record.doi is not None:
        lines.append(f"    <arxiv:doi xmlns:arxiv={arxiv_ns}>{escape(record.doi)}</arxiv:doi>")
        lines.append(
            f'    <link title="doi" href={quoteattr("http://dx.doi.org/" + record.doi)} rel="related"/>'
        )
    if record.comment is not None:
        lines.append(f"    <arxiv:comment xmlns:arxiv={arxiv_ns}>{escape(record.comment)}</arxiv:comment>")
    if record.journal_ref is not None:
        lines.append(
            f"    <arxiv:journal_ref xmlns:arxiv={arxiv_ns}>{escape(record.journal_ref)}</arxiv:journal_ref>"
        )
    lines += [
        f'    <link href="http://arxiv.org/abs/{escape(vid)}" rel="alternate" type="text/html"/>',
        f'    <link title="pdf" href="http://arxiv.org/pdf/{escape(vid)}" rel="related" type="application/pdf"/>',
    ]
    if record.primary_category is not None:
        lines.append(
            f"    <arxiv:primary_category xmlns:arxiv={arxiv_ns} term={quoteattr(record.primary_category)}"
            f" scheme={arxiv_ns}/>"
        )
    for category in record.categories:
        lines.append(f"    <category term={quoteattr(category)} scheme={arxiv_ns}/>")
    lines.append("  </entry>")
    return "\n".join(lines)


def render_arxiv_feed(page: FeedPage, entries: Sequence[str], total: int) -> bytes:
    """A result feed holding the given rendered entries."""
    lines = _feed_head(page, total, page.max_results) + list(entries) + ["</feed>", ""]
    return "\n".join(lines).encode("utf-8")


def render_arxiv_error(page: FeedPage, error_key: str, message: str) -> bytes:
    """arXiv's error feed: one entry titled ``Error`` whose id names the error."""
    error_url = f"http://arxiv.org/api/errors#{error_key}"
    updated = _feed_updated()
    entry = [
        "  <entry>",
        f"    <id>{escape(error_url)}</id>",
        "    <title>Error</title>",
        f"    <summary>{escape(message)}</summary>",
        f"    <updated>{updated}</updated>",
        f"    <link href={quoteattr(error_url)} rel=\"alternate\" type=\"text/html\"/>",
        "    <author>",
        "      <name>arXiv api core</name>",
        "    </author>",
        "  </entry>",
    ]
    lines = _feed_head(page, 1, 1) + entry + ["</feed>", ""]
    return "\n".join(lines).encode("utf-8")


# ---------------------------------------------------------------------------
# ACL Anthology per-paper BibTeX
# ---------------------------------------------------------------------------

# ASCII characters that need escaping, as the Anthology's encoder writes them.
_LATEX_ASCII = {
    "#": r"{\#}",
    "$": r"{\$}",
    "%": r"{\%}",
    "&": r"{\&}",
    "<": r"{\ensuremath{<}}",
    ">": r"{\ensuremath{>}}",
    "\\": r"{\textbackslash}",
    "^": r"{\textasciicircum}",
    "_": r"{\_}",
    "{": r"{\{}",
    "}": r"{\}}",
    "~": r"{\textasciitilde}",
    '"': "{''}",
}
# Typography, as the Anthology README lists it (dashes and quotes stay
# braced, e.g. {``}...{''}, and a curly apostrophe is {'}).
_LATEX_TYPOGRAPHY = {
    "\u2013": "{--}",
    "\u2014": "{---}",
    "\u2018": "{`}",
    "\u2019": "{'}",
    "\u201c": "{``}",
    "\u201d": "{''}",
    "\u2026": r"{\textellipsis}",
}
# Latin-1 symbols and letters that are not a base letter plus an accent,
# spelled as the Anthology's encoder (pylatexenc's defaults) spells them.
_LATEX_SYMBOLS = {
    "\u00a0": "{~}", "¡": r"{\textexclamdown}", "¢": r"{\textcent}", "£": r"{\textsterling}",
    "¤": r"{\textcurrency}", "¥": r"{\textyen}", "¦": r"{\textbrokenbar}", "§": r"{\textsection}",
    "¨": r"{\textasciidieresis}", "©": r"{\textcopyright}", "ª": r"{\textordfeminine}",
    "«": r"{\guillemotleft}", "¬": r"{\textlnot}", "\u00ad": r"{\-}", "®": r"{\textregistered}",
    "¯": r"{\textasciimacron}", "°": r"{\textdegree}", "±": r"{\ensuremath{\pm}}",
    "²": r"{\texttwosuperior}", "³": r"{\textthreesuperior}", "´": r"{\textasciiacute}",
    "µ": r"{\textmu}", "¶": r"{\textparagraph}", "·": r"{\textperiodcentered}",
    "¹": r"{\textonesuperior}", "º": r"{\textordmasculine}", "»": r"{\guillemotright}",
    "¼": r"{\textonequarter}", "½": r"{\textonehalf}", "¾": r"{\textthreequarters}",
    "¿": r"{\textquestiondown}", "×": r"{\texttimes}", "÷": r"{\textdiv}",
    "Æ": r"{\AE}", "æ": r"{\ae}", "Ð": r"{\DH}", "ð": r"{\dh}", "Ø": r"{\O}", "ø": r"{\o}",
    "Þ": r"{\TH}", "þ": r"{\th}", "ß": r"{\ss}", "Đ": r"{\DJ}", "đ": r"{\dj}",
    "Ħ": r"{\={H}}", "ħ": r"{\={h}}", "Ĳ": r"{\IJ}", "ĳ": r"{\ij}", "ı": r"{\i}",
    "ĸ": r"{\textsc{k}}", "Ŀ": r"{\.{L}}", "ŀ": r"{\.{l}}", "Ł": r"{\L}", "ł": r"{\l}",
    "Ŋ": r"{\NG}", "ŋ": r"{\ng}", "Œ": r"{\OE}", "œ": r"{\oe}", "Ŧ": r"{\={T}}", "ŧ": r"{\={t}}",
    # Exceptions to the brace pattern below, as pylatexenc spells them.
    "Ű": r"{\'{U}}", "ű": r"{\'{u}}", "İ": r"{\.I}", "Ÿ": r'{\"Y}', "Ż": r"{\.Z}", "ż": r"{\.z}",
}
# Combining accents written as \<symbol>x, and those written as \<letter>{x}.
_ACCENT_SYMBOLS = {"\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=",
                   "\u0307": ".", "\u0308": '"'}
_ACCENT_LETTERS = {"\u0306": "u", "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0327": "c",
                   "\u0328": "k"}


def _latex_char(char: str) -> str:
    """LaTeX for one character; characters without a known spelling are kept as they are.

    Symbols and accented letters are spelled as the Anthology's encoder
    (pylatexenc's defaults) spells them for ASCII, Latin-1 and Latin
    Extended-A (up to U+017F) plus the README's typography.  Anything beyond
    passes through unchanged; the Anthology spells some of those too (Greek,
    for one), but none occur in the fixtures.
    """
    for table in (_LATEX_ASCII, _LATEX_TYPOGRAPHY, _LATEX_SYMBOLS):
        if char in table:
            return table[char]
    if not 0xC0 <= ord(char) <= 0x17F:
        return char
    decomposed = unicodedata.normalize("NFD", char)
    if len(decomposed) != 2:
        return char
    base, accent = decomposed[0], decomposed[1]
    if accent in _ACCENT_LETTERS:
        return f"{{\\{_ACCENT_LETTERS[accent]}{{{base}}}}}"
    if accent in _ACCENT_SYMBOLS:
        symbol = _ACCENT_SYMBOLS[accent]
        # An accented i is written with a plain i ({\'i}), not a dotless \i.
        # Latin-1 letters and acute accents come unbraced ({\'a}); the other
        # Extended-A ones braced ({\={a}}), as in the Anthology's encoder.
        if ord(char) < 0x100 or symbol == "'":
            return f"{{\\{symbol}{base}}}"
        return f"{{\\{symbol}{{{base}}}}}"
    return char


def latex_encode(text: str) -> str:
    """Encode plain text (no LaTeX in it) for a BibTeX field."""
    return "".join(_latex_char(c) for c in text)


def _collapse_whitespace(text: str) -> str:
    """Drop newlines and squeeze runs of spaces, as the Anthology does for marked-up text."""
    text = text.replace("\n", "").strip()
    return re.sub(r" {2,}", " ", text)


_MARKUP_LATEX = {
    "fixed-case": "{{{}}}",
    "b": "\\textbf{{{}}}",
    "i": "\\textit{{{}}}",
    "tex-math": "${}$",
    "url": "\\url{{{}}}",
}


def _markup_to_latex(element: ET.Element) -> str:
    """LaTeX for an Anthology markup element and its children."""
    template = _MARKUP_LATEX.get(element.tag, "{}")
    if element.tag in ("tex-math", "url"):  # verbatim content, never escaped
        return template.format(element.text or "")
    text = latex_encode(element.text or "")
    for child in element:
        text += _markup_to_latex(child) + latex_encode(child.tail or "")
    return template.format(text)


def markup_latex(element: ET.Element) -> str:
    """LaTeX for a title or abstract (``<fixed-case>X</fixed-case>`` becomes ``{X}``)."""
    if len(element):
        return _collapse_whitespace(_markup_to_latex(element))
    return latex_encode(element.text or "")


_BIBTEX_MONTHS = {
    "january": "jan", "february": "feb", "march": "mar", "april": "apr", "may": "may",
    "june": "jun", "july": "jul", "august": "aug", "september": "sep", "october": "oct",
    "november": "nov", "december": "dec",
}


def bibtex_month(spec: str) -> str:
    """A month as the bare BibTeX macro (``December`` -> ``dec``, ``October-November`` -> ``oct # "-" # nov``)."""
    text = spec.lower()
    if text in _BIBTEX_MONTHS:
        return _BIBTEX_MONTHS[text]
    if text in _BIBTEX_MONTHS.values():
        return text
    text = f'"{text}"'
    for month, macro in _BIBTEX_MONTHS.items():
        if month in text:
            text = text.replace(month, f'" # {macro} # "')
            text = " # ".join(part for part in text.split(" # ") if part != '""')
    return text


def _name(element: ET.Element) -> str:
    """``Last, First`` (or just ``Last``) for an <author> or <editor>, LaTeX-encoded."""
    first = (element.findtext("first") or "").strip()
    last = (element.findtext("last") or "").strip()
    return latex_encode(f"{last}, {first}" if first else last)


def _balanced(text: str) -> bool:
    """Whether curly braces in ``text`` balance (an unbalanced field breaks BibTeX)."""
    depth = 0
    for char in text:
        depth += char == "{"
        depth -= char == "}"
        if depth < 0:
            return False
    return depth == 0


@dataclass(frozen=True)
class AnthologyPaper:
    """One <paper> of papers.xml with the <meta> of its volume."""

    anthology_id: str
    bibkey: str
    paper: ET.Element
    meta: ET.Element


@cache
def load_anthology_papers(path: Path = ANTHOLOGY_XML) -> dict[str, AnthologyPaper]:
    """All papers in papers.xml, keyed by Anthology id, in file order."""
    root = ET.parse(path).getroot()
    papers: dict[str, AnthologyPaper] = {}
    for collection in root.iter("collection"):
        for volume in collection.iter("volume"):
            meta = volume.find("meta")
            if meta is None:
                raise ValueError(f"volume {collection.get('id')}-{volume.get('id')} has no <meta>")
            for paper in volume.iter("paper"):
                # The Anthology id is "<collection>-<volume>.<paper>"; the
                # paper's <url> holds exactly that.
                anthology_id = f"{collection.get('id')}-{volume.get('id')}.{paper.get('id')}"
                url = paper.findtext("url")
                if url != anthology_id:
                    raise ValueError(f"paper {anthology_id} has <url> {url!r}")
                papers[anthology_id] = AnthologyPaper(
                    anthology_id, paper.findtext("bibkey") or "", paper, meta
                )
    return papers


def known_anthology_ids(path: Path = ANTHOLOGY_XML) -> list[str]:
    """The Anthology ids the fake Anthology serves, in papers.xml order."""
    return list(load_anthology_papers(path))


def anthology_bibtex(entry: AnthologyPaper) -> str:
    """The per-paper BibTeX the Anthology exports, in its newest format.

    Fields and their order follow the Anthology's exporter: title, author,
    editor, booktitle, month, year, address, publisher, note, url, doi, pages,
    language, ISBN, abstract; empty ones are left out.  ``url`` ends in ``/``
    and the last field has no trailing comma (newest format).
    """
    paper, meta = entry.paper, entry.meta
    editors = paper.findall("editor") or meta.findall("editor")

    def text_of(parent: ET.Element, tag: str) -> str | None:
        value = parent.findtext(tag)
        return value.strip() if value else None

    title = paper.find("title")
    booktitle = meta.find("booktitle")
    abstract = paper.find("abstract")
    month = text_of(meta, "month")
    pages = text_of(paper, "pages")
    address = text_of(meta, "address")
    publisher = text_of(meta, "publisher")
    note = text_of(paper, "note")
    fields: list[tuple[str, str | None]] = [
        ("title", markup_latex(title) if title is not None else None),
        ("author", "  and\n      ".join(_name(a) for a in paper.findall("author")) or None),
        ("editor", "  and\n      ".join(_name(e) for e in editors) or None),
        ("booktitle", markup_latex(booktitle) if booktitle is not None else None),
        ("month", bibtex_month(month) if month else None),
        ("year", text_of(meta, "year")),
        ("address", latex_encode(address) if address else None),
        ("publisher", latex_encode(publisher) if publisher else None),
        ("note", latex_encode(note) if note else None),
        ("url", f"https://aclanthology.org/{entry.anthology_id}/"),
        ("doi", text_of(paper, "doi")),
        ("pages", re.sub(r"(?<=[0-9])(-|–|—)(?=[0-9])", "--", pages) if pages else None),
        ("language", text_of(paper, "language")),
        ("ISBN", text_of(meta, "isbn")),
        ("abstract", markup_latex(abstract) if abstract is not None else None),
    ]
    lines = [f"@inproceedings{{{entry.bibkey},"]
    for key, value in fields:
        if not value:
            continue
        if not _balanced(value):
            raise ValueError(f"{entry.anthology_id}: unbalanced braces in {key}: {value}")
        if key == "month":
            quoted = value  # a bare macro such as dec
        elif '"' in value:
            quoted = f"{{{value}}}"  # a double quote cannot sit inside "..."
        else:
            quoted = f'"{value}"'
        lines.append(f"    {key} = {quoted},")
    lines[-1] = lines[-1].removesuffix(",")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# The HTTP server
# ---------------------------------------------------------------------------

FAULT_KINDS = (
    "429", "500", "503", "empty", "timeout", "truncate",
    "cut", "429-retry-after", "503-retry-after", "notgzip", "trickle",
)

Fault = str | tuple[str, str]
"""A scripted fault: a kind from FAULT_KINDS, or (kind, path prefix) to scope it."""


class RequestRecord(NamedTuple):
    """One request the fake services received (faulted ones included).

    When each arrived is kept beside the log, in :attr:`FakeServices.request_times`
    (so a record still unpacks into its four fields).
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str] = {}  # lower-cased names


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its FakeServices."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], services: FakeServices) -> None:
        self.services = services
        super().__init__(address, _Handler)


class FakeServices:
    """The fake arXiv API and ACL Anthology on one local port.

    Attributes:
        requests: every request received, as :class:`RequestRecord`, in order.
        faults: scripted faults for the next requests, one per request.  Each
            request consumes the first fault in the deque that applies to it
            (an unscoped fault applies to every path; ``(kind, prefix)`` only
            to paths starting with ``prefix``).
        request_times: when each request in ``requests`` arrived
            (``time.monotonic()``, same index); see :meth:`timed_requests`.
        hang_seconds: how long a ``"timeout"`` fault holds a request open
            before closing the connection without an answer.
        retry_after: the ``Retry-After`` value the ``*-retry-after`` faults
            send (default ``"1"``, one second).
        trickle_seconds: the pause before each byte of a ``"trickle"`` answer.

    Fault kinds (``FAULT_KINDS``):

    * ``"429"``, ``"500"``, ``"503"``: that HTTP status, without ``Retry-After``
      (arXiv's 429 is ``Rate exceeded.`` with no header).
    * ``"429-retry-after"``, ``"503-retry-after"``: the same statuses with a
      ``Retry-After`` header of :attr:`retry_after` (default one second).
    * ``"empty"``: a 200 with no records (for arXiv, a valid feed with
      ``totalResults`` 0; elsewhere an empty body).
    * ``"timeout"``: say nothing for ``hang_seconds``, then close the
      connection without an answer.
    * ``"truncate"``: announce the whole answer's length, send half of it and
      close the connection (the client sees a broken-off body).
    * ``"cut"``: a 200 whose body is the real answer (for this path and query,
      as it would have been sent) cut in half, with a ``Content-Length`` equal
      to the cut length: the HTTP layer sees a complete response, only the
      content is short (for arXiv, a feed broken off mid-XML; for the dump, a
      gzip stream that stops early).
    * ``"notgzip"``: a 200 ``application/gzip`` answer whose body is plain
      text, not gzip data (meant for ``/anthology.bib.gz``).
    * ``"trickle"``: the real answer's status and headers (its full
      ``Content-Length``) at once, then the body one byte every
      ``trickle_seconds`` (0.3 s): every read gets data well within a
      per-read timeout, the whole answer takes ages.  Stops when the client
      hangs up or the services stop.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        hang_seconds: float = 2.0,
        arxiv_records: Path = ARXIV_RECORDS,
        anthology_xml: Path = ANTHOLOGY_XML,
        anthology_dump: Path = ANTHOLOGY_DUMP,
        verbose: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.hang_seconds = hang_seconds
        self.retry_after = "1"
        self.trickle_seconds = 0.3
        self.verbose = verbose
        self.requests: list[RequestRecord] = []
        self.request_times: list[float] = []
        self.faults: collections.deque[Fault] = collections.deque()
        self.arxiv = load_arxiv_records(arxiv_records)
        self.anthology = load_anthology_papers(anthology_xml)
        self._dump_path = anthology_dump
        self._dump: tuple[bytes, str, dt.datetime] | None = None  # read on first request
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> FakeServices:
        """Bind and serve in a background thread."""
        if self._server is not None:
            raise RuntimeError("already started")
        # DBLP's index takes seconds to build (once per process): before the first request, not during it,
        # so that a client's timeout measures the service, not the stand-in's start.
        self.dblp_index()
        self._stopping.clear()
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        # A short poll interval keeps stop() (and each test's teardown) quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fakeserver:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; requests held by a ``timeout`` fault are released."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def serve_forever(self) -> None:
        """Block until interrupted (starting first if need be), then stop."""
        if self._server is None:
            self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def __enter__(self) -> FakeServices:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- addresses and bookkeeping -------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{self.host}:{self.port}"

    @property
    def arxiv_url(self) -> str:
        """Base URL of the fake arXiv query API (``.../api/query``)."""
        return self.base_url + ARXIV_PATH

    @property
    def acl_url(self) -> str:
        """Base URL of the fake ACL Anthology (papers at ``<acl_url>/<id>.bib``)."""
        return self.base_url

    @property
    def dblp_url(self) -> str:
        """Base URL of the fake DBLP (``<dblp_url>/search/publ/api``, ``<dblp_url>/rec/<key>.bib``)."""
        return self.base_url + fakedblp.PREFIX

    def dblp_index(self) -> fakedblp.Index:
        """What the fake DBLP searches: the recorded published versions, the CoRR entries of the arXiv
        records served, and the distractor corpus (built once per process)."""
        papers = tuple((r.arxiv_id, r.title, r.authors, r.published[:4]) for r in self.arxiv.values()
                       if re.fullmatch(r"[0-9]{4}\.[0-9]{4,5}", r.arxiv_id))
        return fakedblp.build_index(papers, fakedblp.corpus_path())

    def arxiv_ids(self) -> list[str]:
        """Unversioned arXiv ids the fake API knows, in seed-list order."""
        return list(self.arxiv)

    def anthology_ids(self) -> list[str]:
        """Anthology ids the fake Anthology serves."""
        return list(self.anthology)

    def set_anthology_dump(self, data: bytes, last_modified: dt.datetime | None = None) -> None:
        """Serve ``data`` as ``/anthology.bib.gz`` from now on (a new ETag; Last-Modified now
        unless given), as when the Anthology publishes a new export."""
        stamp = (last_modified or dt.datetime.now(dt.UTC)).replace(microsecond=0)
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        with self._lock:
            self._dump = (data, etag, stamp)

    def anthology_dump(self) -> tuple[bytes, str, dt.datetime]:
        """The dump served now, its ETag and its Last-Modified time."""
        if self._dump is None:
            self.set_anthology_dump(self._dump_path.read_bytes(), DUMP_LAST_MODIFIED)
        assert self._dump is not None
        return self._dump

    @property
    def dump_requests(self) -> list[RequestRecord]:
        """Requests for the complete BibTeX export, ``/anthology.bib.gz``."""
        return self.requests_to(DUMP_PATH)

    def add_fault(self, kind: str, prefix: str | None = None) -> None:
        """Queue a fault, checking its kind (appending to ``faults`` directly also works)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; expected one of {FAULT_KINDS}")
        self.faults.append(kind if prefix is None else (kind, prefix))

    def requests_to(self, prefix: str) -> list[RequestRecord]:
        """Requests whose path starts with ``prefix``."""
        with self._lock:
            return [r for r in self.requests if r.path.startswith(prefix)]

    @property
    def arxiv_requests(self) -> list[RequestRecord]:
        """Requests to the arXiv API."""
        return self.requests_to(ARXIV_PATH)

    @property
    def acl_requests(self) -> list[RequestRecord]:
        """Requests for Anthology BibTeX."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith(".bib") and not r.path.startswith(fakedblp.PREFIX)]

    @property
    def dblp_searches(self) -> list[RequestRecord]:
        """Requests to the fake DBLP's search API."""
        return self.requests_to(fakedblp.PREFIX + "/search/")

    @property
    def dblp_records(self) -> list[RequestRecord]:
        """Requests for DBLP records (``/dblp/rec/<key>.bib``)."""
        return self.requests_to(fakedblp.PREFIX + "/rec/")

    def timed_requests(self, prefix: str = "") -> list[tuple[float, RequestRecord]]:
        """(arrival time, request) for requests whose path starts with ``prefix``, in order.

        Times are ``time.monotonic()`` in this process, for measuring gaps between requests.
        """
        with self._lock:
            return [(t, r) for t, r in zip(self.request_times, self.requests) if r.path.startswith(prefix)]

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self.requests.append(record)
            self.request_times.append(time.monotonic())

    def _take_fault(self, path: str) -> str | None:
        """Remove and return the first queued fault that applies to ``path``."""
        with self._lock:
            for index, fault in enumerate(self.faults):
                kind, prefix = (fault, "") if isinstance(fault, str) else fault
                if path.startswith(prefix):
                    del self.faults[index]
                    return kind
        return None


class _Handler(BaseHTTPRequestHandler):
    """Routes one request to the fake arXiv or the fake Anthology."""

    server: _Server
    server_version = "fakeserver/1"
    _capture: list[tuple[int, bytes, str]] | None = None

    def log_message(self, format: str, *args: object) -> None:
        if self.server.services.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        services = self.server.services
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        services._record(RequestRecord("GET", url.path, query, headers))

        fault = services._take_fault(url.path)
        if fault is not None:
            return self._apply_fault(fault, url.path, query)
        if url.path == ARXIV_PATH:
            self._arxiv(query)
        elif url.path.startswith(fakedblp.PREFIX + "/"):
            self._dblp(url.path, query)
        elif (match := re.fullmatch(r"/([^/]+)\.bib", url.path)) is not None:
            self._anthology(match[1])
        elif url.path == DUMP_PATH:
            self._anthology_dump(headers)
        else:
            self._send(404, b"Not Found\n", "text/plain; charset=utf-8")

    # -- responses -----------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        if self._capture is not None:  # _real_answer: keep the answer instead of sending it
            self._capture.append((status, body, content_type))
            return
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_feed(self, status: int, body: bytes) -> None:
        self._send(status, body, "application/atom+xml; charset=utf-8")

    def _apply_fault(self, kind: str, path: str, query: dict[str, str] | None = None) -> None:
        """Answer with a scripted fault instead of the real answer."""
        services = self.server.services
        if kind == "429":
            self._send(429, b"Rate exceeded.", "text/plain")
        elif kind in ("429-retry-after", "503-retry-after"):
            status = int(kind[:3])
            body = b"Rate exceeded." if status == 429 else b"Service Unavailable\n"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Retry-After", services.retry_after)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif kind == "cut":
            status, body, content_type = self._real_answer(path, query or {})
            self._send(status, body[: len(body) // 2], content_type)
        elif kind == "notgzip":
            self._send(200, b"fakeserver: this is not gzip data\n" * 64, "application/gzip")
        elif kind == "500":
            self._send(500, b"Internal Server Error\n", "text/plain; charset=utf-8")
        elif kind == "503":
            self._send(503, b"Service Unavailable\n", "text/plain; charset=utf-8")
        elif kind == "empty":
            if path == ARXIV_PATH:
                page = FeedPage("", "", 0, 0)
                self._send_feed(200, render_arxiv_feed(page, [], 0))
            else:
                self._send(200, b"", "text/plain; charset=utf-8")
        elif kind == "timeout":
            # Say nothing; stop() cuts the wait short so shutdown never hangs.
            services._stopping.wait(services.hang_seconds)
            self.close_connection = True
        elif kind == "trickle":
            status, body, content_type = self._real_answer(path, query or {})
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.flush()
            try:
                for index in range(len(body)):
                    if services._stopping.wait(services.trickle_seconds):
                        break
                    self.wfile.write(body[index : index + 1])
                    self.wfile.flush()
            except OSError:  # the client gave up and closed the connection
                pass
            self.close_connection = True
        elif kind == "truncate":
            body = services.anthology_dump()[0] if path == DUMP_PATH else b"fakeserver: truncated answer\n" * 64
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
        else:
            self._send(500, f"fakeserver: unknown fault {kind!r}\n".encode(), "text/plain")

    def _real_answer(self, path: str, query: dict[str, str]) -> tuple[int, bytes, str]:
        """The answer a request would get without faults, as (status, body, content type).

        Used by the ``cut`` fault; a dump request gets the whole dump (no revalidation).
        """
        sent: list[tuple[int, bytes, str]] = []
        self._capture = sent
        try:
            if path == ARXIV_PATH:
                self._arxiv(query)
            elif path.startswith(fakedblp.PREFIX + "/"):
                self._dblp(path, query)
            elif (match := re.fullmatch(r"/([^/]+)\.bib", path)) is not None:
                self._anthology(match[1])
            elif path == DUMP_PATH:
                sent.append((200, self.server.services.anthology_dump()[0], "application/gzip"))
            else:
                sent.append((404, b"Not Found\n", "text/plain; charset=utf-8"))
        finally:
            self._capture = None
        return sent[0]

    def _arxiv(self, query: dict[str, str]) -> None:
        services = self.server.services
        search_query = query.get("search_query", "")
        id_list = query.get("id_list", "")
        try:
            start = int(query.get("start", "0"))
        except ValueError:
            start = -1
        try:
            max_results = int(query.get("max_results", "10"))  # arXiv's default page
        except ValueError:
            max_results = -1
        page = FeedPage(search_query, id_list, max(start, 0), max(max_results, 0))
        if start < 0:
            body = render_arxiv_error(
                page, "start_must_be_a_non-negative_integer", "start must be a non-negative integer"
            )
            return self._send_feed(400, body)
        if max_results < 0:
            body = render_arxiv_error(
                page, "max_results_must_be_a_non-negative_integer", "max_results must be a non-negative integer"
            )
            return self._send_feed(400, body)
        if search_query:
            message = b"fakeserver: search_query is not supported, only id_list\n"
            return self._send(501, message, "text/plain; charset=utf-8")

        requested = [i for i in id_list.split(",") if i] if id_list else []
        for arxiv_id in requested:
            if not ARXIV_ID_RE.match(arxiv_id):
                body = render_arxiv_error(
                    page, f"incorrect_id_format_for_{arxiv_id}", f"incorrect id format for {arxiv_id}"
                )
                return self._send_feed(400, body)

        found: list[tuple[ArxivRecord, int | None]] = []
        for arxiv_id in requested:
            version_match = _VERSION_RE.search(arxiv_id)
            base = arxiv_id[: version_match.start()] if version_match else arxiv_id
            record = services.arxiv.get(base)
            version = int(version_match[1]) if version_match else None
            # A version the paper does not have is an id arXiv does not know: no entry for it.
            if record is not None and not (version and record.latest_version and version > record.latest_version):
                found.append((record, version))
        window = found[start : start + max_results]
        entries = [render_arxiv_entry(record, version) for record, version in window]
        self._send_feed(200, render_arxiv_feed(page, entries, len(found)))

    def _anthology_dump(self, headers: dict[str, str]) -> None:
        """The complete export, revalidated as a static web server does (RFC 9110 13.2.2:
        If-None-Match decides when present; If-Modified-Since only without it)."""
        data, etag, last_modified = self.server.services.anthology_dump()
        if_none_match = headers.get("if-none-match")
        if_modified_since = headers.get("if-modified-since")
        if if_none_match is not None:
            tags = [t.strip() for t in if_none_match.split(",")]
            fresh = "*" in tags or any(t.removeprefix("W/") == etag for t in tags)
        elif if_modified_since is not None:
            try:
                since = email.utils.parsedate_to_datetime(if_modified_since)
                fresh = since.tzinfo is not None and last_modified <= since
            except (TypeError, ValueError):
                fresh = False  # an unreadable date is ignored, as servers do
        else:
            fresh = False
        self.send_response(304 if fresh else 200)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", email.utils.format_datetime(last_modified, usegmt=True))
        if fresh:
            self.end_headers()
            return
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _dblp(self, path: str, query: dict[str, str]) -> None:
        index = self.server.services.dblp_index()
        if path == fakedblp.PREFIX + "/search/publ/api":
            if query.get("format", "xml") != "json":
                return self._send(400, b"fakeserver: only format=json is served\n", "text/plain; charset=utf-8")
            try:
                hits = min(int(query.get("h", "30")), 1000)
                first = int(query.get("f", "0"))
            except ValueError:
                return self._send(400, b"Bad Request\n", "text/plain; charset=utf-8")
            body = fakedblp.search_answer(index, query.get("q", ""), hits, first)
            return self._send(200, body, "application/json; charset=utf-8")
        match = re.fullmatch(re.escape(fakedblp.PREFIX) + r"/rec/(.+)\.bib", path)
        entry = index.by_key.get(match[1]) if match else None
        if entry is None:
            return self._send(404, b"Not Found\n", "text/plain; charset=utf-8")
        self._send(200, entry.bibtex.encode("utf-8"), "application/x-bibtex; charset=utf-8")

    def _anthology(self, anthology_id: str) -> None:
        entry = self.server.services.anthology.get(anthology_id)
        if entry is None:
            return self._send(404, b"Not Found\n", "text/plain; charset=utf-8")
        self._send(200, anthology_bibtex(entry).encode("utf-8"), "application/x-bibtex; charset=utf-8")


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def _parse_fault(text: str) -> Fault:
    """``KIND`` or ``KIND@PREFIX`` from the command line."""
    kind, _, prefix = text.partition("@")
    if kind not in FAULT_KINDS:
        raise argparse.ArgumentTypeError(f"unknown fault {kind!r}; expected one of {', '.join(FAULT_KINDS)}")
    return (kind, prefix) if prefix else kind


def _split_command(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split ``[options] -- CMD ARGS...`` at the first ``--``."""
    argv = list(argv)
    if "--" in argv:
        cut = argv.index("--")
        return argv[:cut], argv[cut + 1 :]
    return argv, []


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fake services, alone or around one command; return the exit code."""
    own_args, command = _split_command(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="fakeserver.py",
        usage="%(prog)s [--port N] [--fault KIND[@PREFIX]]... [-- CMD ARGS...]",
        description="Serve a fake arXiv API and ACL Anthology on 127.0.0.1 from tests/fixtures. "
        "With a command: run it with EXPORTER_ARXIV_URL, EXPORTER_ACL_URL and "
        "EXPORTER_ARXIV_DELAY=0 pointing at the fakes, report request counts, and exit with "
        "its exit code.  Without: serve until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: any free port)")
    parser.add_argument("--hang-seconds", type=float, default=2.0, help="how long a timeout fault holds a request")
    parser.add_argument(
        "--fault", type=_parse_fault, action="append", default=[], metavar="KIND[@PREFIX]",
        help=f"queue a fault for the next matching request ({', '.join(FAULT_KINDS)}); repeatable",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument("--print-fills", action="store_true", help="print the list of filled arXiv values and exit")
    args = parser.parse_args(own_args)

    if args.print_fills:
        sys.stdout.write(format_fill_list(load_arxiv_records().values()))
        return 0

    services = FakeServices(args.host, args.port, hang_seconds=args.hang_seconds, verbose=args.verbose)
    services.faults.extend(args.fault)
    if not command:
        print(f"arXiv API:     {services.start().arxiv_url}", flush=True)
        print(f"ACL Anthology: {services.acl_url}", flush=True)
        print(f"DBLP:          {services.dblp_url}", flush=True)
        print("Ctrl-C to stop.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            services.serve_forever()
        return 0

    with services:
        env = dict(os.environ)
        env.update(
            EXPORTER_ARXIV_URL=services.arxiv_url,
            EXPORTER_ACL_URL=services.acl_url,
            EXPORTER_DBLP_URL=services.dblp_url,
            EXPORTER_ARXIV_DELAY="0",
            EXPORTER_DBLP_DELAY="0",
        )
        try:
            returncode = subprocess.run(command, env=env).returncode
        except FileNotFoundError:
            print(f"fakeserver: command not found: {command[0]}", file=sys.stderr)
            returncode = 127
        except KeyboardInterrupt:
            returncode = 130
        arxiv_n, acl_n = len(services.arxiv_requests), len(services.acl_requests)
        dump_n = len(services.dump_requests)
        dblp_n = len(services.dblp_searches) + len(services.dblp_records)
        other_n = len(services.requests) - arxiv_n - acl_n - dump_n - dblp_n
        summary = f"fakeserver: arXiv API: {arxiv_n} request(s); ACL Anthology: {acl_n} request(s)"
        if dblp_n:
            summary += (f"; DBLP: {len(services.dblp_searches)} search(es), "
                        f"{len(services.dblp_records)} record(s)")
        if dump_n:
            summary += f"; Anthology dump: {dump_n} request(s)"
        if other_n:
            summary += f"; other paths: {other_n} request(s)"
        print(summary, file=sys.stderr)
    return returncode


if __name__ == "__main__":
    sys.exit(main())
