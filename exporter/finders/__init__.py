"""Published-version finders as a registry: given a resolved preprint's record, find its published version.

One contract (`Finder`): `open(settings)` gets what the finder needs once per run (the Anthology's
dump index, say; it may fail: ExporterError) and returns a `Matcher` whose `decide(record)` gives a
`Decision` (a confident match with its score and evidence, doubtful candidates, or none). Finders
run in the order of `FINDERS` (or of a list's `[list] finders`); an entry one finder matched is not
given to the next.
"""

from __future__ import annotations

from exporter.finders import acl, dblp
from exporter.finders.base import Decision, Finder, Found, Matcher

__all__ = ["Decision", "Finder", "Found", "Matcher", "FINDERS", "register"]

FINDERS: dict[str, Finder] = {finder.name: finder for finder in (acl.FINDER, dblp.FINDER)}


def register(finder: Finder) -> None:
    """Add a finder (a plug-in, or a test's toy finder); it runs after the built-in ones."""
    FINDERS[finder.name] = finder
