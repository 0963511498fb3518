"""refs.bib for `\\bibliography{}`: `@inproceedings` for Anthology papers, `@misc` for arXiv preprints.

Entries are built as bibtexparser v2 `Entry`/`Field` objects and written by its writer.
Field order is fixed for reproducibility; values are LaTeX-encoded and brace-delimited.
"""

from __future__ import annotations

import re
from typing import Sequence

from exporter.model import MONTHS, Name, Record
from exporter.sources import ListMeta
from exporter.writers.latex import title_to_latex, to_latex


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
    rest = [_protect(to_latex(p, unicode)) for p in (name.suffix, name.given) if p]
    return ", ".join([_protect(family), *rest])


def names_to_bibtex(names: Sequence[Name], unicode: bool = False) -> str:
    """Authors or editors joined by ` and `."""
    return " and ".join(name_to_bibtex(n, unicode) for n in names)


# Entry types per CSL type, for each dialect (anything else is @misc).
ENTRY_TYPES = {
    "bibtex": {"paper-conference": "inproceedings", "article-journal": "article", "article": "misc",
               "report": "techreport", "book": "book", "thesis": "phdthesis"},
    "biblatex": {"paper-conference": "inproceedings", "article-journal": "article", "article": "online",
                 "report": "techreport", "book": "book", "thesis": "phdthesis", "webpage": "online"},
}
# Per dialect and CSL type, the fields that entry type has for (container, publisher, place,
# pages?): what BibTeX styles print (and require: institution, school), and what biblatex's data
# model allows, so `biber --validate-datamodel` stays silent (@misc and @online have no
# publisher but an organization; @article neither). A preprint's publisher is arXiv, said by
# its eprint fields.
_FIELDS: dict[str, dict[str, tuple[str | None, str | None, str | None, bool]]] = {
    "bibtex": {
        "paper-conference": ("booktitle", "publisher", "address", True),
        "article-journal": ("journal", None, None, True),
        "article": ("journal", None, None, False),
        "report": (None, "institution", "address", True),
        "thesis": (None, "school", "address", True),
        "book": (None, "publisher", "address", True),
        "webpage": ("howpublished", "organization", "address", True),
        "document": ("howpublished", "organization", "address", True),
    },
    "biblatex": {
        "paper-conference": ("booktitle", "publisher", "location", True),
        "article-journal": ("journaltitle", None, None, True),
        "article": ("journaltitle", None, None, False),
        "report": (None, "institution", "location", True),
        "thesis": (None, "institution", "location", True),
        "book": (None, "publisher", "location", True),
        "webpage": ("organization", "organization", None, False),
        "document": ("howpublished", "organization", "location", False),
    },
}


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
    if record.type == "paper-conference":
        add("editor", names_to_bibtex(record.editor, unicode))
    container, publisher, place, pages = _FIELDS[dialect].get(record.type, _FIELDS[dialect]["document"])
    if container and publisher == container:  # one field for both (biblatex @online: organization)
        add(container, title_to_latex(record.container_title or record.publisher, unicode))
    elif container:
        add(container, title_to_latex(record.container_title, unicode))
    if biblatex:
        add("date", "-".join(f"{p:02d}" if i else f"{p:04d}" for i, p in enumerate(record.issued)))
    else:
        if len(record.issued) > 1:
            add("month", MONTHS[record.issued[1] - 1], raw=True)  # a macro: styles localise it
        add("year", str(record.year or ""))
    if place:
        add(place, text(record.publisher_place))
    if publisher and publisher != container:
        # A report's institution or a thesis's school may be given as its venue.
        add(publisher, text(record.publisher or (record.container_title if not container else "")))
    if pages:
        add("pages", record.page.replace("-", "--"))
    add("doi", record.DOI)
    add("url", record.URL)
    if record.arxiv:
        add("eprint", record.arxiv)
        if not biblatex:
            add("archivePrefix", "arXiv")
        add("eprinttype", "arxiv")  # Zotero keeps the arXiv id only when it sees eprinttype
        add("eprintclass" if biblatex else "primaryClass", record.arxiv_class)
    add("abstract", text(record.abstract))
    return fields


def write(records: Sequence[Record], meta: ListMeta | None = None, dialect: str = "bibtex", unicode: bool = False) -> str:
    """The whole .bib file, in the BibTeX or the biblatex dialect, LaTeX-encoded or UTF-8."""
    from bibtexparser import Library, write_string
    from bibtexparser.model import Entry, Field
    from bibtexparser.writer import BibtexFormat

    types = ENTRY_TYPES[dialect]
    library = Library()
    for record in records:
        fields = [Field(k, v) for k, v in to_fields(record, dialect, unicode)]
        library.add(Entry(types.get(record.type, "misc"), record.id, fields))
    fmt = BibtexFormat()
    fmt.indent = "  "  # the default is a tab
    fmt.block_separator = "\n"
    fmt.trailing_comma = True
    # No unparse middlewares: values already carry their braces, and month its bare macro.
    return write_string(library, unparse_stack=[], bibtex_format=fmt).strip() + "\n"
