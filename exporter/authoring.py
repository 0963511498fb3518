"""Adding papers to a list (`exporter add`, `exporter import`): the duplicate rules, as pure functions.

A paper is refused when the list has it already: the same arXiv id (any version), the same
Anthology id (also as the published version of a listed preprint), or the same normalised
title (one paper under another identifier).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exporter.ids import Identifier
from exporter.lock import Lock
from exporter.sources import Entry, Sources


@dataclass(frozen=True)
class Candidate:
    """A paper about to be added: what the user gave, its id (None for a manual entry), its TOML table."""

    given: str
    ident: Identifier | None
    table: dict[str, Any]
    title: str = ""  # as the imported file shows it, for duplicate detection before resolving


def listed_as(entries: tuple[Entry, ...] | list[Entry], ident: Identifier, lock: Lock) -> tuple[Entry, str] | None:
    """The entry that already lists this paper by id, and how; None if none does."""
    for entry in entries:
        if entry.arxiv and ident.kind == "arxiv" and entry.arxiv.id == ident.id:
            return entry, "the same arXiv id"
        if entry.acl and ident.kind == "acl" and entry.acl.id == ident.id:
            return entry, "the same Anthology id"
        if entry.arxiv and ident.kind == "acl" and entry.upgrade and not entry.acl:
            upgrade = lock.upgrades.get(entry.arxiv.full)
            if upgrade and upgrade["acl"] == ident.id:
                return entry, "its published version"
    return None


def where(sources: Sources, entry: Entry, lock: Lock | None = None) -> str:
    """`sources/papers.toml:97: entry 25 (arxiv:2212.10560) 'Self-Instruct: ...'` (the title if resolved)."""
    from exporter.records import titles

    title = titles((entry,), lock).get(entry.uid) if lock is not None else None
    return f"{sources.path}:{entry.line}: {entry.label}" + (f" {title!r}" if title else "")


def new_table(ident: Identifier, section: str | None, tags: tuple[str, ...], default_section: str) -> dict[str, Any]:
    """The `[[papers]]` table for an id: without a version (the entry follows arXiv's latest)."""
    table: dict[str, Any] = {ident.kind: ident.id}
    if section and section != default_section:
        table["section"] = section
    if tags:
        table["tags"] = list(dict.fromkeys(tags))
    return table


def fetched_since(lock: Lock, before: Lock, keep: Sources) -> None:
    """Drop from `lock` what was fetched after `before` for entries `keep` does not have."""
    from exporter.records import upgrade_of

    arxiv = {e.arxiv.full for e in keep.entries if e.arxiv}
    acl = {e.acl.id for e in keep.entries if e.acl} | {a for e in keep.entries if (a := upgrade_of(e, lock))}
    lock.arxiv = {k: v for k, v in lock.arxiv.items() if k in before.arxiv or k in arxiv}
    lock.upgrades = {k: v for k, v in lock.upgrades.items() if k in before.upgrades or k in arxiv}
    lock.acl = {k: v for k, v in lock.acl.items() if k in before.acl or k in acl}
