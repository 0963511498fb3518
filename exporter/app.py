"""Use cases between the command line and the rest: load, resolve, build (write the outputs), export,
add and import (check follows). They read and write the list's files; the command line only prints.

`resolve` decides what to fetch (only what the lock lacks; everything with `refresh`), fetches it
through the resolver registry, gives preprints to the published-version finders in order, and
records everything in the lock as it arrives, so whatever resolved is kept even when other
entries fail or the user interrupts; every failure is reported by entry.
"""

from __future__ import annotations

import contextlib
import copy
import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from exporter import editing, readers
from exporter import lock as lockfile
from exporter import sources as sourcesfile
from exporter.authoring import Candidate, fetched_since, front_matter, imported_candidate, new_table, screen, where
from exporter.errors import ExporterError, IdentifierError, ResolveError, SourceError
from exporter.files import stale_temps, write_all, write_atomic
from exporter.finders import FINDERS, Found
from exporter.http import PermanentError, Settings, TransientError
from exporter.ids import KINDS, Identifier, parse_id
from exporter.lock import Lock
from exporter.records import (assigned_keys, missing_ids, preprint_of, published_version, records_in_use,
                              require_locked, same_titles, unfinished_upgrade)
from exporter.records import records as build_records
from exporter.resolvers import RESOLVERS
from exporter.sources import Entry, Sources
from exporter.writers import WRITERS, formats_of, render, render_all

__all__ = ["load", "resolve", "ResolveReport", "leftover_temps", "remove_leftover_temps", "write_outputs",
           "export_text", "export_file", "add_papers", "import_file", "AddReport"]


def _quiet(message: str) -> None:
    """The default `notify`: say nothing."""


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
                  unicode: bool | None, notify: Callable[[str], None] = _quiet) -> tuple[int, dict[Path, bool]]:
    """Write the list's outputs from the lock alone (refs.bib options: given, else the list's), all or nothing:
    a failing writer or a file that cannot be written leaves no mixed outputs. Returns the number of
    records and which files changed, and says it (`notify`), a line per file."""
    recs = build_records(src, lock, upgrades=upgrades)
    texts = render_all(recs, src.meta, *src.meta.bibtex(dialect, unicode), formats=formats_of(src))
    changed = write_all({outputs / name: text for name, text in texts.items()})
    count = len(recs)
    for path, new in changed.items():
        notify(f"{path}: {count} entr{'y' if count == 1 else 'ies'}{'' if new else ' (unchanged)'}")
    return count, changed


def export_text(src: Sources, lock: Lock, fmt: str, upgrades: bool, dialect: str | None, unicode: bool | None) -> str:
    """One format's text, from the lock alone."""
    bibtex_dialect, bibtex_unicode = src.meta.bibtex(dialect, unicode)
    return render(fmt, build_records(src, lock, upgrades=upgrades), src.meta, bibtex_dialect, bibtex_unicode)


def export_file(path: Path, text: str) -> None:
    """Write one exported format to `path`, atomically."""
    write_atomic(path, text)


def remove_leftover_temps(sources_path: Path, outputs: Path) -> None:
    """Remove the temporary files a killed run left (call it holding the list's writer lock: then no other
    run is writing, so they are stale)."""
    for path in leftover_temps(sources_path, outputs):
        with contextlib.suppress(OSError):
            path.unlink()


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
    requests: dict[str, int] = field(default_factory=dict)  # service -> requests made, retries included
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
    report.requests = {name: state.requests for name, state in settings.budget.services.items()}
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
            try:
                result = matcher.decide(lock.of(preprint.kind)[preprint.full])
            except (TransientError, PermanentError) as exc:  # a finder that searches a service per preprint
                # Nothing decided: the next run asks again; a service given up fails the rest at once.
                failures[str(preprint)] = f"published version not checked ({finder.label}): {exc}"
                continue
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


@dataclass
class AddReport:
    """What `add_papers` or `import_file` did (what it said on the way went to its `notify` already).

    `added`: the candidates appended; `refused`: a line per paper not added; `notes`: the closing lines.
    """

    added: list[Candidate] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def error(self) -> ExporterError | None:
        """The error naming what was not added: one line, or a count and a line each; None when nothing was refused."""
        outcome = "" if self.added else "; nothing changed"
        if len(self.refused) == 1:
            return ExporterError(self.refused[0] + outcome)
        if self.refused:
            return ExporterError(f"{len(self.refused)} papers not added{outcome}:\n" + "\n".join(self.refused))
        return None


def add_papers(
    sources_path: Path,
    given: Sequence[str],
    settings: Settings,
    *,
    section: str | None = None,
    tags: Sequence[str] = (),
    upgrade: bool | None = None,
    dry_run: bool = False,
    outputs: Path | None = None,
    dialect: str | None = None,
    unicode: bool | None = None,
    notify: Callable[[str], None] = _quiet,
    show: Callable[[str], None] = _quiet,
    progress_factory: Callable[[int], Any] | None = None,
) -> AddReport:
    """`exporter add`: resolve papers given by id, URL or DOI and append them to the sources file.

    Refuses (`AddReport.refused`) a paper the list has already and one that does not resolve; a
    paper given twice is taken once. Then saves the sources and the lock and, with `outputs`, writes
    the outputs there (refs.bib options `dialect`, `unicode`). With `dry_run` writes nothing and
    shows (`show`, standard output) the new tables.
    """
    parsed = []
    for raw in given:
        try:
            parsed.append((raw, parse_id(raw)))
        except IdentifierError as exc:
            raise ExporterError(f"{raw!r}: {exc}; nothing added") from exc
    text = _sources_text(sources_path)
    src = sourcesfile.parse(text, sources_path)
    lock = lockfile.load(lockfile.lock_path(sources_path))
    given_once: dict[tuple[str, str], tuple[str, Identifier]] = {}
    for raw, ident in parsed:
        first = given_once.setdefault((ident.kind, ident.id), (raw, ident))
        if first[0] != raw:
            notify(f"{raw}: the same paper as {first[0]}, taken once")
    candidates = [Candidate(raw, (ident,), new_table(ident, section, tuple(tags), src.meta.section))
                  for raw, ident in given_once.values()]
    candidates, refused, notes = screen(candidates, src, lock)
    for note in notes:
        notify(note)
    upgrades = src.meta.upgrades(upgrade)
    added = _add(text, src, lock, candidates, refused, settings=settings, upgrades=upgrades, dry_run=dry_run,
                 outputs=outputs, dialect=dialect, unicode=unicode, notify=notify, show=show,
                 progress_factory=progress_factory)
    report = AddReport(added, refused)
    for candidate in added:
        ident = candidate.idents[0]
        if ident.version:
            report.notes.append(f"{candidate.given}: added as {ident.id}, without v{ident.version}: the entry "
                                f"follows arXiv's latest version (write arxiv = \"{ident.full}\" to pin this one)")
    return report


@contextlib.contextmanager
def _few_full_collections() -> Any:
    """Python's cycle collector without its full collections (the young generations are still collected): the
    objects an import of a 10,000-entry file makes mostly live to its end, and each full collection goes over
    all of them again (a second or more of the import)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], max(thresholds[2], 1000))
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


@_few_full_collections()
def import_file(
    sources_path: Path,
    file: Path,
    *,
    section: str | None = None,
    dry_run: bool = False,
    notify: Callable[[str], None] = _quiet,
    show: Callable[[str], None] = _quiet,
) -> AddReport:
    """`exporter import`: create or extend the sources file from a Markdown list or a .bib file. Offline.

    A new sources file gets the imported list's front matter (its section: `section` if given).
    Papers the list has already are refused; the lines not understood are said (`notify`). With
    `dry_run` writes nothing and shows (`show`, standard output) what would be written.
    """
    readers.reader_for(str(file))  # refuse a file no reader reads before reading it
    imported = readers.read(str(file), _read_imported(file, notify))
    current = _sources_text(sources_path)
    src = sourcesfile.parse(current, sources_path)
    lock = lockfile.load(lockfile.lock_path(sources_path))
    base = current
    if not current.strip():  # a new list: its front matter too
        base = front_matter({**imported.meta, **({"section": section} if section else {})}, file.name)
        src = sourcesfile.parse(base, sources_path)
    elif imported.meta:
        notify(f"{file}: front matter ({', '.join(imported.meta)}) not imported: {sources_path} has its own")
    candidates = [imported_candidate(f"{file}:{found.line}", found, imported.meta.get("section"),
                                     section, src.meta.section, lock) for found in imported.papers]
    candidates, refused, notes = screen(candidates, src, lock)
    for line, reason in imported.skipped:
        notify(f"{file}:{line}: not imported: {reason}")
    for note in notes:
        notify(note)
    if dry_run and base != current:
        show(base + "\n")  # the new file's head
    added = _add(base, src, lock, candidates, refused, settings=None, upgrades=src.meta.upgrade, dry_run=dry_run,
                 announce=False, notify=notify, show=show)
    report = AddReport(added, refused, [f"not imported: {refusal}" for refusal in refused])
    report.notes.append(
        f"{sources_path}: {'would import' if dry_run else 'imported'} {len(added)} of {len(imported.papers)} papers "
        f"from {file}; {len(imported.skipped)} lines not understood, {len(refused)} papers not imported"
        + ("" if dry_run or not added else "; run 'exporter build' to resolve them and write the outputs"))
    return report


def _sources_text(path: Path) -> str:
    """The sources file's text as it is (line ends kept, a byte-order mark dropped); "" if there is none."""
    return sourcesfile.read_text(path) if path.exists() else ""


def _had_bom(path: Path) -> bool:
    """Whether the sources file starts with a byte-order mark: a rewrite keeps it."""
    try:
        with path.open("rb") as handle:
            return handle.read(3) == b"\xef\xbb\xbf"
    except OSError:
        return False


def _read_imported(file: Path, notify: Callable[[str], None]) -> str:
    """The text of a file to import: UTF-8, else (older .bib files) Windows-1252 (Latin-1 with “smart quotes”
    and dashes, as Windows editors save it), else Latin-1, which decodes any byte."""
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise ExporterError(f"{file}: file not found") from None
    except OSError as exc:
        raise ExporterError(f"{file}: cannot read: {exc.strerror}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
    try:
        text = data.decode("cp1252")
        notify(f"{file}:{line}: not UTF-8; read as Windows-1252")
        return text
    except UnicodeDecodeError:
        notify(f"{file}:{line}: not UTF-8; read as Latin-1")
        return data.decode("latin-1")


def _add(text: str, src: Sources, lock: Lock, candidates: list[Candidate], refused: list[str], *,
         settings: Settings | None, upgrades: bool, dry_run: bool, outputs: Path | None = None,
         dialect: str | None = None, unicode: bool | None = None, announce: bool = True,
         notify: Callable[[str], None], show: Callable[[str], None],
         progress_factory: Callable[[int], Any] | None = None) -> list[Candidate]:
    """Append the candidates to the sources text `text` (of `src`), shared by `add` and `import`.

    With `settings`, resolve them first (else they wait for `exporter build`); refuse those that
    fail or turn out to be listed already (by title). Then save the sources and the lock and,
    with `outputs`, write the outputs there. Appends to `refused` what is not added; returns the
    candidates added.
    """
    if not candidates:
        return []
    path = src.path
    before = copy.deepcopy(lock)
    try:
        trial_text = editing.append_papers(text, [c.toml for c in candidates])
        trial = sourcesfile.parse_appended(trial_text, path, text, [c.rendered for c in candidates])
    except ValueError as exc:  # papers written as an inline array
        raise ExporterError(f"{path}: {exc}") from exc
    # Entries by index: the new ones come after the list's own.
    new = {e.index: c for e, c in zip(trial.entries[len(src.entries):], candidates)}
    failures: dict[str, str] = {}
    pending: dict[str, str] = {}
    if settings is not None:
        report = resolve(trial, lock, settings, upgrade=upgrades, progress_factory=progress_factory)
        failures, pending = report.failures, report.pending
    bad = {e.index: f"{new[e.index].given}: not resolved: {failures[e.label]}"
           for e in trial.entries if e.index in new and e.label in failures}
    for entry in trial.entries[:len(src.entries)]:  # the list's own entries still missing from the lock
        if entry.label in failures:
            notify(f"{where(trial, entry)}: not resolved: {failures[entry.label]}")
    for entry, first, title in same_titles(trial.entries, lock):
        if entry.index in new and entry.index not in bad:
            other = new[first.index].given if first.index in new else where(trial, first, lock)
            bad[entry.index] = f"{new[entry.index].given}: already in the list as {other} (the same title)"
    refused += list(bad.values())
    accepted = [c for i, c in new.items() if i not in bad]
    if len(accepted) == len(candidates):  # nothing refused: the trial is the final text (a parse saved)
        final_text, final = trial_text, trial
    else:
        final_text = editing.append_papers(text, [c.toml for c in accepted])
        final = sourcesfile.parse_appended(final_text, path, text, [c.rendered for c in accepted])
    fetched_since(lock, before, final)
    lock.keys = dict(before.keys)
    lock.set_keys({**before.keys, **assigned_keys(final, lock)})
    if not accepted:
        return []
    announced = []
    if announce:  # (an import says nothing per paper, so builds no records to say it)
        shown = {r.id: r for r in build_records(final, lock, upgrades=upgrades, missing_ok=True)}
        keys = {**lock.keys, **{e.uid: e.key for e in final.entries if e.key}}
        for entry in final.entries[len(src.entries):]:
            record = shown.get(keys.get(entry.uid, ""))
            announced.append(f"{'would add' if dry_run else 'added'} {final.path}:{entry.line}: {entry.label}"
                             + (f" as {record.id}: {record.title}" if record else ""))
            if entry.label in pending:  # its own record is in; the published version is looked for next time
                announced.append(f"{final.path}:{entry.line}: {entry.label}: {pending[entry.label]}; "
                                 "'exporter resolve' tries again")
    if dry_run:
        notify("\n".join(announced))
        show("\n".join(c.toml for c in accepted))
        return accepted
    # The sources first: if the lock cannot be written after them, build resolves what it lacks; the
    # other way round, the lock would hold records of papers the list does not have.
    write_atomic(path, ("\ufeff" if _had_bom(path) else "") + final_text)
    lock_path = lockfile.lock_path(path)
    if settings is not None or lock_path.exists():  # an import that resolved nothing makes no lock
        lockfile.save(lock_path, lock)
    for line in announced:
        notify(line)
    if outputs is not None:
        try:
            write_outputs(final, lock, outputs, upgrades, dialect, unicode, notify)
        except ExporterError as exc:
            raise ExporterError(f"{exc}; {path} and its lock are updated: run 'exporter build' "
                                "to write the outputs") from exc
    return accepted
