"""Identifier kinds as a registry: every form users paste (ids, URLs, DOIs) to a canonical `Identifier`.

A kind is one module with a `KIND` (an `IdKind`) and one row here; its name is its TOML key
in papers.toml, its section in the lock, and the key of its resolver (`exporter.resolvers`).
Order matters: an entry is named (its uid) by its first id in this order.
"""

from __future__ import annotations

from typing import Iterable

from exporter.errors import IdentifierError
from exporter.ids import acl, arxiv, dblp
from exporter.ids.base import IdKind, Identifier

__all__ = ["Identifier", "IdKind", "KINDS", "register", "parse_id"]

KINDS: dict[str, IdKind] = {kind.name: kind for kind in (arxiv.KIND, acl.KIND, dblp.KIND)}


def register(kind: IdKind) -> None:
    """Add a kind of identifier (a plug-in, or a test's toy kind); it parses after the built-in ones."""
    KINDS[kind.name] = kind


def parse_id(text: str, kind: str | None = None) -> Identifier:
    """Parse an id, URL or DOI of any kind (or only of `kind`).

    Raises IdentifierError with a message that says what was expected.
    """
    value = text.strip()
    for candidate in [KINDS[kind]] if kind else KINDS.values():
        if (ident := candidate.parse(value)) is not None:
            return ident
    if kind:
        raise IdentifierError(f"{text!r} is not {KINDS[kind].expected}")
    labels = [k.label for k in KINDS.values()]
    either = " or ".join([", ".join(labels[:-1]), labels[-1]] if len(labels) > 1 else labels)
    raise IdentifierError(f"{text!r} is not an {either} id, URL or DOI")


def differ(a: Iterable[Identifier], b: Iterable[Identifier]) -> bool:
    """Whether two papers name different ids of one kind (two arXiv ids): then they are two papers, whatever
    their titles say (a list's generic link label, a shared title). Ids of different kinds can be one paper."""
    mine = {i.kind: i.id for i in a}
    return any(i.kind in mine and mine[i.kind] != i.id for i in b)
