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

from exporter.text import ascii_fold, clean, from_arxiv_tex, from_latex, normalise_title  # noqa: F401 - re-exported

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
    volume: str = ""
    issue: str = ""  # a journal's issue (BibTeX `number`)
    edition: str = ""
    collection_title: str = ""  # the series (BibTeX `series`)
    chapter_number: str = ""
    ISBN: str = ""
    ISSN: str = ""
    DOI: str = ""
    URL: str = ""
    abstract: str = ""
    number: str = ""  # arXiv id of a preprint, as Zotero and citeproc expect it
    # Beyond CSL: eprint data kept for published papers too, and the list's own fields.
    arxiv: str = ""
    arxiv_class: str = ""
    arxiv_issued: tuple[int, ...] = ()  # date of arXiv v1
    acl: str = ""
    dblp: str = ""
    link: str = ""  # the link the Markdown list shows
    venue: str = ""  # short venue of a preprint's published version ("ACL 2023"), for the list
    list_date: str = ""  # "2021.9", the date the Markdown list shows
    section: str = ""
    tags: tuple[str, ...] = ()
    note: str = ""  # the list's comment on the paper (the README shows it)
    bibnote: str = ""  # a note printed in the reference (CSL `note`, BibTeX `note`)
    code: str = ""

    @property
    def year(self) -> int | None:
        """Year of issue, if known."""
        return self.issued[0] if self.issued else None


# A name nameparser splits trivially: capitalised Latin words (hyphenated ones too) and initials
# (`A.`), the last one a word. With none of its words in nameparser's vocabulary (titles,
# suffixes, particles, conjunctions, ...), nameparser gives the last word as the family name and
# the rest as given names; `split_name` says so without it (nameparser takes ~0.1 ms a name:
# 2.4 s for the 24,873 authors of the 10,000-paper benchmark). Checked equal to nameparser 2.6 on
# the 134,604 distinct names of the DBLP corpus samples and the seed list (127,504 take this path).
_UPPER, _LOWER = "A-Z\u00c0-\u00d6\u00d8-\u00de", "a-z\u00df-\u00f6\u00f8-\u00ff"
_WORD = f"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)*"
_PLAIN_NAME = re.compile(f"(?:(?:[{_UPPER}]\\.|{_WORD}) )+{_WORD}")


@lru_cache(maxsize=1)
def _name_vocabulary() -> frozenset[str] | None:
    """Every word nameparser's default vocabulary holds (lower case); None without its `Lexicon` (1.x)."""
    import dataclasses

    import nameparser  # lazy, as in split_name: 25 ms to import, only needed when names are split

    lexicon = getattr(nameparser, "Lexicon", None)
    if lexicon is None:
        return None
    default = lexicon.default()
    words: set[str] = set()
    for spec in dataclasses.fields(default):
        value = getattr(default, spec.name)
        if isinstance(value, frozenset):
            for entry in value:
                words.add(entry)
                words.update(entry.split())
    return frozenset(words)


def _plain_split(text: str) -> Name | None:
    """`text` split as nameparser splits it, for a name it splits trivially (see `_PLAIN_NAME`); else None."""
    if _PLAIN_NAME.fullmatch(text) is None:
        return None
    vocabulary = _name_vocabulary()
    if vocabulary is None:
        return None
    words = text.split(" ")
    for word in words:
        lower = word.lower()
        if lower in vocabulary or lower.rstrip(".") in vocabulary:
            return None
        if "-" in lower and any(p in vocabulary or p + "-" in vocabulary for p in lower.split("-")):
            return None
    return Name(family=words[-1], given=" ".join(words[:-1]))


@lru_cache(maxsize=65536)  # nameparser is slow, and the same names recur across builds
def split_name(name: str) -> Name:
    """Split a full name (`Teven Le Scao`) into family and given names, particles kept."""
    text = clean(name)
    plain = _plain_split(text)
    if plain is not None:
        return plain
    from nameparser import HumanName  # lazy: only needed when building records

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
    return replace(_from_bibtex_export(data["entrytype"], data["fields"], bibtex_names(data["fields"].get("author", ""))),
                   URL=data["fields"].get("url") or ANTHOLOGY.format(data["id"]), acl=data["id"])


# DBLP tells people apart who share a name by a number after it: "Wei Wang 0001" (in a BibTeX
# name list: "Wei Wang 0001 and ..."). The one home of that rule (the DBLP finder reads names too).
DBLP_NUMBER = re.compile(r"\s+[0-9]{4}(?=\s+and\s|\s*$)")
# DBLP's record types -> CSL types.
_DBLP_TYPES = {"inproceedings": "paper-conference", "incollection": "chapter", "article": "article-journal",
               "book": "book", "phdthesis": "thesis", "mastersthesis": "thesis", "techreport": "report"}


def from_dblp(data: Mapping[str, Any]) -> Record:
    """A venue record from the lock's DBLP BibTeX fields: disambiguation numbers and bookkeeping
    (`timestamp`, `biburl`, `bibsource`) dropped."""
    from bibtexparser.middlewares.names import split_multiple_persons_names

    fields = data["fields"]
    # DBLP writes each name as "Given Family" (never "Family, Given"): split like arXiv's names, so
    # particles stay in the family name ("Teven Le Scao": Le Scao) whichever source a record came from.
    names = split_multiple_persons_names(DBLP_NUMBER.sub("", fields.get("author", "")))
    authors = tuple(bibtex_names(n)[0] if "," in n else split_name(from_latex(n)) for n in names)
    record = _from_bibtex_export(data["entrytype"], fields, authors)
    return replace(record, type=_DBLP_TYPES.get(data["entrytype"], "document"), dblp=data["id"])


def _from_bibtex_export(entrytype: str, fields: Mapping[str, str], authors: tuple[Name, ...]) -> Record:
    """The fields a venue's BibTeX export (the Anthology's, DBLP's) carries, LaTeX decoded."""
    year = int(fields["year"]) if fields.get("year", "").isdigit() else None
    month = fields.get("month", "").strip().lower()[:3]
    issued: tuple[int, ...] = ()
    if year:
        issued = (year, MONTHS.index(month) + 1) if month in MONTHS else (year,)
    journal = entrytype == "article"
    return Record(
        id="",
        type="paper-conference" if entrytype == "inproceedings" else "article-journal",
        title=from_latex(fields.get("title", "")),
        author=authors,
        issued=issued,
        container_title=from_latex(fields.get("booktitle") or fields.get("journal") or ""),
        publisher=from_latex(fields.get("publisher", "")),
        publisher_place=from_latex(fields.get("address", "")),
        editor=bibtex_names(fields["editor"]) if fields.get("editor") else (),
        page=re.sub(r"-+", "-", fields.get("pages", "")),
        volume=from_latex(fields.get("volume", "")),
        issue=from_latex(fields.get("number", "")) if journal else "",
        edition=from_latex(fields.get("edition", "")),
        collection_title=from_latex(fields.get("series", "")),
        ISBN=fields.get("isbn", ""),
        ISSN=fields.get("issn", ""),
        DOI=fields.get("doi", ""),
        URL=re.sub(r"\\([_%&#$])", r"\1", fields.get("url", "")),  # DBLP writes paper\_files
        abstract=from_latex(fields.get("abstract", "")),
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


# What a venue's BibTeX export record in the lock must hold (the Anthology's, DBLP's).
_BIBTEX_EXPORT: Mapping[str, Callable[[Any], bool]] = {
    "id": lambda v: isinstance(v, str),
    "entrytype": lambda v: isinstance(v, str),
    "fields": lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
}

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
    "acl": Converter(from_acl, _BIBTEX_EXPORT),
    "dblp": Converter(from_dblp, _BIBTEX_EXPORT),
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
              "abstract": "abstract", "pages": "page", "publisher": "publisher",
              "volume": "volume", "issue": "issue", "edition": "edition", "series": "collection_title",
              "chapter": "chapter_number", "isbn": "ISBN", "issn": "ISSN", "bibnote": "bibnote"}
    for key, attr in simple.items():
        if key in overrides:
            # White space collapsed like upstream text: a TOML multi-line string kept its newlines.
            changes[attr] = clean(overrides[key])
    if "pages" in overrides:  # 12--34, 12–34, 12 - 34: one range, written 12-34 as upstream pages are
        changes["page"] = re.sub(r"\s*(?:-+|\u2013|\u2014)\s*", "-", changes["page"])
    if "authors" in overrides:
        changes["author"] = _override_names(overrides["authors"])
    if "editors" in overrides:
        changes["editor"] = _override_names(overrides["editors"])
    if "year" in overrides or "month" in overrides:
        year = overrides.get("year", record.year)
        month = overrides.get("month") or (record.issued[1] if "year" not in overrides and len(record.issued) > 1 else None)
        if year is not None:
            changes["issued"] = (year, month) if month else (year,)
    return replace(record, **changes)


# What tells two works of one title apart (Bellman's 1957 book and his 1966 article): year, CSL type and
# the first author's family name (normalised); "" or None where unknown.
Work = tuple[int | None, str, str]


def work_of(record: Record) -> Work:
    """A record's year, type and first author's family name, as `same_work` compares them."""
    return record.year, record.type, normalise_title(record.author[0].family) if record.author else ""


def same_work(a: Work, b: Work) -> bool:
    """Whether two papers of the same title are one work: years at most one apart, the same type and the
    same first author, each compared only where both are known. An arXiv preprint (type `article`) is one
    work with its published version of any type, published any time after it."""
    (year_a, type_a, family_a), (year_b, type_b, family_b) = a, b
    if family_a and family_b and family_a != family_b:
        return False
    if "article" in (type_a, type_b) and type_a != type_b:
        preprint, other = (year_a, year_b) if type_a == "article" else (year_b, year_a)
        return preprint is None or other is None or other >= preprint - 1
    if type_a and type_b and type_a != type_b:
        return False
    return year_a is None or year_b is None or abs(year_a - year_b) <= 1



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
