"""The ACL Anthology finder: arXiv preprints matched against the Anthology's complete BibTeX dump (cached)."""

from __future__ import annotations

from typing import Any, Mapping

from exporter.finders.base import Decision, Finder, Found, Matcher
from exporter.ids import Identifier


def _found(candidate: Any) -> Found:
    from exporter import venues

    return Found(Identifier("acl", candidate.paper.id), venues.anthology(candidate.paper.id), candidate.score,
                 candidate.describe())


def open_matcher(settings: Any) -> Matcher:
    """Revalidate (or download) the dump, load its index, and match against it."""
    from exporter import anthology
    from exporter.finders.scoring import decide

    # The download has its own progress bar, in bytes.
    index = anthology.open_index(settings)

    def decide_one(record: Mapping[str, Any]) -> Decision:
        decision = decide(record, index)
        return Decision(_found(decision.match) if decision.match else None,
                        tuple(_found(c) for c in decision.doubtful))

    return Matcher(decide_one, f"{len(index)} ACL Anthology papers")


FINDER = Finder(name="acl", label="ACL Anthology", open=open_matcher)
