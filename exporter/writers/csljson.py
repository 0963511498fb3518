"""refs.json: a CSL-JSON array for Zotero, pandoc and citeproc (sorted keys, stable)."""

from __future__ import annotations

import json
from typing import Any, Sequence

from exporter.model import Name, Record
from exporter.sources import ListMeta
from exporter.venues import conference_name
from exporter.writers import WriteOptions


def name_to_csl(name: Name) -> dict[str, str]:
    """A CSL name object; particles stay in `family` because Zotero drops CSL particles."""
    out = {"family": name.family, "given": name.given, "suffix": name.suffix}
    return {k: v for k, v in out.items() if v}


def to_csl(record: Record) -> dict[str, Any]:
    """One CSL-JSON item; empty variables are left out.

    As Zotero's CSL-JSON import reads it: `event-title` is a conference paper's conference name
    (conferenceName); `note` (Extra) carries the arXiv id of every paper that has one as `arXiv: ID`, the
    line Zotero's own arXiv import writes; a preprint's `number` is `arXiv:ID` (its archive ID), a report's
    its report number.
    """
    number, issue = record.number, record.issue
    if number and number == record.arxiv:
        number = f"arXiv:{number}"
    elif record.type == "report" and issue:  # a report's number (Zotero's Report Number), not an issue
        number, issue = issue, ""
    note = "\n".join(n for n in (record.bibnote, f"arXiv: {record.arxiv}" if record.arxiv else "") if n)
    item: dict[str, Any] = {
        "id": record.id,
        "type": record.type,
        "title": record.title,
        "author": [name_to_csl(n) for n in record.author],
        "editor": [name_to_csl(n) for n in record.editor],
        "issued": {"date-parts": [list(record.issued)]} if record.issued else None,
        "container-title": record.container_title,
        "collection-title": record.collection_title,
        "event-title": conference_name(record.container_title) if record.type == "paper-conference" else "",
        "publisher": record.publisher,
        "publisher-place": record.publisher_place,
        "page": record.page,
        "volume": record.volume,
        "issue": issue,
        "edition": record.edition,
        "chapter-number": record.chapter_number,
        "ISBN": record.ISBN,
        "ISSN": record.ISSN,
        "DOI": record.DOI,
        "URL": record.URL,
        "abstract": record.abstract,
        "number": number,
        "note": note,
    }
    return {k: v for k, v in item.items() if v}


def write(records: Sequence[Record], meta: ListMeta | None = None, options: WriteOptions | None = None) -> str:
    """The whole refs.json."""
    return _dumps([to_csl(r) for r in records], "\n") + "\n"


def _dumps(value: Any, newline: str) -> str:
    """`json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)`, byte for byte, for the strings,
    integers, lists and dicts CSL-JSON items hold (anything else is left to json.dumps). With an indent,
    json's encoder is pure Python: this takes a third of its time (10,000 papers: 0.5 s)."""
    kind = type(value)
    if kind is str:
        return _string(value)
    inner = newline + "  "
    if kind is dict and value:
        parts = []
        for key, item in sorted(value.items()):
            if type(key) is not str:
                break
            parts.append(_string(key) + ": " + (_string(item) if type(item) is str else _dumps(item, inner)))
        else:
            return "{" + inner + ("," + inner).join(parts) + newline + "}"
    elif kind is list and value:
        return ("[" + inner + ("," + inner).join([_string(v) if type(v) is str else _dumps(v, inner) for v in value])
                + newline + "]")
    if kind is int or value is None or value == [] or value == {}:
        return json.dumps(value)
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).replace("\n", newline)


_string = json.encoder.encode_basestring  # ensure_ascii=False's string encoder
