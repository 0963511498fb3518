"""refs.ris re-read with rispy."""

from __future__ import annotations

import re
from pathlib import Path

from exporter.validate.checks import _problems, check
from exporter.validate.outputs import RIS, _read
from exporter.validate.tools import _module


@check("rispy")
def check_rispy(outputs: Path) -> str:
    """refs.ris re-read with rispy: one record per TY ... ER, each with a type, ID, title and authors."""
    text = _read(outputs, RIS)
    rispy = _module("rispy")
    records = rispy.loads(text)
    starts = len(re.findall(r"^TY  - ", text, re.M))
    ends = len(re.findall(r"^ER  - ?$", text, re.M))
    problems = []
    if not len(records) == starts == ends:
        problems.append(f"{len(records)} records read, {starts} TY lines, {ends} ER lines")
    for i, record in enumerate(records):
        for key in ("type_of_reference", "id", "title", "authors"):
            if not record.get(key):
                problems.append(f"record {i + 1} ({record.get('id', 'no ID')}): no {key}")
    ids = [r.get("id") for r in records]
    problems += [f"ID {i} used twice" for i in sorted({i for i in ids if i and ids.count(i) > 1})]
    if problems:
        raise _problems("rispy", problems)
    unknown = sorted({tag for r in records for tag in r.get("unknown_tag", {})})
    note = f" (tags rispy does not map, kept as unknown_tag: {', '.join(unknown)})" if unknown else ""
    return f"{len(records)} records, one per entry{note}"
