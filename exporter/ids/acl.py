"""ACL Anthology identifiers: new-style (2022.acl-long.244) and old-style (P19-1001) ids, their pages,
PDFs and BibTeX on aclanthology.org and the old aclweb.org/anthology (also its P/P19/ folders), and DOIs
(10.18653/v1/…). The one home of the Anthology's id syntax."""

from __future__ import annotations

import re

from exporter.ids.base import IdKind, Identifier

ID = r"(?P<id>[0-9]{4}\.[a-z0-9][a-z0-9\-]*\.[0-9]+|[A-Z][0-9]{2}-[0-9]{4})"

_FORMS = [
    re.compile(rf"^{ID}$", re.IGNORECASE),
    re.compile(
        rf"^(?:https?://)?(?:www\.)?(?:aclanthology\.org|aclweb\.org/anthology(?:/papers)?(?:/[A-Z]/[A-Z][0-9]{{2}})?)/{ID}"
        r"(?:v[0-9]+)?(?:\.pdf|\.bib)?/?(?:[?#].*)?$",
        re.IGNORECASE,
    ),
    re.compile(
        rf"^(?:(?:https?://)?(?:dx\.)?doi\.org/|doi:\s*)?10\.18653/v1/{ID}$",
        re.IGNORECASE,
    ),
]


def normalise(raw: str) -> str:
    """Old-style ids are upper case (P19-1001); new-style ones are lower case."""
    return raw.upper() if re.fullmatch(r"[A-Za-z]\d{2}-\d{4}", raw) else raw.lower()


def parse(value: str) -> Identifier | None:
    """The Anthology id of any form users paste, or None."""
    for pattern in _FORMS:
        if m := pattern.match(value):
            return Identifier("acl", normalise(m["id"]))
    return None


KIND = IdKind(
    name="acl",
    label="ACL Anthology",
    parse=parse,
    examples="2022.acl-long.244, P19-1001, https://aclanthology.org/2022.acl-long.244/, 10.18653/v1/2022.acl-long.244",
    published=True,
    link="https://aclanthology.org/{}/",
)
