"""`exporter check`: everything that can be wrong with a list, one line per problem, no network.

The sources file against its schema, duplicates (also the same paper under two identifiers),
the lock (entries missing, records orphaned, hand edits), and outputs that are not what
`exporter build` would write from the sources and the lock (regenerated in memory).
"""

from __future__ import annotations

import re
from pathlib import Path

from exporter import lock as lockfile
from exporter import sources
from exporter.errors import ExporterError, SourceError
from exporter.app import leftover_temps
from exporter.ids import KINDS
from exporter.records import (assigned_keys, missing_ids, preprint_of, published_version, records, records_in_use,
                              same_titles, unfinished_upgrade)
from exporter.sources import Sources
from exporter.writers import WRITERS, formats_of, render_all


def check_lock(src: Sources, lock: lockfile.Lock, path: Path, text: str, upgrades: bool = True) -> list[str]:
    """Entries the lock lacks, records and keys no entry uses, hand edits, a file not as exporter writes it."""

    problems = []
    absent = False
    for entry in src.entries:
        for ident in missing_ids(entry, lock):
            absent = True
            problems.append(f"{src.path}:{entry.line}: {entry.label}: {ident.kind} record {ident.full!r} "
                            f"is not in the lock {path}; run 'exporter resolve'")
    for entry in src.entries if upgrades else ():
        preprint = preprint_of(entry)
        if preprint and not missing_ids(entry, lock) and entry.uid not in lock.published:
            problems.append(f"{src.path}:{entry.line}: {entry.label}: its published version was never looked for "
                            f"(no decision in {path}); run 'exporter resolve'")
        elif unfinished := unfinished_upgrade(entry, lock, src.meta.finders):
            problems.append(f"{src.path}:{entry.line}: {entry.label}: its published version {unfinished} is matched "
                            f"but its record is not in the lock {path}; run 'exporter resolve'")
    where = lockfile.record_lines(text)

    def at(section: str, name: str) -> str:
        """`papers.lock.json:LINE` of a value in a section of the lock (the file alone if not found)."""
        line = where.get((section, name))
        return f"{path}:{line}" if line else str(path)

    def orphan(section: str, name: str, what: str) -> None:
        problems.append(f"{at(section, name)}: {what} {name!r} is used by no entry of {src.path}; "
                        "run 'exporter resolve' to drop it")

    used = records_in_use(src.entries, lock)
    for kind, values in sorted(lock.records.items()):
        label = KINDS[kind].label if kind in KINDS else kind
        for unused in sorted(set(values) - used.get(kind, set())):
            orphan(kind, unused, f"{label} record")
    for unused in sorted(set(lock.published) - {e.uid for e in src.entries}):
        orphan("published", unused, "published-version decision of")
    uids = {e.uid for e in src.entries}
    for uid in sorted(set(lock.keys) - uids):
        orphan("keys", uid, "citation key of")
    if not absent:
        expected = assigned_keys(src, lock)
        for entry in src.entries:
            uid = entry.uid
            if uid in expected and lock.keys.get(uid) != expected[uid]:
                have = f"citation key {lock.keys[uid]!r} is not" if uid in lock.keys else "no citation key, not"
                problems.append(f"{at('keys', uid)}: {entry.label}: {have} the one exporter "
                                f"assigns ({expected[uid]!r}); run 'exporter build'")
    for section, name in lock.edited():
        if section == "published":
            what = f"the published-version decision of {name} was edited by hand"
        elif section == "keys":
            what = f"the citation key of {name} was edited by hand"
        else:
            what = (f"{section} record {name!r} was edited by hand (it is not what "
                    f"{KINDS[section].label if section in KINDS else 'upstream'} sent)")
        fix = {"keys": f"delete that line and run 'exporter build' (pin a key with key = \"...\" in {src.path})",
               "published": f"use upgrade = false in {src.path}, and run 'exporter resolve --refresh'"}.get(
            section, f"put corrections in {src.path} and run 'exporter resolve --refresh' to fetch it again")
        problems.append(f"{at(section, name)}: {what}; {fix}")
    if not problems and lock.migrated_from:
        problems.append(f"{path}: lock format {lock.migrated_from}, which this exporter reads and migrates; run "
                        f"'exporter build' to write it in format {lockfile.FORMAT}")
    if not problems and not lock.migrated_from and text != lock.to_json():
        first = _first_difference(text, lock.to_json())
        problems.append(f"{path}:{first}: not as exporter writes it (edited by hand?); "
                        "run 'exporter resolve' to rewrite it")
    return problems


def _first_difference(have: str, want: str) -> int:
    """1-based number of the first line where two texts differ."""
    # Split at \n only: a line that gained a \r (CRLF) differs too.
    have_lines, want_lines = have.split("\n"), want.split("\n")
    for number, (a, b) in enumerate(zip(have_lines, want_lines), start=1):
        if a != b:
            return number
    return min(len(have_lines), len(want_lines))




def _paper_at(want: str, line: int, name: str, src: Sources, lock: lockfile.Lock,
              where: dict[tuple[str, str], int]) -> str:
    """` in entry N (id), whose lock record is at line L` for the paper that holds `line` of an output."""

    lines = want.splitlines()
    # A difference on a blank line between two records belongs to the record after it.
    while line <= len(lines) and not lines[line - 1].strip():
        line += 1
    # Where each record starts in this output (the writer table says), to name the paper at a stale line.
    start = re.compile(next((w.record_start for w in WRITERS.values() if w.filename == name), "(?!)"))
    count = 0
    for text in lines[:line]:
        if start.match(text):
            count += 1
        elif name == "README.md" and text.startswith("#") and count == len(src.entries):
            count += 1  # a heading after the last paper: the footer, no paper's
    if not 0 < count <= len(src.entries):
        return ""
    entry = src.entries[count - 1]
    # The record that leads the outputs: a published venue's (the entry's own, or its matched version's).
    idents = sorted(entry.ids.values(), key=lambda i: not KINDS[i.kind].published)
    if (published := published_version(entry, lock, src.meta.finders)) and not (idents and KINDS[idents[0].kind].published):
        idents.insert(0, published)
    locked = where.get((idents[0].kind, idents[0].full)) if idents else None
    return f" in {entry.label}" + (f", whose lock record is at line {locked}" if locked else "")


def check_outputs(src: Sources, lock: lockfile.Lock, outputs: Path, dialect: str, unicode: bool,
                  upgrades: bool, lock_text: str = "") -> list[str]:
    """Each output file that is missing or differs from what `exporter build` would write now."""

    problems = []
    where = lockfile.record_lines(lock_text)
    try:
        formats = formats_of(src)
    except SourceError as exc:
        return [str(exc)]
    for name, want in render_all(records(src, lock, upgrades=upgrades), src.meta, dialect, unicode,
                                 formats=formats).items():
        path = outputs / name
        try:
            have = path.read_bytes().decode("utf-8")  # as written: no newline translation
        except FileNotFoundError:
            problems.append(f"{path}: missing; run 'exporter build'")
            continue
        except UnicodeDecodeError as exc:
            line = path.read_bytes().count(b"\n", 0, exc.start) + 1
            problems.append(f"{path}:{line}: not UTF-8; run 'exporter build'")
            continue
        except OSError as exc:
            problems.append(f"{path}: cannot read: {exc.strerror or exc}")
            continue
        if have != want:
            line = _first_difference(have, want)
            problems.append(f"{path}:{line}: stale{_paper_at(want, line, name, src, lock, where)}: not what "
                            f"'exporter build' writes from {src.path} and its lock; run 'exporter build'")
    return problems


def run(sources_path: Path, outputs: Path, dialect: str | None = None, unicode: bool | None = None,
        upgrades: bool | None = None, allow_empty: bool = False) -> list[str]:
    """Every problem found, one line each; empty when the list is in order.

    Options left None are the list's own ([list] bibtex_dialect, bibtex_unicode, upgrade).
    """

    try:
        src = sources.load(sources_path)
    except SourceError as exc:
        return [str(p) for p in exc.problems]
    if not src.entries and not allow_empty:
        return [f"{src.path}: no papers ([[papers]] tables); pass --allow-empty if the list is meant to be empty"]
    path = lockfile.lock_path(sources_path)
    leftovers = [f"{p}: a temporary file left by an interrupted exporter run; 'exporter build' removes it"
                 for p in leftover_temps(sources_path, outputs)]
    try:
        lock, text = lockfile.load_text(path)  # names the line of an unreadable or damaged lock
    except ExporterError as exc:
        return [str(exc)]
    upgrades = src.meta.upgrades(upgrades)
    problems = [f"{src.path}:{e.line}: {e.label}: the same paper as entry {first.index} (line {first.line}), "
                f"titled {title!r}" for e, first, title in same_titles(src.entries, lock)]
    if text is None:
        if any(not e.manual for e in src.entries):
            problems.append(f"{path}: missing; run 'exporter resolve'")
        lock_problems: list[str] = []
    else:
        lock_problems = check_lock(src, lock, path, text, upgrades)
    problems += lock_problems + leftovers
    if not lock_problems and (text is not None or all(e.manual for e in src.entries)):
        try:
            problems += check_outputs(src, lock, outputs, *src.meta.bibtex(dialect, unicode), upgrades, text or "")
        except ExporterError as exc:  # a template error, say
            problems.append(str(exc))
    return problems
