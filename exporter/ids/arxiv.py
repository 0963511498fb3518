"""arXiv identifiers: new-style (2109.01652) and old-style (hep-th/9901001) ids, abs/pdf/html URLs,
DOIs (10.48550/arXiv.…), and the pages paper lists link an arXiv paper by (Hugging Face, alphaXiv, ar5iv)."""

from __future__ import annotations

import re

from exporter.ids.base import IdKind, Identifier

# New style since 2007 (YYMM.NNNN, five digits from 2015) and old style (archive[.SUBJ]/YYMMNNN),
# each with an optional version.
ID = r"(?P<id>[0-9]{4}\.[0-9]{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/[0-9]{7})(?:v(?P<version>[1-9][0-9]*))?"

_FORMS = [
    re.compile(rf"^(?:arxiv:\s*)?{ID}$", re.IGNORECASE),
    re.compile(
        rf"^(?:https?://)?(?:www\.|export\.|browse\.|aps\.)?arxiv\.org/(?:abs|pdf|html|ftp/arxiv/papers/[0-9]{{4}})/{ID}"
        r"(?:\.pdf)?/?(?:[?#].*)?$",
        re.IGNORECASE,
    ),
    # Pages that show an arXiv paper under its id, as paper lists link them: Hugging Face
    # papers, alphaXiv, ar5iv.
    re.compile(
        r"^(?:https?://)?(?:www\.)?(?:huggingface\.co/papers|alphaxiv\.org/(?:abs|overview)"
        rf"|ar5iv(?:\.labs\.arxiv)?\.org/(?:abs|html))/{ID}/?(?:[?#].*)?$",
        re.IGNORECASE,
    ),
    re.compile(
        rf"^(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:\s*)?10\.48550/arxiv\.{ID}$",
        re.IGNORECASE,
    ),
]


def _normalise(raw: str) -> str:
    # Old-style archive names are lower case, the optional subject class upper case.
    if "/" in raw:
        archive, number = raw.split("/")
        name, _, subject = archive.partition(".")
        return f"{name.lower()}{'.' + subject.upper() if subject else ''}/{number}"
    return raw


def plausible(raw: str) -> bool:
    """New-style ids: month 01-12, four-digit numbers until 1412 and five-digit ones from 1501."""
    if "/" in raw:
        return 1 <= int(raw[-5:-3]) <= 12
    yymm, number = raw.split(".")
    # New-style ids began in April 2007 (0704.0001).
    return yymm >= "0704" and 1 <= int(yymm[2:]) <= 12 and len(number) == (4 if yymm < "1501" else 5)


def parse(value: str) -> Identifier | None:
    """The arXiv id of any form users paste, or None."""
    for pattern in _FORMS:
        if (m := pattern.match(value)) and plausible(m["id"]):
            return Identifier("arxiv", _normalise(m["id"]), int(m["version"]) if m["version"] else None)
    return None


KIND = IdKind(
    name="arxiv",
    label="arXiv",
    parse=parse,
    examples="2109.01652, hep-th/9901001v2, https://arxiv.org/abs/2109.01652, 10.48550/arXiv.2109.01652",
    published=False,
    link="https://arxiv.org/abs/{}",
)
