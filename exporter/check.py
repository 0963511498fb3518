"""`exporter check`: everything that can be wrong with a list, one line per problem, no network.

The sources file against its schema, duplicates (also the same paper under two identifiers),
the lock (entries missing, records orphaned, hand edits), and outputs that are not what
`exporter build` would write from the sources and the lock (regenerated in memory).
"""

from __future__ import annotations

import re
from pathlib import Path

from exporter import lock as lockfile
from exporter.errors import ExporterError, SourceError
from exporter.files import stale_temps
from exporter.writers import WRITERS
from exporter.sources import Sources


def check_lock(src: Sources, lock: lockfile.Lock, path: Path, text: str, upgrades: bool = True) -> list[str]:
    """Entries the lock lacks, records and keys no entry uses, hand edits, a file not as exporter writes it."""
    from exporter.records import assigned_keys, unfinished_upgrade, upgrade_of
    from exporter.resolvers import missing

    problems = []
    arxiv_missing, acl_missing = missing(src.entries, lock)
    absent = {f"arxiv:{i}" for i in arxiv_missing} | {f"acl:{i}" for i in acl_missing}
    for entry in src.entries:
        for ident in (entry.arxiv, entry.acl):
            if ident and str(ident) in absent:
                problems.append(f"{src.path}:{entry.line}: {entry.label}: {ident.kind} record {ident.full!r} "
                                f"is not in the lock {path}; run 'exporter resolve'")
    for entry in src.entries if upgrades else ():
        if entry.arxiv and not entry.acl and entry.upgrade and str(entry.arxiv) not in absent \
                and entry.arxiv.full not in lock.upgrades:
            problems.append(f"{src.path}:{entry.line}: {entry.label}: its published version was never looked for "
                            f"(no decision in {path}); run 'exporter resolve'")
        elif acl_id := unfinished_upgrade(entry, lock):
            problems.append(f"{src.path}:{entry.line}: {entry.label}: its published version acl:{acl_id} is matched "
                            f"but its record is not in the lock {path}; run 'exporter resolve'")
    where = lockfile.record_lines(text)

    def at(section: str, name: str) -> str:
        """`papers.lock.json:LINE` of a value in a section of the lock (the file alone if not found)."""
        line = where.get((section, name))
        return f"{path}:{line}" if line else str(path)

    def orphan(section: str, name: str, what: str) -> None:
        problems.append(f"{at(section, name)}: {what} {name!r} is used by no entry of {src.path}; "
                        "run 'exporter resolve' to drop it")

    arxiv_used = {e.arxiv.full for e in src.entries if e.arxiv}
    acl_used = {e.acl.id for e in src.entries if e.acl} | {
        a for e in src.entries if (a := upgrade_of(e, lock))} | {
        u["acl"] for k, u in lock.upgrades.items() if u and k in arxiv_used}
    for unused in sorted(set(lock.arxiv) - arxiv_used):
        orphan("arxiv", unused, "arXiv record")
    for unused in sorted(set(lock.acl) - acl_used):
        orphan("acl", unused, "ACL Anthology record")
    for unused in sorted(set(lock.upgrades) - arxiv_used):
        orphan("upgrades", unused, "published-version decision for")
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
    for kind, name in lock.edited():
        what = {"arxiv": f"arxiv record {name!r} was edited by hand (it is not what arXiv sent)",
                "acl": f"acl record {name!r} was edited by hand (it is not what the ACL Anthology sent)",
                "upgrades": f"the published-version decision for {name!r} was edited by hand",
                "keys": f"the citation key of {name} was edited by hand"}[kind]
        fix = {"keys": f"delete that line and run 'exporter build' (pin a key with key = \"...\" in {src.path})",
               "upgrades": f"use upgrade = false in {src.path}, and run 'exporter resolve --refresh'"}.get(
            kind, f"put corrections in {src.path} and run 'exporter resolve --refresh' to fetch it again")
        problems.append(f"{at(kind, name)}: {what}; {fix}")
    if not problems and text != lock.to_json():
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


# Where each record starts in an output, to name the paper at a stale line.
_RECORD_STARTS = {"refs.bib": r"^@", "refs.ris": r"^TY  - ", "refs.json": r"^  \{", "README.md": r"^1\. "}


def _paper_at(want: str, line: int, name: str, src: Sources, lock: lockfile.Lock,
              where: dict[tuple[str, str], int]) -> str:
    """` in entry N (id), whose lock record is at line L` for the paper that holds `line` of an output."""
    from exporter.records import upgrade_of

    lines = want.splitlines()
    # A difference on a blank line between two records belongs to the record after it.
    while line <= len(lines) and not lines[line - 1].strip():
        line += 1
    start = re.compile(_RECORD_STARTS.get(name, "(?!)"))
    count = 0
    for text in lines[:line]:
        if start.match(text):
            count += 1
        elif name == "README.md" and text.startswith("#") and count == len(src.entries):
            count += 1  # a heading after the last paper: the footer, no paper's
    if not 0 < count <= len(src.entries):
        return ""
    entry = src.entries[count - 1]
    published = upgrade_of(entry, lock)
    if entry.acl or published:  # the Anthology record leads the outputs
        locked = where.get(("acl", entry.acl.id if entry.acl else published or ""))
    else:
        locked = where.get(("arxiv", entry.arxiv.full)) if entry.arxiv else None
    return f" in {entry.label}" + (f", whose lock record is at line {locked}" if locked else "")


def check_outputs(src: Sources, lock: lockfile.Lock, outputs: Path, dialect: str, unicode: bool,
                  upgrades: bool, lock_text: str = "") -> list[str]:
    """Each output file that is missing or differs from what `exporter build` would write now."""
    from exporter.records import records
    from exporter.writers import render_all

    problems = []
    where = lockfile.record_lines(lock_text)
    for name, want in render_all(records(src, lock, upgrades=upgrades), src.meta, dialect, unicode).items():
        path = outputs / name
        try:
            have = path.read_bytes().decode("utf-8")  # as written: no newline translation
        except FileNotFoundError:
            problems.append(f"{path}: missing; run 'exporter build'")
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path}: cannot read: {exc}")
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
    from exporter import sources
    from exporter.records import same_titles

    try:
        src = sources.load(sources_path)
    except SourceError as exc:
        return [str(p) for p in exc.problems]
    if not src.entries and not allow_empty:
        return [f"{src.path}: no papers ([[papers]] tables); pass --allow-empty if the list is meant to be empty"]
    path = lockfile.lock_path(sources_path)
    leftovers = [f"{p}: a temporary file left by an interrupted exporter run; 'exporter build' removes it"
                 for folder, names in ((sources_path.parent, (sources_path.name, path.name)),
                                       (outputs, [w.filename for w in WRITERS.values()]))
                 for p in stale_temps(folder, names)]
    try:
        text = path.read_bytes().decode("utf-8")  # as written: no newline translation
    except FileNotFoundError:
        text = None
    except OSError as exc:
        return [f"{path}: cannot read: {exc.strerror}"]
    except UnicodeDecodeError as exc:
        return [f"{path}: not UTF-8 (byte {exc.start}); delete it and run 'exporter resolve'"]
    try:
        lock = lockfile.load(path)
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
