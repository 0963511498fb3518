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

    Returns failures (`acl:ID` -> reason) of fetching the matched Anthology records.
    """
    todo = [
        e for e in entries
        if e.arxiv and not e.acl and e.upgrade and e.arxiv.full in lock.arxiv
        and (refresh or e.arxiv.full not in lock.upgrades)
    ]
    if not todo:
        return {}
    from exporter import anthology
    from exporter.resolvers import acl
    from exporter.resolvers.upgrade import decide

    # The download has its own progress bar, in bytes (the resolve bar counts ids).
    index = anthology.open_index(settings)
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
    wanted = [c.paper.id for _, c in report.upgraded if refresh or c.paper.id not in lock.acl]
    errors = acl.fetch(list(dict.fromkeys(wanted)), settings, lock.acl)
    lock.received("acl", (i for i in wanted if i not in errors))
    report.acl_fetched += len(set(wanted)) - len(errors)
    # An entry whose matched record could not be fetched stays a preprint; its label reports why.
    by_acl = {c.paper.id: e for e, c in report.upgraded}
    return {f"arxiv:{by_acl[k].arxiv.full}": f"its Anthology version {k}: {v}" for k, v in errors.items()}  # type: ignore[union-attr]


def _prune(lock: Lock, entries: tuple[Entry, ...]) -> None:
    """Drop lock records no entry refers to any more, so the lock mirrors the sources."""
    arxiv_ids = {e.arxiv.full for e in entries if e.arxiv}
    lock.upgrades = {k: v for k, v in lock.upgrades.items() if k in arxiv_ids}
    acl_ids = {e.acl.id for e in entries if e.acl} | {u["acl"] for u in lock.upgrades.values() if u}
    lock.arxiv = {k: v for k, v in lock.arxiv.items() if k in arxiv_ids}
    lock.acl = {k: v for k, v in lock.acl.items() if k in acl_ids}
