"""Parse every identifier form users paste: arXiv and ACL Anthology ids, URLs and DOIs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from exporter.errors import IdentifierError

Kind = Literal["arxiv", "acl"]

# arXiv ids: new style since 2007 (YYMM.NNNN, five digits from 2015) and old style
# (archive[.SUBJ]/YYMMNNN), each with an optional version.
_ARXIV_ID = r"(?P<id>[0-9]{4}\.[0-9]{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/[0-9]{7})(?:v(?P<version>[1-9][0-9]*))?"
# Anthology ids: new style (2022.acl-long.244) and old style (P19-1001, W18-5446).
_ACL_ID = r"(?P<id>[0-9]{4}\.[a-z0-9][a-z0-9\-]*\.[0-9]+|[A-Z][0-9]{2}-[0-9]{4})"

_ARXIV_FORMS = [
    re.compile(rf"^(?:arxiv:\s*)?{_ARXIV_ID}$", re.IGNORECASE),
    re.compile(
        rf"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/{_ARXIV_ID}"
        r"(?:\.pdf)?/?(?:[?#].*)?$",
        re.IGNORECASE,
    ),
    # Pages that show an arXiv paper under its id, as paper lists link them: Hugging Face
    # papers, alphaXiv, ar5iv.
    re.compile(
        r"^(?:https?://)?(?:www\.)?(?:huggingface\.co/papers|alphaxiv\.org/(?:abs|overview)"
        rf"|ar5iv(?:\.labs\.arxiv)?\.org/(?:abs|html))/{_ARXIV_ID}/?(?:[?#].*)?$",
        re.IGNORECASE,
    ),
    re.compile(
        rf"^(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:\s*)?10\.48550/arxiv\.{_ARXIV_ID}$",
        re.IGNORECASE,
    ),
]
_ACL_FORMS = [
    re.compile(rf"^{_ACL_ID}$", re.IGNORECASE),
    re.compile(
        rf"^(?:https?://)?(?:www\.)?(?:aclanthology\.org|aclweb\.org/anthology)/{_ACL_ID}"
        r"(?:v[0-9]+)?(?:\.pdf|\.bib)?/?(?:[?#].*)?$",
        re.IGNORECASE,
    ),
    re.compile(
        rf"^(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:\s*)?10\.18653/v1/{_ACL_ID}$",
        re.IGNORECASE,
    ),
]


@dataclass(frozen=True, order=True)
class Identifier:
    """A normalised paper identifier; `version` only for arXiv ids pinned to a version."""

    kind: Kind
    id: str
    version: int | None = None

    @property
    def full(self) -> str:
        """The id as the upstream API takes it, with the pinned version if any."""
        return f"{self.id}v{self.version}" if self.version else self.id

    def __str__(self) -> str:
        return f"{self.kind}:{self.full}"


def _normalise_acl(raw: str) -> str:
    # Old-style ids are upper case (P19-1001); new-style ones are lower case.
    return raw.upper() if re.fullmatch(r"[A-Za-z]\d{2}-\d{4}", raw) else raw.lower()


def _normalise_arxiv(raw: str) -> str:
    # Old-style archive names are lower case, the optional subject class upper case.
    if "/" in raw:
        archive, number = raw.split("/")
        name, _, subject = archive.partition(".")
        return f"{name.lower()}{'.' + subject.upper() if subject else ''}/{number}"
    return raw


def _plausible_arxiv(raw: str) -> bool:
    """New-style ids: month 01-12, four-digit numbers until 1412 and five-digit ones from 1501."""
    if "/" in raw:
        return 1 <= int(raw[-5:-3]) <= 12
    yymm, number = raw.split(".")
    # New-style ids began in April 2007 (0704.0001).
    return yymm >= "0704" and 1 <= int(yymm[2:]) <= 12 and len(number) == (4 if yymm < "1501" else 5)


def parse_id(text: str, kind: Kind | None = None) -> Identifier:
    """Parse an id, URL or DOI; `kind` restricts it to arXiv or Anthology forms.

    Raises IdentifierError with a message that says what was expected.
    """
    value = text.strip()
    if kind in (None, "arxiv"):
        for pattern in _ARXIV_FORMS:
            if (m := pattern.match(value)) and _plausible_arxiv(m["id"]):
                version = int(m["version"]) if m["version"] else None
                return Identifier("arxiv", _normalise_arxiv(m["id"]), version)
    if kind in (None, "acl"):
        for pattern in _ACL_FORMS:
            if m := pattern.match(value):
                return Identifier("acl", _normalise_acl(m["id"]))
    expected = {
        "arxiv": "an arXiv id, URL or DOI (e.g. 2109.01652, hep-th/9901001v2, "
        "https://arxiv.org/abs/2109.01652, 10.48550/arXiv.2109.01652)",
        "acl": "an ACL Anthology id, URL or DOI (e.g. 2022.acl-long.244, P19-1001, "
        "https://aclanthology.org/2022.acl-long.244/, 10.18653/v1/2022.acl-long.244)",
        None: "an arXiv or ACL Anthology id, URL or DOI",
    }[kind]
    raise IdentifierError(f"{text!r} is not {expected}")
