"""DBLP keys: `conf/iclr/WeiBZGYLDDL22` as such, as a BibTeX key (`DBLP:conf/...`), and the record's pages
and exports on dblp.org and its mirrors (`https://dblp.org/rec/conf/....html`, `.bib`, `.xml`, the older
`dblp.uni-trier.de/rec/bibtex/...`). The one home of DBLP's key syntax.

DBLP lists every arXiv paper too, as `journals/corr/abs-YYMM-NNNNN` (venue CoRR): such a key names
the arXiv preprint, so it parses as that arXiv id.
"""

from __future__ import annotations

import re

from exporter.ids.base import IdKind, Identifier

# type/stream/name: conf/iclr/WeiBZGYLDDL22, journals/jmlr/ChungHLZTFL00BW24, books/sp/Smith20, phd/dnb/Doe19.
KEY = r"(?P<key>(?:conf|journals|books|series|phd|reference|tr|persons|ms|www|data)/[a-z0-9][a-z0-9_\-]*" \
      r"(?:/[A-Za-z0-9_\-][A-Za-z0-9_\-.'+]*?)+)"

_FORMS = [
    re.compile(rf"^(?:DBLP:\s*)?{KEY}$"),
    re.compile(
        r"^(?:https?://)?(?:www\.)?(?:dblp\.org|dblp\.uni-trier\.de|dblp\.dagstuhl\.de)"
        rf"/rec/(?:(?:bibtex|bib|bib[0-2]|xml|html)/)?{KEY}"
        r"(?:\.(?:html|bib|xml|ris|nt|ttl|rdf))?/?(?:[?#].*)?$",
    ),
]
# DBLP's entry for an arXiv paper: journals/corr/abs-2109-01652 is arXiv 2109.01652.
_CORR = re.compile(r"journals/corr/abs-(?P<yymm>[0-9]{4})-(?P<number>[0-9]{4,5})")


def parse(value: str) -> Identifier | None:
    """The DBLP key of any form users paste (an arXiv id for DBLP's CoRR entries), or None."""
    for pattern in _FORMS:
        if m := pattern.match(value):
            key = m["key"]
            if corr := _CORR.fullmatch(key):
                return Identifier("arxiv", f"{corr['yymm']}.{corr['number']}")
            return Identifier("dblp", key)
    return None


def stream(key: str) -> str:
    """The venue stream of a key: `conf/iclr` for `conf/iclr/WeiBZGYLDDL22`."""
    return key.rsplit("/", 1)[0]


KIND = IdKind(
    name="dblp",
    label="DBLP",
    parse=parse,
    examples="conf/iclr/WeiBZGYLDDL22, DBLP:conf/iclr/WeiBZGYLDDL22, https://dblp.org/rec/conf/iclr/WeiBZGYLDDL22",
    published=True,
    link="https://dblp.org/rec/{}",
)
