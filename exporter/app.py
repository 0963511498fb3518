"""Use cases between the command line and the rest: load, resolve, build (write the outputs) and export
(add, import and check follow).

`resolve` decides what to fetch (only what the lock lacks; everything with `refresh`), fetches it
through the resolver registry, gives preprints to the published-version finders in order, and
records everything in the lock as it arrives, so whatever resolved is kept even when other
entries fail or the user interrupts; every failure is reported by entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from exporter import lock as lockfile
from exporter import sources as sourcesfile
from exporter.errors import ExporterError, ResolveError, SourceError
from exporter.files import stale_temps, write_all
from exporter.finders import FINDERS, Found
from exporter.http import Settings
from exporter.ids import KINDS, Identifier
from exporter.lock import Lock
from exporter.records import (assigned_keys, missing_ids, preprint_of, published_version, records_in_use,
                              require_locked, unfinished_upgrade)
from exporter.records import records as build_records
from exporter.resolvers import RESOLVERS
from exporter.sources import Entry, Sources
from exporter.writers import WRITERS, formats_of, render, render_all

__all__ = ["load", "resolve", "ResolveReport", "leftover_temps", "write_outputs", "export_text"]


def load(sources_path: Path) -> tuple[Sources, Lock, Path]:
    """The sources file, its lock (empty if there is none) and the lock's path."""
    src = sourcesfile.load(sources_path)
    path = lockfile.lock_path(sources_path)
    return src, lockfile.load(path), path


def leftover_temps(sources_path: Path, outputs: Path) -> list[Path]:
    """Temporary files a killed run left beside the list's files (its sources, its lock, its outputs):
    writing commands remove them (holding the writer lock), `check` names them."""
    return (stale_temps(sources_path.parent, (sources_path.name, lockfile.lock_path(sources_path).name))
            + stale_temps(outputs, [w.filename for w in WRITERS.values()]))


def write_outputs(src: Sources, lock: Lock, outputs: Path, upgrades: bool, dialect: str | None,
                  unicode: bool | None) -> tuple[int, dict[Path, bool]]:
    """Write the list's outputs from the lock alone (refs.bib options: given, else the list's), all or nothing:
    a failing writer or a file that cannot be written leaves no mixed outputs. Returns the number of
    records and which files changed."""
    recs = build_records(src, lock, upgrades=upgrades)
    texts = render_all(recs, src.meta, *src.meta.bibtex(dialect, unicode), formats=formats_of(src))
    return len(recs), write_all({outputs / name: text for name, text in texts.items()})


def export_text(src: Sources, lock: Lock, fmt: str, upgrades: bool, dialect: str | None, unicode: bool | None) -> str:
    """One format's text, from the lock alone."""
    bibtex_dialect, bibtex_unicode = src.meta.bibtex(dialect, unicode)
    return render(fmt, build_records(src, lock, upgrades=upgrades), src.meta, bibtex_dialect, bibtex_unicode)


@dataclass
class ResolveReport:
    """What a resolve run did: records fetched per kind, published versions found, failures by entry label."""

    fetched: dict[str, int] = field(default_factory=dict)  # kind -> records fetched
    failures: dict[str, str] = field(default_factory=dict)  # entry label -> why its own records failed
    # entry label -> why its published version could not be checked or fetched (its own records are in)
    pending: dict[str, str] = field(default_factory=dict)
    checked: dict[str, int] = field(default_factory=dict)  # finder -> preprints it looked at
    searched: dict[str, str] = field(default_factory=dict)  # finder -> what it searched ("3078 ... papers")
    upgraded: list[tuple[Entry, str, Found]] = field(default_factory=list)  # (entry, finder, match)
    doubtful: list[tuple[Entry, str, tuple[Found, ...]]] = field(default_factory=list)

    @property
    def total_fetched(self) -> int:
        return sum(self.fetched.values())

    def error(self, sources: Sources) -> ResolveError | None:
        """The error naming, in list order and with its line, each entry that failed or whose published
        version could not be checked or fetched; None when none did."""
        failed = {**self.failures, **self.pending}
        if not failed:
            return None
        return ResolveError({f"{sources.path}:{e.line}: {e.label}": failed[e.label]
                             for e in sources.entries if e.label in failed}, self.total_fetched)


def resolve(
    sources: Sources,
    lock: Lock,
    settings: Settings,
    *,
    refresh: bool = False,
    offline: bool = False,
    prune: bool = False,
    upgrade: bool = True,
    finders: Sequence[str] | None = None,
    progress_factory: Callable[[int], Any] | None = None,
) -> ResolveReport:
    """Fetch what the lock lacks (or everything, with `refresh`) and update `lock` in place.

    With `upgrade` (and not `offline`), preprints not checked yet (all, with `refresh`) go to the
    published-version finders (`finders`, default all, in order). With `prune`, records and keys no
    entry refers to any more are dropped.
    """
    entries = sources.entries
    report = ResolveReport()
    if finders is None:
        finders = sources.meta.finders
    for name in finders or ():
        if name not in FINDERS:
            raise SourceError(str(sources.path), sources.meta.key_lines.get("finders"), "[list]",
                              f"no published-version finder {name!r}; choose from {', '.join(FINDERS)}")
    if offline:
        require_locked(sources, lock, upgrade, hint="run 'exporter resolve' online (--offline was given)")
    wanted: dict[str, list[str]] = {}
    for entry in entries:
        for ident in entry.ids.values() if refresh else missing_ids(entry, lock):
            wanted.setdefault(ident.kind, []).append(ident.full)
    # Kinds in registry order (arXiv first: its batches are the slow part), each id once.
    wanted = {k: list(dict.fromkeys(wanted[k])) for k in sorted(wanted, key=lambda k: list(KINDS).index(k)
                                                                if k in KINDS else len(KINDS))}
    failed = _fetch(wanted, lock, settings, report, progress_factory)
    pending = _find_published_versions(entries, lock, settings, refresh, finders, report) if upgrade and not offline \
        else {}
    for entry in entries:
        idents = list(entry.ids.values())
        reasons = [(i.kind, failed[str(i)]) for i in idents if str(i) in failed]
        if reasons:
            # Name the kind only when the entry has two ids to tell apart.
            report.failures[entry.label] = "; ".join(f"{k}: {r}" if len(idents) > 1 else r for k, r in reasons)
        elif (preprint := preprint_of(entry)) and str(preprint) in pending:
            report.pending[entry.label] = pending[str(preprint)]
    if prune:
        _prune(lock, entries)
        lock.set_keys(assigned_keys(sources, lock))
    else:
        lock.set_keys({**lock.keys, **assigned_keys(sources, lock)})
    return report


def _fetch(wanted: dict[str, list[str]], lock: Lock, settings: Settings, report: ResolveReport,
           progress_factory: Callable[[int], Any] | None = None) -> dict[str, str]:
    """Fetch ids by kind through their resolvers into the lock; returns failures (`kind:id` -> reason)."""
    failed: dict[str, str] = {}
    total = sum(len(v) for v in wanted.values())
    if not total:
        return failed
    bar = progress_factory(total) if progress_factory else None
    tick = bar.update if bar is not None else (lambda n: None)
    try:
        for kind, ids in wanted.items():
            fetch = RESOLVERS.get(kind)
            if fetch is None:
                failed.update({f"{kind}:{i}": f"no resolver fetches {kind} ids" for i in ids})
                continue
            errors = fetch(ids, settings, lock.of(kind), tick)
            lock.received(kind, (i for i in ids if i not in errors))
            failed.update({f"{kind}:{k}": v for k, v in errors.items()})
            report.fetched[kind] = report.fetched.get(kind, 0) + len(ids) - len(errors)
    finally:
        if bar is not None:
            bar.close()
    return failed


def _find_published_versions(
    entries: tuple[Entry, ...],
    lock: Lock,
    settings: Settings,
    refresh: bool,
    enabled: Sequence[str] | None,
    report: ResolveReport,
) -> dict[str, str]:
    """Give each preprint not decided yet to the finders in order; record decisions; fetch matched records.

    Returns failures (`arxiv:ID` -> reason): preprints a finder could not check (it failed to open:
    nothing is decided for them by it, so the next run checks again) and preprints whose matched
    record could not be fetched (the decision stays; the next run fetches it).
    """
    eligible = [(e, p) for e in entries if (p := preprint_of(e)) and p.full in lock.of(p.kind)]
    failures: dict[str, str] = {}
    decided: set[str] = set()
    if refresh:
        fresh = {e.uid: {"checked": [], "match": None} for e, _ in eligible}
    names = [n for n in (enabled if enabled is not None else FINDERS) if n in FINDERS]
    for name in names:
        todo = []
        for entry, preprint in eligible:
            decision = fresh[entry.uid] if refresh else lock.published.get(entry.uid) or {"checked": [], "match": None}
            if decision["match"] is None and name not in decision["checked"] and str(preprint) not in failures:
                todo.append((entry, preprint, decision))
        if not todo:
            continue
        finder = FINDERS[name]
        try:
            matcher = finder.open(settings)
        except (ExporterError, OSError) as exc:
            reason = f"published version not checked ({finder.label}): {exc.strerror if isinstance(exc, OSError) else exc}"
            failures.update({str(p): reason for _, p, _ in todo})
            continue
        report.checked[name], report.searched[name] = len(todo), matcher.searched
        for entry, preprint, decision in todo:
            result = matcher.decide(lock.of(preprint.kind)[preprint.full])
            match = result.match
            lock.published[entry.uid] = {
                "checked": [*decision["checked"], name],
                "match": None if match is None else {"finder": name, "kind": match.ident.kind, "id": match.ident.id,
                                                     "score": match.score, "evidence": match.evidence}}
            if refresh:
                fresh[entry.uid] = lock.published[entry.uid]
            decided.add(entry.uid)
            if match:
                report.upgraded.append((entry, name, match))
            elif result.doubtful:  # only worth a look when nothing was applied
                report.doubtful.append((entry, name, result.doubtful))
    lock.received("published", decided)
    # Every matched record the lock lacks, also from decisions of earlier runs whose download failed.
    by_id: dict[Identifier, list[tuple[Entry, Identifier]]] = {}
    for entry, preprint in eligible:
        ident = unfinished_upgrade(entry, lock, None) or (
            published_version(entry, lock, None) if refresh and entry.uid in decided else None)
        if ident:
            by_id.setdefault(ident, []).append((entry, preprint))
    wanted: dict[str, list[str]] = {}
    for ident in by_id:
        wanted.setdefault(ident.kind, []).append(ident.id)
    errors = _fetch(wanted, lock, settings, report)
    for ident, reason in ((Identifier(*k.split(":", 1)), v) for k, v in errors.items()):
        for _, preprint in by_id.get(ident, []):
            failures[str(preprint)] = f"its published version {ident}: {reason}"
    return failures


def _prune(lock: Lock, entries: tuple[Entry, ...]) -> None:
    """Drop lock records and decisions no entry refers to any more, so the lock mirrors the sources."""
    uids = {e.uid for e in entries}
    lock.published = {k: v for k, v in lock.published.items() if k in uids}
    used = records_in_use(entries, lock)
    lock.records = {kind: {k: v for k, v in values.items() if k in used.get(kind, set())}
                    for kind, values in lock.records.items()}
