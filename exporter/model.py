"""The one record model (CSL-JSON variables) and its construction from lock data plus TOML.

Resolvers store upstream metadata in the lock as they got it; this module turns it into
`Record`s: names split, LaTeX decoded, the Anthology record preferred over the preprint,
then the user's overrides applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Callable, Mapping, NamedTuple

from exporter.text import ascii_fold, clean, from_arxiv_tex, from_latex  # noqa: F401 - re-exported

ARXIV_ABS = "https://arxiv.org/abs/{}"
ANTHOLOGY = "https://aclanthology.org/{}/"
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@dataclass(frozen=True, order=True)
class Name:
    """A person's name split as CSL does it; particles stay in `family` (Zotero drops them otherwise)."""

    family: str
    given: str = ""
    suffix: str = ""

    @property
    def display(self) -> str:
        """The name as written in running text: `Teven Le Scao`."""
        return " ".join(p for p in (self.given, self.family) if p) + (f", {self.suffix}" if self.suffix else "")


@dataclass(frozen=True)
class Record:
    """One paper. Field names follow CSL-JSON variables (container_title = container-title)."""

    id: str
    type: str  # CSL type: "article" (arXiv preprint), "paper-conference", or a manual entry's (sources.TYPES)
    title: str
    author: tuple[Name, ...]
    issued: tuple[int, ...]  # CSL date-parts: (year, month, day), as much as known
    container_title: str = ""
    publisher: str = ""
    publisher_place: str = ""
    editor: tuple[Name, ...] = ()
    page: str = ""  # "3470-3487"
    DOI: str = ""
    URL: str = ""
    abstract: str = ""
    number: str = ""  # arXiv id of a preprint, as Zotero and citeproc expect it
    # Beyond CSL: eprint data kept for published papers too, and the list's own fields.
    arxiv: str = ""
    arxiv_class: str = ""
    arxiv_issued: tuple[int, ...] = ()  # date of arXiv v1
    acl: str = ""
    link: str = ""  # the link the Markdown list shows
    venue: str = ""  # short venue of a preprint's published version ("ACL 2023"), for the list
    list_date: str = ""  # "2021.9", the date the Markdown list shows
    section: str = ""
    tags: tuple[str, ...] = ()
    note: str = ""
    code: str = ""

    @property
    def year(self) -> int | None:
        """Year of issue, if known."""
        return self.issued[0] if self.issued else None


@lru_cache(maxsize=65536)  # nameparser is slow, and the same names recur across builds
def split_name(name: str) -> Name:
    """Split a full name (`Teven Le Scao`) into family and given names, particles kept."""
    from nameparser import HumanName  # lazy: only needed when building records

    text = clean(name)
    parsed = HumanName(text)
    family = parsed.last
    given = " ".join(p for p in (parsed.title, parsed.first, parsed.middle) if p)
    if not family:  # a single name, or one the parser could not read: keep it whole
        return Name(family=text)
    return Name(family=family, given=given, suffix=parsed.suffix)


def bibtex_names(value: str) -> tuple[Name, ...]:
    """A BibTeX name list (`Jim{\\'e}nez, Bernal and ...`) as Names, LaTeX decoded."""
    from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names

    names = []
    for raw in split_multiple_persons_names(value):
        parts = parse_single_name_into_parts(raw)
        family = " ".join(parts.von + parts.last)
        names.append(Name(from_latex(family), from_latex(" ".join(parts.first)), from_latex(" ".join(parts.jr))))
    return tuple(names)


def _date(text: str | None) -> tuple[int, ...]:
    if not text:
        return ()
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    return (int(m[1]), int(m[2]), int(m[3])) if m else ()


def from_arxiv(data: Mapping[str, Any]) -> Record:
    """A preprint record from the lock's arXiv metadata."""
    arxiv_id = data["id"]
    issued = _date(data.get("published"))
    return Record(
        id="",
        type="article",
        title=from_arxiv_tex(data["title"]),
        author=tuple(split_name(from_arxiv_tex(a)) for a in data["authors"]),
        issued=issued,
        publisher="arXiv",
        DOI=f"10.48550/arXiv.{arxiv_id}",
        URL=ARXIV_ABS.format(arxiv_id),
        abstract=from_arxiv_tex(data.get("abstract") or ""),
        number=arxiv_id,
        arxiv=arxiv_id,
        arxiv_class=data.get("primary_category") or "",
        arxiv_issued=issued,
    )


def from_acl(data: Mapping[str, Any]) -> Record:
    """A proceedings record from the lock's Anthology BibTeX fields."""
    fields = data["fields"]
    year = int(fields["year"]) if fields.get("year", "").isdigit() else None
    month = fields.get("month", "").strip().lower()[:3]
    issued: tuple[int, ...] = ()
    if year:
        issued = (year, MONTHS.index(month) + 1) if month in MONTHS else (year,)
    return Record(
        id="",
        type="paper-conference" if data["entrytype"] == "inproceedings" else "article-journal",
        title=from_latex(fields.get("title", "")),
        author=bibtex_names(fields.get("author", "")),
        issued=issued,
        container_title=from_latex(fields.get("booktitle") or fields.get("journal") or ""),
        publisher=from_latex(fields.get("publisher", "")),
        publisher_place=from_latex(fields.get("address", "")),
        editor=bibtex_names(fields["editor"]) if fields.get("editor") else (),
        page=re.sub(r"-+", "-", fields.get("pages", "")),
        DOI=fields.get("doi", ""),
        URL=fields.get("url") or ANTHOLOGY.format(data["id"]),
        abstract=from_latex(fields.get("abstract", "")),
        acl=data["id"],
    )


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


class Converter(NamedTuple):
    """How the lock records of one kind of identifier become Records, and what that relies on.

    `fields` maps each field `to_record` needs to a check of its value: the lock refuses a
    record that fails one (a hand edit or a bad merge), naming its line.
    """

    to_record: Callable[[Mapping[str, Any]], Record]
    fields: Mapping[str, Callable[[Any], bool]]


# Kind of identifier -> its converter: one row per kind that has records (see exporter.ids.KINDS).
CONVERTERS: dict[str, Converter] = {
    "arxiv": Converter(from_arxiv, {
        "id": lambda v: isinstance(v, str),
        "title": lambda v: isinstance(v, str),
        "authors": _is_str_list,
        "abstract": lambda v: v is None or isinstance(v, str),
        "published": lambda v: v is None or isinstance(v, str),
        "primary_category": lambda v: v is None or isinstance(v, str),
    }),
    "acl": Converter(from_acl, {
        "id": lambda v: isinstance(v, str),
        "entrytype": lambda v: isinstance(v, str),
        "fields": lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
    }),
}


def _override_names(values: list[Any]) -> tuple[Name, ...]:
    # Cleaned like every other name: the BibTeX writer decides how to brace a name by its spaces.
    return tuple(
        split_name(v) if isinstance(v, str) else Name(clean(v["family"]), clean(v.get("given", "")),
                                                      clean(v.get("suffix", "")))
        for v in values
    )


def apply_overrides(record: Record, overrides: Mapping[str, Any]) -> Record:
    """Replace resolved fields by the user's values from the TOML.

    A `venue` on a preprint says where it was published: the record becomes a conference
    paper in that venue (arXiv stays its eprint), so every format carries the venue.
    """
    changes: dict[str, Any] = {}
    if "venue" in overrides and record.type == "article":
        changes.update(type="paper-conference", publisher="", number="")
    if overrides.get("type", record.type) != record.type:
        changes["type"] = overrides["type"]
        if record.type == "article":  # no longer a preprint: arXiv is not its publisher
            changes.update(publisher="", number="")
    simple = {"title": "title", "venue": "container_title", "doi": "DOI", "url": "URL",
              "abstract": "abstract", "pages": "page", "publisher": "publisher"}
    for key, attr in simple.items():
        if key in overrides:
            # White space collapsed like upstream text: a TOML multi-line string kept its newlines.
            changes[attr] = clean(overrides[key])
    if "pages" in overrides:  # 12--34, 12–34, 12 - 34: one range, written 12-34 as upstream pages are
        changes["page"] = re.sub(r"\s*(?:-+|\u2013|\u2014)\s*", "-", changes["page"])
    if "authors" in overrides:
        changes["author"] = _override_names(overrides["authors"])
    if "year" in overrides or "month" in overrides:
        year = overrides.get("year", record.year)
        month = overrides.get("month") or (record.issued[1] if "year" not in overrides and len(record.issued) > 1 else None)
        if year is not None:
            changes["issued"] = (year, month) if month else (year,)
    return replace(record, **changes)


# --- citation keys -------------------------------------------------------------------

_STOPWORDS = frozenset(
    "a an the on of for in to with and or is are be by at as from via towards toward into "
    "do does can how what when why we our your its it this that".split()
)
def base_key(record: Record) -> str:
    """Google Scholar style key: first author's family name, year, first significant title word."""
    family = record.author[0].family if record.author else "anon"
    name = re.sub(r"[^a-z]", "", ascii_fold(family).lower()) or "anon"
    year = str(record.year or "")
    words = re.findall(r"[a-z0-9]+", ascii_fold(record.title).lower())
    word = next((w for w in words if w not in _STOPWORDS), words[0] if words else "")
    return f"{name}{year}{word}"


def assign_keys(candidates: list[tuple[str, Record]], taken: Mapping[str, str]) -> dict[str, str]:
    """Give each (uid, record) without a key in `taken` a unique key, in list order.

    Keys compare case-insensitively (as BibTeX, biber and pybtex do); a collision gets
    a, b, c... appended. Keys already in `taken` (pinned or locked) never change.
    """
    keys = dict(taken)
    used = {k.lower() for k in keys.values()}
    for uid, record in candidates:
        if uid in keys:
            continue
        base = base_key(record)
        key, n = base, 0
        while key.lower() in used:
            key = base + _suffix(n)
            n += 1
        keys[uid] = key
        used.add(key.lower())
    return keys


def _suffix(n: int) -> str:
    """a, b, ..., z, aa, ab, ...: as many suffixes as collisions."""
    letters = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("a") + rem) + letters
    return letters
