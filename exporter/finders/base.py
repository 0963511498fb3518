"""The finder contract: what a finder returns for one preprint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from exporter.ids import Identifier


@dataclass(frozen=True)
class Found:
    """A candidate published version: its id, the venue the list shows, its score and the evidence."""

    ident: Identifier
    label: str  # "ACL 2022"
    score: float
    evidence: str  # "score 1.00: title 1.00, authors 1.00, first author yes, year yes"


@dataclass(frozen=True)
class Decision:
    """What a finder concluded for one preprint: a confident match, and doubtful candidates (best first)."""

    match: Found | None
    doubtful: tuple[Found, ...] = ()


@dataclass(frozen=True)
class Matcher:
    """A finder ready for this run: `decide(preprint lock record)`, and what it searches (for the report)."""

    decide: Callable[[Mapping[str, Any]], Decision]
    searched: str  # "3078 ACL Anthology papers"


@dataclass(frozen=True)
class Finder:
    """A published-version finder: its name (in the lock and in `[list] finders`) and how to open it."""

    name: str
    label: str  # "ACL Anthology": for messages
    open: Callable[[Any], Matcher]  # settings -> Matcher; ExporterError (or OSError) when it cannot
