"""From sources plus lock to the list of records the writers render (no network here).

The one home of the rules that join an entry to the lock: which records it needs, which
preprints may be replaced by their published version and by which, and citation keys.
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache
from typing import Any, Mapping

from exporter.errors import OfflineError
from exporter.ids import KINDS, Identifier, differ
from exporter.lock import Lock
from exporter.model import CONVERTERS, Record, Work, apply_overrides, assign_keys, same_work, work_of
from exporter.sources import Entry, Sources, manual_type
from exporter.text import normalise_title, strip_controls_in
from exporter.venues import label as venue_label


def missing_ids(entry: Entry, lock: Lock) -> list[Identifier]:
    """The entry's own ids whose records the lock lacks."""
    return [i for i in entry.ids.values() if i.full not in lock.of(i.kind)]


def records_in_use(entries: tuple[Entry, ...], lock: Lock) -> dict[str, set[str]]:
    """The lock records the entries use, by kind: their own ids' and their matched published versions'."""
    used: dict[str, set[str]] = {}
    for entry in entries:
        for ident in entry.ids.values():
            used.setdefault(ident.kind, set()).add(ident.full)
        if match := (lock.published.get(entry.uid) or {}).get("match"):
            used.setdefault(match["kind"], set()).add(match["id"])
    return used


def preprint_of(entry: Entry) -> Identifier | None:
    """The preprint whose published version may replace this entry's record: its arXiv id, when the entry
    names no published venue's id itself and allows it (`upgrade = true`, the default)."""
    if not entry.upgrade or any(KINDS[k].published for k in entry.ids):
        return None
    return entry.ids.get("arxiv")


def _match(entry: Entry, lock: Lock, finders: tuple[str, ...] | None) -> Identifier | None:
    """The published version a finder matched to this entry's preprint (one of `finders`, if given)."""
    if preprint_of(entry) is None:
        return None
    match = (lock.published.get(entry.uid) or {}).get("match")
    if not match or finders is not None and match["finder"] not in finders:
        return None
    return Identifier(match["kind"], match["id"])


def published_version(entry: Entry, lock: Lock, finders: tuple[str, ...] | None) -> Identifier | None:
    """The published version that replaces this entry's preprint: matched, allowed, and in the lock."""
    match = _match(entry, lock, finders)
    return match if match and match.id in lock.of(match.kind) else None


def unfinished_upgrade(entry: Entry, lock: Lock, finders: tuple[str, ...] | None) -> Identifier | None:
    """The published version matched to this entry whose record the lock lacks (its download failed)."""
    match = _match(entry, lock, finders)
    return match if match and match.id not in lock.of(match.kind) else None


def unfinished_message(entry: Entry, lock: Lock, finders: tuple[str, ...] | None) -> str:
    """Why an entry cannot be written yet: its metadata, or its matched published version's, is missing."""
    if missing_ids(entry, lock):
        return f"{entry.label}: not in the lock"
    return (f"{entry.label}: its published version {unfinished_upgrade(entry, lock, finders)} is matched but not "
            "in the lock")


def build_record(entry: Entry, found: Mapping[str, Mapping[str, Any]], key: str) -> Record:
    """Merge what the lock holds for one entry (`found`: lock records by kind, the entry's own ids in
    registry order, then its published version's): a published venue's record leads, arXiv stays as eprint."""
    return _build_record(entry, _canonical(found), key)


def _canonical(found: Mapping[str, Mapping[str, Any]]) -> tuple[tuple[str, str], ...]:
    """(kind, lock record as canonical JSON) pairs, in `found`'s order."""
    return tuple((kind, json.dumps(data, sort_keys=True)) for kind, data in found.items())


def _build_record(entry: Entry, found: tuple[tuple[str, str], ...], key: str) -> Record:
    converted = {kind: _converted(kind, data) for kind, data in found}
    lead = next((r for kind, r in converted.items() if KINDS[kind].published), None)
    preprint = converted.get("arxiv")
    if lead is not None:
        record = lead
        if preprint:
            # A venue record without an abstract (DBLP has none) keeps the preprint's.
            record = replace(record, arxiv=preprint.arxiv, arxiv_class=preprint.arxiv_class,
                             arxiv_issued=preprint.arxiv_issued, abstract=record.abstract or preprint.abstract)
    elif converted:
        record = next(iter(converted.values()))
    else:  # a manual entry: everything comes from the TOML
        record = Record(id="", type=manual_type(entry.overrides), title="", author=(), issued=())
    record = apply_overrides(record, entry.overrides)
    first = record.arxiv_issued or record.issued
    list_date = entry.date if entry.date is not None else (f"{first[0]}.{first[1]}" if len(first) > 1 else "")
    # The list links the entry's venue page if it names one, else its preprint.
    shown = sorted(entry.ids.values(), key=lambda i: not KINDS[i.kind].published)
    if shown:
        link = KINDS[shown[0].kind].link.format(shown[0].id)
    else:
        link = record.URL or (f"https://doi.org/{record.DOI}" if record.DOI else "")
    return replace(record, id=key, link=link, list_date=list_date, section=entry.section, tags=entry.tags,
                   note=entry.note, code=entry.code)


@lru_cache(maxsize=1 << 16)
def _converted(kind: str, data: str) -> Record:
    """A lock record (as canonical JSON) as a Record, converted once per run: build, check and the keys all
    build every entry's record, and decoding LaTeX costs far more than this cache's key."""
    # Upstream text may carry control characters: gone before names are split and white space collapsed.
    return CONVERTERS[kind].to_record(strip_controls_in(json.loads(data)))


def _built(entry: Entry, found: Mapping[str, Mapping[str, Any]]) -> Record:
    """`build_record(entry, found, key="")`, once per entry and lock data: a run builds every entry's record
    several times (the keys, the outputs, check's titles), and the TOML overrides cost as much as the lock's.

    Kept on the entry (frozen, as parsed; a changed entry is a new one), by the lock records as canonical JSON."""
    data = _canonical(found)
    cache: dict[tuple[tuple[str, str], ...], Record] | None = entry.__dict__.get("_records")
    if cache is None:
        cache = {}
        object.__setattr__(entry, "_records", cache)
    record = cache.get(data)
    if record is None:
        record = cache[data] = _build_record(entry, data, key="")
    return record


def _found(entry: Entry, lock: Lock, upgrade: Identifier | None) -> dict[str, Any]:
    found = {i.kind: lock.of(i.kind)[i.full] for i in entry.ids.values()}
    if upgrade is not None:
        found[upgrade.kind] = lock.of(upgrade.kind)[upgrade.id]
    return found


def _build(entries: tuple[Entry, ...], lock: Lock, upgrades: bool = True,
           finders: tuple[str, ...] | None = None) -> list[tuple[Entry, Record]]:
    """A keyless record for every entry whose metadata the lock holds, in list order."""
    built = []
    for e in entries:
        if missing_ids(e, lock):
            continue
        upgraded = published_version(e, lock, finders) if upgrades else None
        record = _built(e, _found(e, lock, upgraded))
        if upgraded is not None:
            record = replace(record, venue=venue_label(upgraded, record.year))  # the short venue the list shows: `ACL 2023`
        built.append((e, record))
    return built


def entry_keys(built: list[tuple[Entry, Record]], locked: dict[str, str]) -> dict[str, str]:
    """Citation key per entry uid: pinned in the TOML, else kept from the lock, else new.

    Keys compare case-insensitively. A locked key that a pin or an earlier entry already
    holds (a hand edit, or two branches merged) is given up and assigned afresh.
    """
    taken = {e.uid: e.key for e, _ in built if e.key}
    used = {key.lower() for key in taken.values()}
    for entry, _ in built:
        key = locked.get(entry.uid)
        if entry.uid not in taken and key and key.lower() not in used:
            taken[entry.uid] = key
            used.add(key.lower())
    return assign_keys([(e.uid, r) for e, r in built], taken)


def assigned_keys(sources: Sources, lock: Lock) -> dict[str, str]:
    """The keys the lock should remember: every resolved entry's, except keys pinned in the TOML.

    Keys derive from the records as named in the TOML, before any published-version
    upgrade, so a fresh resolve and an incremental one give the same keys.
    """
    keys = entry_keys(_build(sources.entries, lock, upgrades=False), lock.keys)
    pinned = {e.uid for e in sources.entries if e.key}
    return {uid: key for uid, key in keys.items() if uid not in pinned}


def require_locked(sources: Sources, lock: Lock, upgrades: bool, hint: str = "run 'exporter resolve'") -> None:
    """OfflineError naming, one line each, every entry the lock cannot write yet (with `upgrades`, also
    those whose matched published version's record is missing)."""
    finders = sources.meta.finders
    absent = [e for e in sources.entries if missing_ids(e, lock) or upgrades and unfinished_upgrade(e, lock, finders)]
    lines = [f"{sources.path}:{e.line}: {unfinished_message(e, lock, finders)}; {hint}" for e in absent]
    if len(lines) > 1:
        lines.insert(0, f"{len(lines)} entries cannot be written from the lock:")
    if lines:
        raise OfflineError("\n".join(lines))


def records(sources: Sources, lock: Lock, upgrades: bool = True, missing_ok: bool = False) -> list[Record]:
    """One record per entry, in list order; every entry must be in the lock (or is left out, with `missing_ok`).

    With `upgrades`, a preprint matched to its published version is written as that version.
    """
    if not missing_ok:
        require_locked(sources, lock, upgrades)
    built = _build(sources.entries, lock, upgrades, sources.meta.finders)
    keys = entry_keys(_build(sources.entries, lock, upgrades=False) if upgrades else built, lock.keys)
    return [replace(record, id=keys[entry.uid]) for entry, record in built]


def same_titles(entries: tuple[Entry, ...], lock: Lock) -> list[tuple[Entry, Entry, str]]:
    """(entry, earlier entry, title) for entries whose papers have the same normalised title and are one
    work (`same_work`: not Bellman's 1957 book and his 1966 article of the same title).

    Catches one paper listed twice under different identifiers (its arXiv id in one entry,
    its Anthology id in another; or a manual entry for a paper that is also resolved).
    """

    seen: dict[str, list[tuple[Entry, Work]]] = {}
    found = []
    for entry, record in _build(entries, lock, upgrades=False):
        norm = normalise_title(record.title)
        if not norm:
            continue
        work = work_of(record)
        first = next((e for e, w in seen.get(norm, ()) if same_work(work, w) and not differ(entry.ids.values(),
                                                                                             e.ids.values())), None)
        if first is not None:
            found.append((entry, first, record.title))
        else:
            seen.setdefault(norm, []).append((entry, work))
    return found


def works(entries: tuple[Entry, ...], lock: Lock) -> dict[str, tuple[str, Work]]:
    """Each resolved entry's title and `work_of` its record, by entry uid: for the duplicate rules."""
    return {entry.uid: (record.title, work_of(record)) for entry, record in _build(entries, lock, upgrades=False)}


def titles(entries: tuple[Entry, ...], lock: Lock) -> dict[str, str]:
    """Each resolved entry's title, by entry uid: for messages that name a paper."""
    return {entry.uid: record.title for entry, record in _build(entries, lock, upgrades=False)}
