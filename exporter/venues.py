"""Short venue labels the Markdown list shows after a preprint's date (`ACL 2023`, `Findings of EMNLP 2022`),
by the kind of its published version's identifier: one function per kind, one row each."""

from __future__ import annotations

import re
from typing import Callable

from exporter.ids import Identifier

# Old-style Anthology ids: the letter names the venue ("P19-1001" -> "ACL 2019").
_OLD_PREFIXES = {"P": "ACL", "N": "NAACL", "D": "EMNLP", "E": "EACL", "C": "COLING", "Q": "TACL", "J": "CL",
                 "K": "CoNLL", "S": "SemEval", "W": "Workshop", "L": "LREC", "I": "IJCNLP", "H": "HLT"}


def anthology(anthology_id: str) -> str:
    """A short venue name from an Anthology id: `ACL 2023`, `Findings of EMNLP 2022`, `EMNLP 2019`."""
    if m := re.fullmatch(r"([0-9]{4})\.([a-z0-9]+)(?:-([a-z0-9]+))?\.[0-9]+", anthology_id):
        year, venue, volume = m[1], m[2], m[3] or ""
        if venue == "findings":
            return f"Findings of {volume.upper()} {year}" if volume else f"Findings {year}"
        if venue == "tacl":
            return f"TACL {year}"
        return f"{venue.upper()} {year}"
    if m := re.fullmatch(r"([A-Z])([0-9]{2})-[0-9]{4}", anthology_id):
        year = int(m[2])
        return f"{_OLD_PREFIXES.get(m[1], m[1])} {1900 + year if year > 50 else 2000 + year}"
    return anthology_id


# Kind of identifier -> its labeller; a kind without one shows its id.
LABELS: dict[str, Callable[[str], str]] = {"acl": anthology}


def label(ident: Identifier) -> str:
    """The short venue of a published version, by its identifier."""
    labeller = LABELS.get(ident.kind)
    return labeller(ident.id) if labeller else ident.id
