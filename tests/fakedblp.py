"""The DBLP part of the local stand-in (served by ``fakeserver.py`` under ``/dblp``).

It answers DBLP's publication search and record export from real DBLP records:

* ``fixtures/dblp/records.bib``: the 9 real DBLP records of the published versions of seed
  papers (a copy of ``../shared/data/dblp/records.bib``; see ``fixtures/dblp/README.md``);
* ``../shared/data/corpus/dblp-sample-100k.bib.gz``: 100,000 real DBLP entries, the
  distractors (read from the shared data, not copied: 16.5 MiB; ``EXPORTER_TEST_DBLP_CORPUS``
  names another file, ``""`` none);
* DBLP's CoRR entry of every seed paper (DBLP lists each arXiv paper as
  ``journals/corr/abs-YYMM-NNNNN``, venue CoRR), built from the arXiv records the fake
  arXiv serves: title, authors and year of v1, as DBLP copies them from arXiv.

``GET /dblp/search/publ/api?q=...&format=json&h=N[&f=F]`` is a real word search over the
titles and author names of all of them, as DBLP's: every query word must match a word of
the entry, as a prefix (``instruct`` matches ``instruction``), case and accents ignored;
``|`` between words gives OR. Hits come most recent first (then by key), as a JSON body of
DBLP's shape (``../shared/data/dblp/README.md``): ``authors.author`` a list, or one object
for a single author; ``year`` a string; titles ending with "."; ``doi`` upper-cased; no
``hit`` key when there are no hits.

``GET /dblp/rec/<key>.bib`` answers the record's BibTeX: verbatim for the recorded records
and distractors, built in DBLP's layout for the CoRR entries.
"""

from __future__ import annotations

import bisect
import gzip
import json
import os
import re
import unicodedata
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Iterable

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
RECORDS = FIXTURES_DIR / "dblp" / "records.bib"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpus" / "dblp-sample-100k.bib.gz"
PREFIX = "/dblp"

TYPES = {"inproceedings": "Conference and Workshop Papers", "article": "Journal Articles",
         "incollection": "Parts in Books or Collections", "proceedings": "Editorship",
         "book": "Books and Theses", "phdthesis": "Books and Theses", "misc": "Informal and Other Publications"}
_FIELD = re.compile(r"^  ([a-z]+)\s*=\s*", re.MULTILINE)
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+\s*|\\.")
_SEARCH_NOISE = re.compile(r"\\[A-Za-z]+|\\.|[{}]")


class Entry:
    """One DBLP record: its key and BibTeX text; its fields are read when a search shows it."""

    def __init__(self, key: str, bibtex: str, entrytype: str) -> None:
        self.key, self.bibtex, self.entrytype = key, bibtex, entrytype

    @cached_property
    def fields(self) -> dict[str, str]:
        starts = list(_FIELD.finditer(self.bibtex))
        end = self.bibtex.rstrip().rfind("}")
        fields: dict[str, str] = {}
        for m, nxt in zip(starts, [*starts[1:], None]):
            value = self.bibtex[m.end(): nxt.start() if nxt else end].strip().rstrip(",").strip()
            if value.startswith("{") and value.endswith("}"):
                value = value[1:-1]
            fields[m[1]] = re.sub(r"\s+", " ", value)
        return fields

    @cached_property
    def authors(self) -> tuple[str, ...]:
        return tuple(plain(a) for a in re.split(r"\s+and\s+", self.fields.get("author", "")) if a.strip())

    def search_text(self) -> str:
        """Its title and author names, as raw BibTeX (what the search reads)."""
        text, parts = self.bibtex, []
        for name in ("\n  author", "\n  title"):
            start = text.find(name)
            if start < 0:
                continue
            end = start + 1
            while (end := text.find("\n  ", end + 1)) >= 0 and text[end + 3: end + 4] == " ":
                pass  # a continuation line: the value goes on
            parts.append(text[text.find("=", start) + 1: end if end >= 0 else len(text)])
        return " ".join(parts)

    @property
    def type(self) -> str:
        if self.key.startswith("journals/corr/"):
            return "Informal and Other Publications"
        return TYPES.get(self.entrytype, "Informal and Other Publications")

    @property
    def year(self) -> str:
        return self.fields.get("year", "")


def plain(latex: str) -> str:
    """BibTeX text as plain text, roughly: accents and commands dropped, braces gone, white space collapsed."""
    text = re.sub(r"\\([\'`^\"~=.uvHck])\s*\{?([A-Za-z])\}?", lambda m: _accent(m[1], m[2]), latex)
    text = _LATEX_COMMAND.sub("", text.replace("{-}", "-"))
    return re.sub(r"\s+", " ", text.replace("{", "").replace("}", "")).strip()


_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304", ".": "\u0307",
            "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328"}


def _accent(command: str, letter: str) -> str:
    return unicodedata.normalize("NFC", letter + _ACCENTS[command])


def words(text: str) -> list[str]:
    """Search words: accents folded, lower case, split at anything not a letter or digit."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return [w for w in _NOT_WORD.split(text.lower()) if w]


_NOT_WORD = re.compile(r"[^a-z0-9]+")
_WORD = re.compile(r"[a-z0-9]+")


def parse_entry(text: str) -> Entry | None:
    """One DBLP-layout BibTeX entry (`@type{DBLP:key,` then `  field = {value},` lines)."""
    head = _HEAD.match(text)
    if head is None:
        return None
    body = text.strip()
    return Entry(head[2], ("" if body.startswith("@") else "@") + body + "\n", head[1].lower())


_HEAD = re.compile(r"\s*@?(\w+)\{DBLP:([^,\s]+),")


def read_bibtex(text: str) -> list[Entry]:
    """Every DBLP entry of a .bib text (comment lines between entries skipped)."""
    out = []
    for block in ("\n" + text).split("\n@"):
        if "\n%" in block or block.startswith("%"):
            block = "\n".join(line for line in block.splitlines() if not line.startswith("%"))
        if block.strip() and (entry := parse_entry(block)) is not None:
            out.append(entry)
    return out


def corr_entry(arxiv_id: str, title: str, authors: Iterable[str], year: str) -> Entry:
    """DBLP's CoRR entry for an arXiv paper, in DBLP's BibTeX layout."""
    yymm, number = arxiv_id.split(".")
    key = f"journals/corr/abs-{yymm}-{number}"
    names = list(authors)
    author_lines = " and\n               ".join(names)
    bibtex = (
        f"@article{{DBLP:{key},\n"
        f"  author    = {{{author_lines}}},\n"
        f"  title     = {{{title}}},\n"
        f"  journal   = {{CoRR}},\n"
        f"  volume    = {{abs/{arxiv_id}}},\n"
        f"  year      = {{{year}}},\n"
        f"  url       = {{https://doi.org/10.48550/arXiv.{arxiv_id}}},\n"
        f"  doi       = {{10.48550/ARXIV.{arxiv_id}}},\n"
        f"  eprinttype = {{arXiv}},\n"
        f"  eprint    = {{{arxiv_id}}},\n"
        f"  biburl    = {{https://dblp.org/rec/{key}.bib}},\n"
        f"  bibsource = {{dblp computer science bibliography, https://dblp.org}}\n"
        "}\n"
    )
    return Entry(key, bibtex, "article")


class Index:
    """DBLP records with a prefix word search over titles and author names."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries: list[Entry] = []
        self.by_key: dict[str, Entry] = {}
        postings: dict[str, list[int]] = {}
        for entry in entries:
            if entry.key in self.by_key:
                continue
            row = len(self.entries)
            self.entries.append(entry)
            self.by_key[entry.key] = entry
            text = _SEARCH_NOISE.sub("", entry.search_text())
            if not text.isascii():
                text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
            for word in set(_WORD.findall(text.lower())):
                if (rows := postings.get(word)) is None:
                    postings[word] = [row]
                else:
                    rows.append(row)
        self.words = sorted(postings)
        self.postings = [postings[w] for w in self.words]

    def __len__(self) -> int:
        return len(self.entries)

    def _prefixed(self, prefix: str) -> set[int]:
        rows: set[int] = set()
        at = bisect.bisect_left(self.words, prefix)
        while at < len(self.words) and self.words[at].startswith(prefix):
            rows.update(self.postings[at])
            at += 1
        return rows

    def search(self, query: str) -> list[Entry]:
        """Entries matching every word of `query` (a word may be `a|b`), most recent first."""
        rows: set[int] | None = None
        for term in query.split():
            alternatives = [w for part in term.split("|") for w in words(part)]
            if not alternatives:
                continue
            # A query word with punctuation inside (`zero-shot`) is its words, each required.
            if "|" not in term:
                for word in alternatives:
                    matched = self._prefixed(word)
                    rows = matched if rows is None else rows & matched
            else:
                matched = set().union(*(self._prefixed(w) for w in alternatives))
                rows = matched if rows is None else rows & matched
        if not rows:
            return []
        found = [self.entries[r] for r in rows]
        return sorted(found, key=lambda e: (-int(e.year) if e.year.isdigit() else 0, e.key))


def hit_info(entry: Entry) -> dict[str, Any]:
    """The `info` object of one search hit, as DBLP's API gives it."""
    fields = entry.fields
    title = plain(fields.get("title", ""))
    info: dict[str, Any] = {}
    if entry.authors:
        people = [{"@pid": f"00/{abs(hash(a)) % 10000}", "text": a} for a in entry.authors]
        info["authors"] = {"author": people[0] if len(people) == 1 else people}
    info["title"] = title if title.endswith((".", "?", "!")) else title + "."
    venue = "CoRR" if entry.key.startswith("journals/corr/") else _short_venue(entry)
    info["venue"] = venue
    for name in ("volume", "number", "pages"):
        if fields.get(name):
            info[name] = plain(fields[name]).replace("--", "-")
    info["year"] = entry.year
    info["type"] = entry.type
    info["access"] = "open"
    info["key"] = entry.key
    if fields.get("doi"):
        info["doi"] = fields["doi"].upper()
    if fields.get("url"):
        info["ee"] = fields["url"].replace("\\_", "_")
    info["url"] = f"https://dblp.org/rec/{entry.key}"
    return info


def _short_venue(entry: Entry) -> str:
    """DBLP's short venue name: the conference's acronym or the journal's abbreviation, roughly."""
    if entry.entrytype == "article":
        return plain(entry.fields.get("journal", ""))
    acronyms = re.findall(r"\{([A-Z][A-Za-z]+)\}", entry.fields.get("booktitle", ""))
    return acronyms[-1] if acronyms else entry.key.split("/")[1].upper()


def search_answer(index: Index, query: str, hits: int, first: int = 0) -> bytes:
    """The JSON body DBLP's search API sends."""
    found = index.search(query)
    page = found[first: first + hits]
    body: dict[str, Any] = {"result": {
        "query": query,
        "status": {"@code": "200", "text": "OK"},
        "time": {"@unit": "msecs", "text": "1.00"},
        "completions": {"@total": "0", "@computed": "0", "@sent": "0"},
        "hits": {"@total": str(len(found)), "@computed": str(min(len(found), 1000)), "@sent": str(len(page)),
                 "@first": str(first)},
    }}
    if page:
        body["result"]["hits"]["hit"] = [
            {"@score": "1", "@id": str(1000 + n), "info": hit_info(e), "url": f"URL#{1000 + n}"}
            for n, e in enumerate(page)
        ]
    return json.dumps(body).encode("utf-8")


def corpus_path() -> Path | None:
    """The distractor corpus: EXPORTER_TEST_DBLP_CORPUS if set ("" for none), else the shared 100k sample."""
    named = os.environ.get("EXPORTER_TEST_DBLP_CORPUS")
    if named is not None:
        return Path(named) if named else None
    return CORPUS


@cache
def _distractors(path: Path | None) -> tuple[Entry, ...]:
    if path is None:
        return ()
    with gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8") as handle:
        return tuple(read_bibtex(handle.read()))


@cache
def recorded() -> tuple[Entry, ...]:
    """The 9 recorded published versions."""
    return tuple(read_bibtex(RECORDS.read_text(encoding="utf-8")))


@cache
def build_index(arxiv: tuple[tuple[str, str, tuple[str, ...], str], ...], corpus: Path | None) -> Index:
    """The index of the recorded records, the CoRR twins of `arxiv` ((id, title, authors, year), ...) and the
    distractors; built once per process (the corpus takes a few seconds)."""
    twins = [corr_entry(*paper) for paper in arxiv]
    return Index([*recorded(), *twins, *_distractors(corpus)])
