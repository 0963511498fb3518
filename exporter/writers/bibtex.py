"""refs.bib for `\\bibliography{}`: `@inproceedings` for Anthology papers, `@misc` for arXiv preprints.

Entries are written as bibtexparser v2's writer writes them (two-space indent, a comma after every field);
its `Entry`/`Field` objects and writer serve only to refuse two entries with one key.
Field order is fixed for reproducibility; values are LaTeX-encoded and brace-delimited.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Sequence

from exporter.model import MONTHS, Name, Record
from exporter.sources import ListMeta
from exporter.venues import conference_name
from exporter.writers import WriteOptions
from exporter.writers.latex import prose_to_latex, title_to_latex, to_latex


# BibTeX splits a name list at `and` between white space (any case) and a name at commas,
# and reads a name that is just `others` as "et al.": such parts are brace-protected.
_SPLITS = re.compile(r",|\sand\s", re.IGNORECASE)


def _protect(part: str) -> str:
    return "{" + part + "}" if _SPLITS.search(f" {part} ") or part == "others" else part


def name_to_bibtex(name: Name, unicode: bool = False) -> str:
    """`Family, Given` (or `Family, Suffix, Given`): the form BibTeX splits without guessing."""
    family = to_latex(name.family, unicode)
    if not name.given and " " in name.family:
        return "{" + family + "}"  # an organisation, or a name that must stay whole
    words = name.family.split()
    if len(words) > 1 and words[0][:1].isupper() and any(w[:1].islower() for w in words[1:]):
        # `Vázques de Parga`: BibTeX would take `Vázques de` for the von part and Parga for the family name.
        family = "{" + family + "}"
    rest = [_protect(to_latex(p, unicode)) for p in (name.suffix, name.given) if p]
    return ", ".join([_protect(family), *rest])


def names_to_bibtex(names: Sequence[Name], unicode: bool = False) -> str:
    """Authors or editors joined by ` and `."""
    return " and ".join(name_to_bibtex(n, unicode) for n in names)


class EntryType(NamedTuple):
    """How one CSL type is written: its entry type, and the fields it has for the container, the
    publisher and the place (None: that entry type has no such field), whether it has pages, and which of
    series, edition, chapter, isbn and issn it has (`note` every type has)."""

    name: str
    container: str | None
    publisher: str | None
    place: str | None
    pages: bool
    extras: frozenset[str] = frozenset()


# biblatex's data model (blx-dm.def), so that biber --validate-datamodel stays silent in both dialects.
_CONFERENCE = frozenset({"series", "number", "chapter", "isbn"})
_JOURNAL = frozenset({"series", "number", "issn"})
_REPORT = frozenset({"number", "chapter"})
_THESIS = frozenset({"chapter"})
_BOOK = frozenset({"series", "number", "edition", "chapter", "isbn"})


# Per dialect and CSL type: what BibTeX styles print (and require: institution, school), and
# what biblatex's data model allows, so `biber --validate-datamodel` stays silent (@misc and
# @online have no publisher but an organization; @article neither). A preprint's publisher is
# arXiv, said by its eprint fields. A type not listed is written as a document.
ENTRY_TYPES: dict[str, dict[str, EntryType]] = {
    "bibtex": {
        "paper-conference": EntryType("inproceedings", "booktitle", "publisher", "address", True, _CONFERENCE),
        "article-journal": EntryType("article", "journal", None, None, True, _JOURNAL),
        "chapter": EntryType("incollection", "booktitle", "publisher", "address", True, _BOOK),
        "article": EntryType("misc", "journal", None, None, False),
        "report": EntryType("techreport", None, "institution", "address", True, _REPORT),
        "thesis": EntryType("phdthesis", None, "school", "address", True, _THESIS),
        "book": EntryType("book", None, "publisher", "address", True, _BOOK),
        "webpage": EntryType("misc", "howpublished", "organization", "address", True),
        "document": EntryType("misc", "howpublished", "organization", "address", True),
    },
    "biblatex": {
        "paper-conference": EntryType("inproceedings", "booktitle", "publisher", "location", True, _CONFERENCE),
        "article-journal": EntryType("article", "journaltitle", None, None, True, _JOURNAL),
        "chapter": EntryType("incollection", "booktitle", "publisher", "location", True, _BOOK),
        "article": EntryType("online", "journaltitle", None, None, False),
        "report": EntryType("techreport", None, "institution", "location", True, _REPORT),
        "thesis": EntryType("phdthesis", None, "institution", "location", True, _THESIS),
        "book": EntryType("book", None, "publisher", "location", True, _BOOK),
        "webpage": EntryType("online", "organization", "organization", None, False),
        "document": EntryType("misc", "howpublished", "organization", "location", False),
    },
}


def entry_type(record: Record, dialect: str) -> EntryType:
    """How `record` is written in `dialect`. A chapter without editors is biblatex's @inbook (its
    @incollection requires them)."""
    types = ENTRY_TYPES[dialect]
    kind = types.get(record.type, types["document"])
    if record.type == "chapter" and dialect == "biblatex" and not record.editor:
        return kind._replace(name="inbook")
    return kind


def to_fields(record: Record, dialect: str = "bibtex", unicode: bool = False) -> list[tuple[str, str]]:
    """The (field, raw value) pairs of one entry, in output order; raw values carry their delimiters.

    `bibtex` writes what classic BibTeX styles (natbib, ACL) read: year/month, address,
    archivePrefix/primaryClass. `biblatex` writes biblatex's own data model: date,
    location, eprinttype/eprintclass, journaltitle.
    """
    biblatex = dialect == "biblatex"
    fields: list[tuple[str, str]] = []

    def add(name: str, value: str, raw: bool = False) -> None:
        if value:
            fields.append((name, value if raw else "{" + value + "}"))

    def text(value: str) -> str:
        return to_latex(value, unicode)

    add("title", title_to_latex(record.title, unicode))
    add("author", names_to_bibtex(record.author, unicode))
    if record.type not in ("report", "thesis") and record.editor != record.author:
        # The types biblatex's data model gives editors; an edited volume's editors are already its authors
        # (BibTeX styles refuse both: "can't use both author and editor fields").
        add("editor", names_to_bibtex(record.editor, unicode))
    _, container, publisher, place, pages, extras = entry_type(record, dialect)
    if container and publisher == container:  # one field for both (biblatex @online: organization)
        add(container, title_to_latex(record.container_title or record.publisher, unicode))
    elif container:
        add(container, title_to_latex(record.container_title, unicode))
    if record.type == "paper-conference" and not biblatex:
        # Zotero's conferenceName. BibTeX styles ignore it; biblatex styles would print it after the
        # booktitle it repeats, so the biblatex dialect leaves it out.
        add("eventtitle", title_to_latex(conference_name(record.container_title), unicode))
    if biblatex:
        add("date", "-".join(f"{p:02d}" if i else f"{p:04d}" for i, p in enumerate(record.issued)))
    else:
        if len(record.issued) > 1:
            add("month", MONTHS[record.issued[1] - 1], raw=True)  # a macro: styles localise it
        add("year", str(record.year or ""))
        if len(record.issued) > 2:
            add("day", str(record.issued[2]))  # BibTeX styles ignore it; Zotero and biber read it
    if place:
        add(place, text(record.publisher_place))
    if publisher and publisher != container:
        # A report's institution or a thesis's school may be given as its venue.
        add(publisher, text(record.publisher or (record.container_title if not container else "")))
    if "series" in extras:
        add("series", title_to_latex(record.collection_title, unicode))
    add("volume", text(record.volume))
    if "number" in extras:
        add("number", text(record.issue))
    if "edition" in extras:
        add("edition", text(record.edition))
    if "chapter" in extras:
        add("chapter", text(record.chapter_number))
    if pages:
        # One hyphen: BibTeX styles (n.dashify) and biber print a range with an en dash either way, and
        # Zotero keeps it as it is (it would turn `--` into an en dash).
        add("pages", to_latex(record.page, unicode))
    if "isbn" in extras:
        add("isbn", text(record.ISBN))
    if "issn" in extras:
        add("issn", text(record.ISSN))
    add("doi", record.DOI)
    add("url", record.URL)
    if record.arxiv:
        add("eprint", record.arxiv)
        if not biblatex:
            add("archivePrefix", "arXiv")
        add("eprinttype", "arxiv")  # Zotero keeps the arXiv id only when it sees eprinttype
        add("eprintclass" if biblatex else "primaryClass", record.arxiv_class)
    add("note", prose_to_latex(record.bibnote, unicode))
    add("abstract", prose_to_latex(record.abstract, unicode))
    return fields


def write(records: Sequence[Record], meta: ListMeta | None = None, options: WriteOptions | None = None, *,
          dialect: str | None = None, unicode: bool | None = None) -> str:
    """The whole .bib file, in the BibTeX or the biblatex dialect, LaTeX-encoded or UTF-8.

    The dialect and the encoding are `options.bibtex_dialect` and `options.bibtex_unicode`;
    the `dialect` and `unicode` keywords, when given, override them.
    """
    options = options or WriteOptions()
    dialect = options.bibtex_dialect if dialect is None else dialect
    unicode = options.bibtex_unicode if unicode is None else unicode
    entries = [(entry_type(record, dialect).name, record.id, to_fields(record, dialect, unicode)) for record in records]
    if len({key for _, key, _ in entries}) == len(entries):
        # What bibtexparser's writer writes with the format below, without building its library first
        # (10,000 papers: 0.2 s). Two entries with one key go to bibtexparser, which refuses them.
        return "\n".join("@" + kind + "{" + key + ",\n" + "".join(f"  {name} = {value},\n" for name, value in fields)
                         + "}\n" for kind, key, fields in entries).strip() + "\n"
    # Imported here, only for that error: bibtexparser takes 17 ms to import.
    from bibtexparser import Library, write_string
    from bibtexparser.model import Entry, Field
    from bibtexparser.writer import BibtexFormat

    library = Library()
    for kind, key, pairs in entries:
        library.add(Entry(kind, key, [Field(k, v) for k, v in pairs]))
    fmt = BibtexFormat()
    fmt.indent = "  "  # the default is a tab
    fmt.block_separator = "\n"
    fmt.trailing_comma = True
    # No unparse middlewares: values already carry their braces, and month its bare macro.
    return write_string(library, unparse_stack=[], bibtex_format=fmt).strip() + "\n"
