"""Short venue labels the Markdown list shows after a preprint's date (`ACL 2023`, `Findings of EMNLP 2022`,
`ICLR 2022`), by the kind of its published version's identifier: one function per kind, one row each."""

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


# DBLP venue streams (the key's first two parts) -> the name the list shows; the README's "Venue labels"
# table shows them (tests/test_dblp.py keeps the two equal).
# Other streams show their last part upper-cased (`conf/foo` -> `FOO`).
DBLP_STREAMS = {
    "conf/iclr": "ICLR", "conf/nips": "NeurIPS", "conf/icml": "ICML", "journals/jmlr": "JMLR",
    "journals/tmlr": "TMLR", "conf/cvpr": "CVPR", "conf/iccv": "ICCV", "conf/eccv": "ECCV", "conf/aaai": "AAAI",
    "conf/ijcai": "IJCAI", "conf/icassp": "ICASSP", "conf/interspeech": "Interspeech", "conf/kdd": "KDD",
    "conf/www": "WWW", "conf/sigir": "SIGIR", "conf/chi": "CHI", "conf/mm": "ACM MM", "conf/wsdm": "WSDM",
    "conf/cikm": "CIKM", "conf/aistats": "AISTATS", "conf/uai": "UAI", "conf/colt": "COLT", "conf/corl": "CoRL",
    "conf/icra": "ICRA", "conf/iros": "IROS", "conf/acl": "ACL", "conf/emnlp": "EMNLP", "conf/naacl": "NAACL",
    "conf/eacl": "EACL", "conf/coling": "COLING", "conf/conll": "CoNLL", "conf/lrec": "LREC",
    "conf/colm": "COLM", "journals/tacl": "TACL", "journals/coling": "CL", "journals/pami": "TPAMI",
    "journals/ijcv": "IJCV", "journals/jair": "JAIR", "journals/ai": "Artificial Intelligence",
    "journals/nature": "Nature", "journals/natmi": "Nature Machine Intelligence", "journals/pnas": "PNAS",
    "journals/cacm": "CACM", "journals/taslp": "IEEE/ACM TASLP",
    "journals/tkde": "TKDE", "journals/tnn": "IEEE TNNLS", "journals/access": "IEEE Access",
    "journals/corr": "CoRR",
}


def dblp(key: str, year: int | None = None) -> str:
    """A short venue name from a DBLP key and the record's year: `ICLR 2022`, `JMLR 2024`."""
    parts = key.split("/")
    stream = "/".join(parts[:2])
    name = DBLP_STREAMS.get(stream) or (parts[1].upper() if len(parts) > 2 else key)
    return f"{name} {year}" if year else name


# Kind of identifier -> its labeller (id, the record's year); a kind without one shows its id.
LABELS: dict[str, Callable[[str, int | None], str]] = {"acl": lambda i, _year: anthology(i), "dblp": dblp}


def label(ident: Identifier, year: int | None = None) -> str:
    """The short venue of a published version, by its identifier (and its record's year)."""
    labeller = LABELS.get(ident.kind)
    return labeller(ident.id, year) if labeller else ident.id


def conference_name(proceedings: str) -> str:
    """The conference a proceedings volume is of (CSL event-title, Zotero's conferenceName):
    `Proceedings of the 60th Annual Meeting of the ACL (Volume 1: Long Papers)` →
    `60th Annual Meeting of the ACL`."""
    name = re.sub(r"^Proceedings of (?:the )?", "", proceedings)
    return re.sub(r"\s*\((?:Volume|Vol\.)[^)]*\)$", "", name)
