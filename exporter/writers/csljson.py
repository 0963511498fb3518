"""refs.json: a CSL-JSON array for Zotero, pandoc and citeproc (sorted keys, stable)."""

from __future__ import annotations

import json
from typing import Any, Sequence

from exporter.model import Name, Record
from exporter.sources import ListMeta
from exporter.writers import WriteOptions


def name_to_csl(name: Name) -> dict[str, str]:
    """A CSL name object; particles stay in `family` because Zotero drops CSL particles."""
    out = {"family": name.family, "given": name.given, "suffix": name.suffix}
    return {k: v for k, v in out.items() if v}


def to_csl(record: Record) -> dict[str, Any]:
    """One CSL-JSON item; empty variables are left out."""
    item: dict[str, Any] = {
        "id": record.id,
        "type": record.type,
        "title": record.title,
        "author": [name_to_csl(n) for n in record.author],
        "editor": [name_to_csl(n) for n in record.editor],
        "issued": {"date-parts": [list(record.issued)]} if record.issued else None,
        "container-title": record.container_title,
        "publisher": record.publisher,
        "publisher-place": record.publisher_place,
        "page": record.page,
        "DOI": record.DOI,
        "URL": record.URL,
        "abstract": record.abstract,
        "number": record.number,
    }
    return {k: v for k, v in item.items() if v}


def write(records: Sequence[Record], meta: ListMeta | None = None, options: WriteOptions | None = None) -> str:
    """The whole refs.json."""
    return json.dumps([to_csl(r) for r in records], indent=2, sort_keys=True, ensure_ascii=False) + "\n"
