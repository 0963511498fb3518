"""refs.bib for `\\bibliography{}`: `@inproceedings` for Anthology papers, `@misc` for arXiv preprints.

Entries are built as bibtexparser v2 `Entry`/`Field` objects and written by its writer.
Field order is fixed for reproducibility; values are LaTeX-encoded and brace-delimited.
"""

from __future__ import annotations

from typing import Sequence

from exporter.model import MONTHS, Name, Record
from exporter.sources import ListMeta
from exporter.writers.latex import title_to_latex, to_latex


def name_to_bibtex(name: Name) -> str:
    """`Family, Given` (or `Family, Suffix, Given`): the form BibTeX splits without guessing."""
    family = to_latex(name.family)
    if not name.given and " " in name.family:
        return "{" + family + "}"  # an organisation, or a name that must stay whole
    if " and " in f" {family} " or "," in family:
        family = "{" + family + "}"
    parts = [family] + ([to_latex(name.suffix)] if name.suffix else []) + ([to_latex(name.given)] if name.given else [])
    return ", ".join(parts)


def names_to_bibtex(names: Sequence[Name]) -> str:
    """Authors or editors joined by ` and `."""
    return " and ".join(name_to_bibtex(n) for n in names)


def to_fields(record: Record) -> list[tuple[str, str]]:
    """The (field, raw value) pairs of one entry, in output order; raw values carry their delimiters."""
    fields: list[tuple[str, str]] = []

    def add(name: str, value: str, raw: bool = False) -> None:
        if value:
            fields.append((name, value if raw else "{" + value + "}"))

    add("title", title_to_latex(record.title))
    add("author", names_to_bibtex(record.author))
    if record.type == "paper-conference":
        add("editor", names_to_bibtex(record.editor))
        add("booktitle", title_to_latex(record.container_title))
    elif record.container_title:
        add("journal", to_latex(record.container_title))
    if len(record.issued) > 1:
        add("month", MONTHS[record.issued[1] - 1], raw=True)  # a macro: styles localise it
    add("year", str(record.year or ""))
    if record.type == "paper-conference":
        add("address", to_latex(record.publisher_place))
        add("publisher", to_latex(record.publisher))
        add("pages", record.page.replace("-", "--"))
    add("doi", record.DOI)
    add("url", record.URL)
    if record.arxiv:
        add("eprint", record.arxiv)
        add("archivePrefix", "arXiv")
        add("eprinttype", "arxiv")  # Zotero keeps the arXiv id only when it sees eprinttype
        add("primaryClass", record.arxiv_class)
    add("abstract", to_latex(record.abstract))
    return fields


def write(records: Sequence[Record], meta: ListMeta | None = None) -> str:
    """The whole .bib file."""
    from bibtexparser import Library, write_string
    from bibtexparser.model import Entry, Field
    from bibtexparser.writer import BibtexFormat

    library = Library()
    for record in records:
        entry_type = {"paper-conference": "inproceedings", "article-journal": "article"}.get(record.type, "misc")
        library.add(Entry(entry_type, record.id, [Field(k, v) for k, v in to_fields(record)]))
    fmt = BibtexFormat()
    fmt.indent = "  "  # the default is a tab
    fmt.block_separator = "\n"
    fmt.trailing_comma = True
    # No unparse middlewares: values already carry their braces, and month its bare macro.
    return write_string(library, unparse_stack=[], bibtex_format=fmt).strip() + "\n"
