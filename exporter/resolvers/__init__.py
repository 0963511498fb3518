"""Resolvers bring upstream metadata into the lock; this module decides what to fetch.

Only entries missing from the lock are fetched (all with `refresh`); whatever resolves is
kept even when other entries fail, and every failure is reported by entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from exporter.errors import OfflineError
from exporter.lock import Lock
from exporter.records import entry_keys
from exporter.resolvers.http import Settings
from exporter.sources import Entry, Sources

__all__ = ["Settings", "resolve", "ResolveReport", "missing"]


@dataclass
class ResolveReport:
    """What a resolve run did: counts per service and failures by entry label."""

    arxiv_fetched: int = 0
    acl_fetched: int = 0
    failures: dict[str, str] = field(default_factory=dict)


def missing(entries: tuple[Entry, ...], lock: Lock) -> tuple[list[str], list[str]]:
    """arXiv and Anthology ids (full forms) the lock does not hold yet."""
    arxiv = [e.arxiv.full for e in entries if e.arxiv and e.arxiv.full not in lock.arxiv]
    acl = [e.acl.id for e in entries if e.acl and e.acl.id not in lock.acl]
    return list(dict.fromkeys(arxiv)), list(dict.fromkeys(acl))


def resolve(
    sources: Sources,
    lock: Lock,
    settings: Settings,
    *,
    refresh: bool = False,
    offline: bool = False,
    progress_factory: Callable[[int], Any] | None = None,
) -> ResolveReport:
    """Fetch what the lock lacks (or everything, with `refresh`) and update `lock` in place."""
    entries = sources.entries
    if refresh:
        arxiv_ids = list(dict.fromkeys(e.arxiv.full for e in entries if e.arxiv))
        acl_ids = list(dict.fromkeys(e.acl.id for e in entries if e.acl))
    else:
        arxiv_ids, acl_ids = missing(entries, lock)
    report = ResolveReport()
    if (arxiv_ids or acl_ids) and offline:
        needing = [e.label for e in entries if (e.arxiv and e.arxiv.full in arxiv_ids) or (e.acl and e.acl.id in acl_ids)]
        raise OfflineError(
            f"--offline, but {len(needing)} entr{'y is' if len(needing) == 1 else 'ies are'} not in the lock "
            f"({', '.join(needing[:5])}{', ...' if len(needing) > 5 else ''}); run 'exporter resolve' online"
        )
    failed: dict[str, str] = {}
    if arxiv_ids or acl_ids:
        from exporter.resolvers import acl, arxiv

        bar = progress_factory(len(arxiv_ids) + len(acl_ids)) if progress_factory else None
        tick = bar.update if bar is not None else (lambda n: None)
        try:
            found, errors = arxiv.fetch(arxiv_ids, settings, tick)
            lock.arxiv.update(found)
            report.arxiv_fetched = len(found)
            failed.update({f"arxiv:{k}": v for k, v in errors.items()})
            found, errors = acl.fetch(acl_ids, settings, tick)
            lock.acl.update(found)
            report.acl_fetched = len(found)
            failed.update({f"acl:{k}": v for k, v in errors.items()})
        finally:
            if bar is not None:
                bar.close()
    for entry in entries:
        for ident in (entry.arxiv, entry.acl):
            if ident and str(ident) in failed:
                report.failures[f"{entry.label}"] = failed[str(ident)]
    _prune(lock, entries)
    lock.keys = entry_keys(entries, lock, persist_only=True)
    return report


def _prune(lock: Lock, entries: tuple[Entry, ...]) -> None:
    """Drop lock records no entry refers to any more, so the lock mirrors the sources."""
    arxiv_ids = {e.arxiv.full for e in entries if e.arxiv}
    acl_ids = {e.acl.id for e in entries if e.acl}
    uids = {e.uid for e in entries}
    lock.arxiv = {k: v for k, v in lock.arxiv.items() if k in arxiv_ids}
    lock.acl = {k: v for k, v in lock.acl.items() if k in acl_ids}
    lock.keys = {k: v for k, v in lock.keys.items() if k in uids}
