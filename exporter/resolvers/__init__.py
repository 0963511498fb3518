"""Resolvers bring upstream metadata into the lock; this module decides what to fetch.

Only entries missing from the lock are fetched (all with `refresh`). Records go into the
lock as each batch arrives, so whatever resolved is kept even when other entries fail or
the user interrupts; every failure is reported by entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from exporter.errors import OfflineError
from exporter.lock import Lock
from exporter.records import assigned_keys
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
    prune: bool = False,
    progress_factory: Callable[[int], Any] | None = None,
) -> ResolveReport:
    """Fetch what the lock lacks (or everything, with `refresh`) and update `lock` in place.

    With `prune`, records and keys no entry refers to any more are dropped.
    """
    entries = sources.entries
    if refresh:
        arxiv_ids = list(dict.fromkeys(e.arxiv.full for e in entries if e.arxiv))
        acl_ids = list(dict.fromkeys(e.acl.id for e in entries if e.acl))
    else:
        arxiv_ids, acl_ids = missing(entries, lock)
    report = ResolveReport()
    if (arxiv_ids or acl_ids) and offline:
        wanted = {f"arxiv:{i}" for i in arxiv_ids} | {f"acl:{i}" for i in acl_ids}
        needing = [e.label for e in entries if {str(e.arxiv), str(e.acl)} & wanted]
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
            before = len(failed)
            errors = arxiv.fetch(arxiv_ids, settings, lock.arxiv, tick)
            failed.update({f"arxiv:{k}": v for k, v in errors.items()})
            report.arxiv_fetched = len(arxiv_ids) - (len(failed) - before)
            before = len(failed)
            errors = acl.fetch(acl_ids, settings, lock.acl, tick)
            failed.update({f"acl:{k}": v for k, v in errors.items()})
            report.acl_fetched = len(acl_ids) - (len(failed) - before)
        finally:
            if bar is not None:
                bar.close()
    for entry in entries:
        idents = [i for i in (entry.arxiv, entry.acl) if i]
        reasons = [(i.kind, failed[str(i)]) for i in idents if str(i) in failed]
        if reasons:
            # Name the service only when the entry has two ids to tell apart.
            report.failures[entry.label] = "; ".join(f"{k}: {r}" if len(idents) > 1 else r for k, r in reasons)
    if prune:
        _prune(lock, entries)
        lock.keys = assigned_keys(sources, lock)
    else:
        lock.keys = {**lock.keys, **assigned_keys(sources, lock)}
    return report


def _prune(lock: Lock, entries: tuple[Entry, ...]) -> None:
    """Drop lock records no entry refers to any more, so the lock mirrors the sources."""
    arxiv_ids = {e.arxiv.full for e in entries if e.arxiv}
    acl_ids = {e.acl.id for e in entries if e.acl}
    lock.arxiv = {k: v for k, v in lock.arxiv.items() if k in arxiv_ids}
    lock.acl = {k: v for k, v in lock.acl.items() if k in acl_ids}
