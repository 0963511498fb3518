"""Scoring a candidate published version against an arXiv preprint: title match confirmed by authors and year.

Evidence, strongest first: a DOI in arXiv's own `doi` field that the index knows (`by_doi`); the normalised title
(exact, or close for retitled papers) confirmed by the first author's family name, the
share of shared authors and a plausible year. Only confident matches are applied; weaker
candidates are reported with their scores, never applied silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Mapping

from exporter import venues
from exporter.model import ascii_fold, from_arxiv_tex

if TYPE_CHECKING:
    from exporter.anthology import Index, Paper

# Thresholds, chosen on the seed list and its near-miss distractors (tests/test_upgrade.py).
TITLE_EXACT = 0.999
TITLE_CLOSE = 0.85  # retitled a little: "Language Model" -> "Language Models"
TITLE_WEAK = 0.6  # worth reporting as a candidate
AUTHOR_SHARE = 0.5
YEARS_BEFORE, YEARS_AFTER = 1, 3  # the Anthology version appears up to 3 years after arXiv v1
# Plural folding for title similarity ("Model"/"Models"), a rule of its own: text._stem makes the index's
# search terms ("learning" -> "learn") and, used here, loses 9 of 986 matches of
# benchmarks/match_decisions.py ("Embedding"/"Embeddings" no longer fold to one word).
_STEM = re.compile(r"(?<=[a-z]{3})(?:ies|es|s)$")


@dataclass(frozen=True)
class Candidate:
    """One Anthology paper scored against one arXiv record."""

    paper: Paper
    title: float  # title similarity, 0..1
    authors: float  # share of authors in common, 0..1
    first_author: bool
    year_ok: bool
    evidence: str = ""  # "doi" when arXiv itself names the Anthology DOI
    journal_ref: bool = False  # arXiv's journal_ref names this paper's venue and year

    @property
    def confident(self) -> bool:
        """Strong enough to apply without asking."""
        if self.evidence:
            return True
        if not (self.first_author and self.year_ok):
            return False
        return (
            self.title >= TITLE_EXACT and self.authors >= AUTHOR_SHARE
            or self.title >= TITLE_CLOSE and self.authors >= 0.8
            # arXiv's journal_ref agreeing on venue and year vouches for a retitled paper.
            or self.journal_ref and self.title >= 0.7 and self.authors >= AUTHOR_SHARE
        )

    @property
    def score(self) -> float:
        """One number for reports and ordering."""
        return round(0.6 * self.title + 0.3 * self.authors + 0.1 * self.first_author, 3)

    def describe(self) -> str:
        """`title 0.92, authors 0.50, first author yes, year yes`."""
        if self.evidence:
            return f"arXiv names its DOI (score {self.score:.2f})"
        return (f"score {self.score:.2f}: title {self.title:.2f}, authors {self.authors:.2f}, "
                f"first author {'yes' if self.first_author else 'no'}, year {'yes' if self.year_ok else 'no'}"
                + (", journal_ref agrees" if self.journal_ref else ""))


@dataclass(frozen=True)
class Decision:
    """What matching concluded for one arXiv record."""

    match: Candidate | None  # the confident match, if any
    doubtful: tuple[Candidate, ...]  # weaker or competing candidates, best first


def _tokens(normalised: str) -> list[str]:
    return [_STEM.sub("", t) for t in normalised.split()]


def _dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def title_similarity(a: str, b: str) -> float:
    """Similarity of two normalised titles: 1 when equal, else a blend of word and letter-pair overlap.

    Set overlaps, not an edit distance: difflib made matching 1,000 titles take seconds.
    """
    if a == b:
        return 1.0
    ta, tb = _tokens(a), _tokens(b)
    if ta == tb:
        return 0.99  # differ only in plurals: "Model" / "Models"
    words = _dice(set(ta), set(tb))
    letters = _dice(_bigrams(" ".join(ta)), _bigrams(" ".join(tb)))
    return round(0.5 * words + 0.5 * letters, 3)


_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


@lru_cache(maxsize=1 << 17)
def _family_key(name: str) -> str:
    """The last word of a family name (or of a full name), folded: "Jiménez Gutiérrez" ~ "gutierrez".

    The last word of "Teven Le Scao" is that of his family name too, so arXiv's one-string
    names need no splitting here (suffixes such as Jr. are skipped).
    """
    words = [w for w in re.findall(r"[a-z]+", ascii_fold(name).lower()) if w not in _SUFFIXES]
    return words[-1] if words else ""


@lru_cache(maxsize=1 << 17)
def _normalised(title: str) -> str:
    from exporter.text import normalise_title

    return normalise_title(title)


def score(record: Mapping[str, Any], paper: Paper, normalised_title: str, families: list[str]) -> Candidate:
    """Score one Anthology paper against one arXiv lock record."""
    theirs = [_family_key(f) for f in paper.families]
    shared = len(set(families) & set(theirs))
    share = shared / max(len(set(families)), len(set(theirs)), 1)
    first = bool(families and theirs and families[0] == theirs[0])
    year = int(record["published"][:4]) if record.get("published") else None
    year_ok = year is None or paper.year is None or year - YEARS_BEFORE <= paper.year <= year + YEARS_AFTER
    ref = (record.get("journal_ref") or "").lower()
    label = venue_label(paper.id).lower().split()  # ["acl", "2023"] or ["findings", "of", "acl", "2023"]
    names_venue = bool(ref) and all(re.search(rf"\b{re.escape(w)}\b", ref) for w in label if w != "of")
    return Candidate(paper, title_similarity(normalised_title, _normalised(paper.title)),
                     round(share, 3), first, year_ok, journal_ref=names_venue)


def decide(record: Mapping[str, Any], index: Index) -> Decision:
    """Look for the Anthology version of one arXiv record (a lock record of the arXiv resolver)."""
    title = _normalised(from_arxiv_tex(record["title"]))
    families = [_family_key(from_arxiv_tex(a)) for a in record["authors"]]
    if paper := index.by_doi(record.get("doi") or ""):
        scored = score(record, paper, title, families)
        return Decision(Candidate(paper, scored.title, scored.authors, scored.first_author, True, "doi"), ())
    pool = {p.id: p for p in index.by_title(title)}
    words = set(_tokens(title))
    for paper in index.candidates(title):
        # Cheap word overlap first: below it no candidate can reach TITLE_WEAK.
        if paper.id not in pool and _dice(words, set(_tokens(_normalised(paper.title)))) >= 0.3:
            pool[paper.id] = paper
    scored = sorted((score(record, p, title, families) for p in pool.values()), key=lambda c: (-c.score, c.paper.id))
    confident = [c for c in scored if c.confident]
    # Worth a look: a close title whatever the authors (names get mangled), or a fair title
    # with an author in common.
    doubtful = tuple(
        c for c in scored
        if not c.confident and (c.title >= TITLE_CLOSE or c.title >= TITLE_WEAK and (c.first_author or c.authors > 0))
    )
    if len(confident) == 1:
        return Decision(confident[0], doubtful)
    # Two confident candidates (a workshop and a main-conference version, say): ask, don't guess.
    return Decision(None, tuple(confident) + doubtful)


def venue_label(anthology_id: str) -> str:
    """A short venue name from an Anthology id (see exporter.venues)."""
    return venues.anthology(anthology_id)
