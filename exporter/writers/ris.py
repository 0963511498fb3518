"""refs.ris: one RIS record per paper, with the tags Zotero's RIS import reads."""

from __future__ import annotations

from typing import Sequence

from exporter.model import Name, Record, clean
from exporter.sources import ListMeta
from exporter.venues import conference_name
from exporter.writers import WriteOptions

# RIS has no preprint type; UNPB (unpublished work) is the nearest, and the arXiv id is
# kept in M2, DO and UR.
TYPES = {"paper-conference": "CPAPER", "article-journal": "JOUR", "chapter": "CHAP", "article": "UNPB", "report": "RPRT",
         "webpage": "ELEC", "book": "BOOK", "thesis": "THES"}


def _line(tag: str, value: str) -> str:
    # A value is one line: a newline could start a line that reads as a tag ("ER  -").
    return f"{tag}  - " + " ".join(value.split())  # white space collapsed (split() splits where \s+ matches)


def _name(name: Name) -> str:
    # Parts are cleaned before they are joined: a family name ending in a space gave
    # `Family , Given`, and a blank given name a dangling comma.
    return ", ".join(p for p in (clean(name.family), clean(name.given), clean(name.suffix)) if p)


def to_lines(record: Record) -> list[str]:
    """The tagged lines of one record, `TY` first and `ER` last, as Zotero's RIS import reads them.

    Conference papers: T2 the conference name, C3 the proceedings title, C1 the place
    (Zotero ignores CY there), A2 the editors. Preprints: UNPB with T2 `arXiv`, DO and UR. The arXiv id
    of every paper that has one is in M2 (Zotero's Extra) as `arXiv: ID`; T3 is the series.
    """
    conference = record.type == "paper-conference"
    lines = [_line("TY", TYPES.get(record.type, "GEN"))]

    def add(tag: str, value: str | None) -> None:
        if value and value.strip():
            lines.append(_line(tag, value))

    add("ID", record.id)
    add("TI", record.title)
    for name in record.author:
        add("AU", _name(name))
    for name in record.editor:
        add("A2", _name(name))
    if record.issued:
        add("PY", str(record.issued[0]))
        add("DA", "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(record.issued)))
    if conference:
        add("T2", conference_name(clean(record.container_title)))
        add("C3", record.container_title)
        add("PB", record.publisher)
        add("C1", record.publisher_place)
    elif record.container_title or record.type != "article":
        add("T2", record.container_title)
        add("PB", record.publisher)
        add("CY", record.publisher_place)
    else:  # a preprint: Zotero files UNPB as a journal article, T2 as its publication
        add("T2", record.publisher)
    add("T3", record.collection_title)
    report = record.type == "report"
    add("VL", record.volume)
    add("IS", "" if report else record.issue)
    add("ET", record.edition)
    if record.page:
        first, _, last = record.page.partition("-")
        add("SP", first)
        add("EP", last)
    # Zotero reads SN as a journal article's ISSN, a report's number, anything else's ISBN.
    add("SN", record.ISSN if record.type == "article-journal" else record.issue if report else record.ISBN)
    add("DO", record.DOI)
    add("UR", record.URL.replace(";", "%3B"))  # RIS separates several URLs in one UR with `;`
    if record.arxiv:  # M2 is Zotero's Extra for every type (M1 is a journal article's issue)
        add("M2", f"arXiv: {record.arxiv}")
    for tag in record.tags:
        add("KW", tag)
    add("N1", record.bibnote)
    add("AB", record.abstract)
    lines.append("ER  - ")
    return lines


def write(records: Sequence[Record], meta: ListMeta | None = None, options: WriteOptions | None = None) -> str:
    """The whole refs.ris; records are separated by a blank line."""
    return "\n\n".join("\n".join(to_lines(r)) for r in records) + "\n"
