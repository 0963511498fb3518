"""The DBLP finder: an arXiv preprint's published version (ICLR, NeurIPS, ICML, JMLR, journals) found with
DBLP's publication search, `{base}/search/publ/api?q=WORDS&format=json&h=N`, and decided by the same evidence
rules as the Anthology finder (`exporter.finders.scoring`).

DBLP's search is a word search over titles and author names: every query word must match a word
(as a prefix, `instruct` matches `instruction`). A word spelled differently on DBLP (`FederatedGPT`
for `Federated GPT`, `Zeroshot` for `Zero-Shot`) or a dropped subtitle gives no hits, so the query
is a few distinctive words, not the whole title: the longest words of the main title (before a
colon), the first part of a hyphenated word, and the first author's family name when the title
has few words. One search per preprint; a second, shorter one only when the first finds nothing
at all (not even DBLP's own entry for the arXiv paper, which every arXiv paper has: its words
did not match). DBLP's arXiv entries (`journals/corr/...`, venue CoRR) and other informal
publications are never a published version and are left out.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlencode

from exporter import venues
from exporter.finders.scoring import Candidate, decide
from exporter.finders.base import Decision, Finder, Found, Matcher
from exporter.http import Settings, TimeoutSession, TransientError, classify_status, with_retries
from exporter.ids import Identifier
from exporter.model import DBLP_NUMBER
from exporter.text import ascii_fold, from_arxiv_tex, normalise_title

SERVICE = "DBLP"
HITS = 30  # hits asked for per search (DBLP's default)
MAX_WORDS = 6
# Kinds of DBLP records that can be a paper's published version (not CoRR/informal, not proceedings volumes).
PUBLISHED_TYPES = frozenset({"Conference and Workshop Papers", "Journal Articles", "Parts in Books or Collections",
                             "Books and Theses"})
_STOPWORDS = frozenset(
    "a an the on of for in to with and or is are be by at as from via towards toward into do does can how what "
    "when why we our your its it this that not more than over under using use based large".split()
)


@dataclass(frozen=True)
class Hit:
    """One DBLP search hit, shaped like an Anthology paper for the shared scoring."""

    id: str  # the DBLP key
    title: str
    families: tuple[str, ...]
    year: int | None
    type: str
    doi: str


def parse_hits(body: bytes) -> list[Hit]:
    """The hits of one search answer; an answer that is not DBLP's JSON shape is a (retried) failure."""
    try:
        result = json.loads(body)["result"]
        hits = result["hits"]
        total = int(hits["@total"])
        raw = hits.get("hit", [])
        if total and not raw or not isinstance(raw, list):
            raise ValueError("hits missing")
        found = []
        for hit in raw:
            info = hit["info"]
            authors = (info.get("authors") or {}).get("author", [])
            if isinstance(authors, dict):  # one author: an object, not a list
                authors = [authors]
            names = [a["text"] if isinstance(a, dict) else str(a) for a in authors]
            year = str(info.get("year", ""))
            found.append(Hit(
                id=str(info["key"]),
                title=str(info["title"]),
                families=tuple(DBLP_NUMBER.sub("", n) for n in names),
                year=int(year) if year.isdigit() else None,
                type=str(info.get("type", "")),
                doi=str(info.get("doi", "")).lower(),
            ))
    except (ValueError, KeyError, TypeError) as exc:
        raise TransientError(f"{SERVICE}: malformed search answer ({exc.__class__.__name__}: {exc})") from exc
    return found


def _words(text: str) -> list[str]:
    """Query words of a text: folded, lower case; of a hyphenated word only its first part (`Zero-Shot`
    is `Zeroshot` on DBLP at times, and `zero` matches both)."""
    out = []
    for token in ascii_fold(text).lower().split():
        parts = [p for p in re.split(r"[^a-z0-9]+", token) if p]
        out.extend(parts[:1] if "-" in token else parts)
    return out


def _significant(text: str) -> list[str]:
    return list(dict.fromkeys(w for w in _words(text) if len(w) >= 4 and w not in _STOPWORDS and not w.isdigit()))


def queries(title: str, first_author: str) -> list[str]:
    """The search, then the shorter one tried when the first finds nothing at all."""
    main, colon, _ = title.partition(":")
    words = _significant(main) if colon and len(_significant(main)) >= 2 else _significant(title)
    family = _words(first_author)[-1:] if first_author else []
    longest = set(sorted(words, key=len, reverse=True)[:MAX_WORDS])
    chosen = [w for w in words if w in longest]
    first = chosen + (family if len(chosen) < 3 else [])
    shorter = set(sorted(words, key=len, reverse=True)[:2])
    second = [w for w in words if w in shorter] + family
    return [" ".join(first)] + ([" ".join(second)] if second != first and second else [])


class _Hits:
    """The published hits of one search as an index the shared scoring reads (`by_doi`, `by_title`, `candidates`)."""

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits

    def by_doi(self, doi: str) -> Hit | None:
        """The hit with the DOI arXiv's `doi` field names (DBLP upper-cases DOIs: compared in lower case)."""
        doi = doi.strip().lower()
        return next((h for h in self.hits if doi and h.doi == doi), None)

    def by_title(self, normalised: str) -> list[Hit]:
        return [h for h in self.hits if normalise_title(h.title) == normalised]

    def candidates(self, title: str, limit: int = 20) -> list[Hit]:
        return self.hits


def _found(candidate: Candidate) -> Found:
    hit = candidate.paper
    return Found(Identifier("dblp", hit.id), venues.dblp(hit.id, hit.year), candidate.score, candidate.describe())


def open_matcher(settings: Settings) -> Matcher:
    """Nothing to download: each preprint costs a search (or two)."""
    session = TimeoutSession(settings.timeout)
    base = settings.dblp_url.rstrip("/")

    def search(words: str) -> list[Hit]:
        url = f"{base}/search/publ/api?" + urlencode({"q": words, "format": "json", "h": HITS})

        def get() -> list[Hit]:
            response = session.get(url)
            if response.status_code != 200:
                raise classify_status(response.status_code, SERVICE, response.headers)
            return parse_hits(response.content)

        return with_retries(get, settings, SERVICE, delay=settings.dblp_delay)

    def decide_one(record: Mapping[str, Any]) -> Decision:
        title = from_arxiv_tex(record["title"])
        authors = record.get("authors") or []
        hits: list[Hit] = []
        for words in queries(title, from_arxiv_tex(authors[0]) if authors else ""):
            hits = search(words)
            if hits:
                break
        published = [h for h in hits if h.type in PUBLISHED_TYPES and not h.id.startswith("journals/corr/")]
        decision = decide(record, _Hits(published))  # type: ignore[arg-type]
        return Decision(_found(decision.match) if decision.match else None,
                        tuple(_found(c) for c in decision.doubtful))

    return Matcher(decide_one, "DBLP (a search per preprint)")


FINDER = Finder(name="dblp", label="DBLP", open=open_matcher)

