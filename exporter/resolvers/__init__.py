"""Resolvers bring upstream metadata into the lock; this module decides what to fetch.

Only entries missing from the lock are fetched (all with `refresh`). Records go into the
lock as each batch arrives, so whatever resolved is kept even when other entries fail or
the user interrupts; every failure is reported by entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from exporter.errors import ExporterError
from exporter.lock import Lock
from exporter.records import assigned_keys, require_locked
from exporter.resolvers.http import Settings
from exporter.sources import Entry, Sources

__all__ = ["Settings", "resolve", "ResolveReport", "missing"]


@dataclass
class ResolveReport:
    """What a resolve run did: counts per service, published versions found, failures by entry label."""

    arxiv_fetched: int = 0
    acl_fetched: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    checked: int = 0  # arXiv entries checked for a published Anthology version
    index_size: int = 0
    upgraded: list[tuple[Entry, Any]] = field(default_factory=list)  # (entry, Candidate)
    doubtful: list[tuple[Entry, tuple[Any, ...]]] = field(default_factory=list)  # (entry, Candidates)


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
    upgrade: bool = True,
    progress_factory: Callable[[int], Any] | None = None,
) -> ResolveReport:
    """Fetch what the lock lacks (or everything, with `refresh`) and update `lock` in place.

    With `upgrade` (and not `offline`), arXiv entries not checked yet (all, with `refresh`)
    are looked up in the Anthology's full dump for a published version. With `prune`,
    records and keys no entry refers to any more are dropped.
    """
    entries = sources.entries
    if refresh:
        arxiv_ids = list(dict.fromkeys(e.arxiv.full for e in entries if e.arxiv))
        acl_ids = list(dict.fromkeys(e.acl.id for e in entries if e.acl))
    else:
        arxiv_ids, acl_ids = missing(entries, lock)
    report = ResolveReport()
    if offline:
        require_locked(sources, lock, upgrade, hint="run 'exporter resolve' online (--offline was given)")
    failed: dict[str, str] = {}
    if arxiv_ids or acl_ids:
        from exporter.resolvers import acl, arxiv

        bar = progress_factory(len(arxiv_ids) + len(acl_ids)) if progress_factory else None
        tick = bar.update if bar is not None else (lambda n: None)
        try:
            before = len(failed)
            errors = arxiv.fetch(arxiv_ids, settings, lock.arxiv, tick)
            lock.received("arxiv", (i for i in arxiv_ids if i not in errors))
            failed.update({f"arxiv:{k}": v for k, v in errors.items()})
            report.arxiv_fetched = len(arxiv_ids) - (len(failed) - before)
            before = len(failed)
            errors = acl.fetch(acl_ids, settings, lock.acl, tick)
            lock.received("acl", (i for i in acl_ids if i not in errors))
            failed.update({f"acl:{k}": v for k, v in errors.items()})
            report.acl_fetched = len(acl_ids) - (len(failed) - before)
        finally:
            if bar is not None:
                bar.close()
    if upgrade and not offline:
        failed.update(_find_published_versions(entries, lock, settings, refresh, progress_factory, report))
    for entry in entries:
        idents = [i for i in (entry.arxiv, entry.acl) if i]
        reasons = [(i.kind, failed[str(i)]) for i in idents if str(i) in failed]
        if reasons:
            # Name the service only when the entry has two ids to tell apart.
            report.failures[entry.label] = "; ".join(f"{k}: {r}" if len(idents) > 1 else r for k, r in reasons)
    if prune:
        _prune(lock, entries)
        lock.set_keys(assigned_keys(sources, lock))
    else:
        lock.set_keys({**lock.keys, **assigned_keys(sources, lock)})
    return report


def _find_published_versions(
    entries: tuple[Entry, ...],
    lock: Lock,
    settings: Settings,
    refresh: bool,
    progress_factory: Callable[[int], Any] | None,
    report: ResolveReport,
) -> dict[str, str]:
    """Match arXiv entries to the Anthology's dump; record decisions and fetch matched records.

    Returns failures (`arxiv:ID` -> reason): entries whose check could not run (the dump
    failed: nothing is decided for them, so the next run checks again) and entries whose
    matched record could not be fetched (their decision stays; the next run fetches it).
    """
    eligible = [e for e in entries if e.arxiv and not e.acl and e.upgrade and e.arxiv.full in lock.arxiv]
    todo = [e for e in eligible if refresh or e.arxiv.full not in lock.upgrades]  # type: ignore[union-attr]
    failures: dict[str, str] = {}
    if todo:
        from exporter import anthology
        from exporter.resolvers.upgrade import decide

        try:
            # The download has its own progress bar, in bytes (the resolve bar counts ids).
            index = anthology.open_index(settings)
        except (ExporterError, OSError) as exc:
            reason = f"published version not checked: {exc.strerror if isinstance(exc, OSError) else exc}"
            failures.update({f"arxiv:{e.arxiv.full}": reason for e in todo})  # type: ignore[union-attr]
            todo = []
        else:
            report.checked, report.index_size = len(todo), len(index)
        for entry in todo:
            assert entry.arxiv is not None
            decision = decide(lock.arxiv[entry.arxiv.full], index)
            if decision.match:
                lock.upgrades[entry.arxiv.full] = {"acl": decision.match.paper.id, "score": decision.match.score}
                report.upgraded.append((entry, decision.match))
            else:
                lock.upgrades[entry.arxiv.full] = None
                if decision.doubtful:  # only worth a look when nothing was applied
                    report.doubtful.append((entry, decision.doubtful))
        lock.received("upgrades", (e.arxiv.full for e in todo if e.arxiv))
    # Every matched record the lock lacks, also from decisions of earlier runs whose download failed.
    decided_now = {id(e) for e in todo}
    by_acl: dict[str, list[Entry]] = {}
    for entry in eligible:
        match = lock.upgrades.get(entry.arxiv.full)  # type: ignore[union-attr]
        if match and (match["acl"] not in lock.acl or refresh and id(entry) in decided_now):
            by_acl.setdefault(match["acl"], []).append(entry)
    from exporter.resolvers import acl

    errors = acl.fetch(list(by_acl), settings, lock.acl)
    lock.received("acl", (i for i in by_acl if i not in errors))
    report.acl_fetched += len(by_acl) - len(errors)
    for acl_id, reason in errors.items():
        for entry in by_acl[acl_id]:
            failures[f"arxiv:{entry.arxiv.full}"] = f"its Anthology version {acl_id}: {reason}"  # type: ignore[union-attr]
    return failures


def _prune(lock: Lock, entries: tuple[Entry, ...]) -> None:
    """Drop lock records no entry refers to any more, so the lock mirrors the sources."""
    arxiv_ids = {e.arxiv.full for e in entries if e.arxiv}
    lock.upgrades = {k: v for k, v in lock.upgrades.items() if k in arxiv_ids}
    acl_ids = {e.acl.id for e in entries if e.acl} | {u["acl"] for u in lock.upgrades.values() if u}
    lock.arxiv = {k: v for k, v in lock.arxiv.items() if k in arxiv_ids}
    lock.acl = {k: v for k, v in lock.acl.items() if k in acl_ids}
