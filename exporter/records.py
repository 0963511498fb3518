"""From sources plus lock to the list of records the writers render (no network here)."""

from __future__ import annotations

from dataclasses import replace

from exporter.errors import OfflineError
from exporter.lock import Lock
from exporter.model import Record, assign_keys, build_record
from exporter.sources import Entry, Sources


def _unlocked(entry: Entry, lock: Lock) -> bool:
    return bool((entry.arxiv and entry.arxiv.full not in lock.arxiv) or (entry.acl and entry.acl.id not in lock.acl))


def _matched(entry: Entry, lock: Lock) -> str | None:
    """The Anthology id matched to this entry's preprint, if one was and the entry allows it."""
    if entry.acl or not entry.arxiv or not entry.upgrade:
        return None
    match = lock.upgrades.get(entry.arxiv.full)
    return match["acl"] if match else None


def upgrade_of(entry: Entry, lock: Lock) -> str | None:
    """The Anthology id that replaces this entry's preprint, if one was matched and is allowed."""
    matched = _matched(entry, lock)
    return matched if matched in lock.acl else None


def unfinished_upgrade(entry: Entry, lock: Lock) -> str | None:
    """The Anthology id matched to this entry whose record the lock lacks (its download failed)."""
    matched = _matched(entry, lock)
    return matched if matched and matched not in lock.acl else None


def unfinished_message(entry: Entry, lock: Lock) -> str:
    """Why an entry cannot be written yet: its metadata, or its matched published version's, is missing."""
    if _unlocked(entry, lock):
        return f"{entry.label}: not in the lock"
    return f"{entry.label}: its published version acl:{unfinished_upgrade(entry, lock)} is matched but not in the lock"


def _build(entries: tuple[Entry, ...], lock: Lock, upgrades: bool = True) -> list[tuple[Entry, Record]]:
    """A keyless record for every entry whose metadata the lock holds, in list order."""
    from exporter.resolvers.upgrade import venue_label

    built = []
    for e in entries:
        if _unlocked(e, lock):
            continue
        upgraded = upgrade_of(e, lock) if upgrades else None
        acl_id = e.acl.id if e.acl else upgraded
        record = build_record(e, lock.arxiv.get(e.arxiv.full) if e.arxiv else None,
                              lock.acl.get(acl_id) if acl_id else None, key="")
        built.append((e, replace(record, venue=venue_label(upgraded)) if upgraded else record))
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
    absent = [e for e in sources.entries if _unlocked(e, lock) or upgrades and unfinished_upgrade(e, lock)]
    lines = [f"{sources.path}:{e.line}: {unfinished_message(e, lock)}; {hint}" for e in absent]
    if len(lines) > 1:
        lines.insert(0, f"{len(lines)} entries cannot be written from the lock:")
    if lines:
        raise OfflineError("\n".join(lines))


def records(sources: Sources, lock: Lock, upgrades: bool = True, missing_ok: bool = False) -> list[Record]:
    """One record per entry, in list order; every entry must be in the lock (or is left out, with `missing_ok`).

    With `upgrades`, a preprint matched to its Anthology version is written as that version.
    """
    if not missing_ok:
        require_locked(sources, lock, upgrades)
    built = _build(sources.entries, lock, upgrades)
    keys = entry_keys(_build(sources.entries, lock, upgrades=False) if upgrades else built, lock.keys)
    return [replace(record, id=keys[entry.uid]) for entry, record in built]


def same_titles(entries: tuple[Entry, ...], lock: Lock) -> list[tuple[Entry, Entry, str]]:
    """(entry, earlier entry, title) for entries whose papers have the same normalised title.

    Catches one paper listed twice under different identifiers (its arXiv id in one entry,
    its Anthology id in another; or a manual entry for a paper that is also resolved).
    """
    from exporter.anthology import normalise_title

    seen: dict[str, Entry] = {}
    found = []
    for entry, record in _build(entries, lock, upgrades=False):
        norm = normalise_title(record.title)
        if not norm:
            continue
        if norm in seen:
            found.append((entry, seen[norm], record.title))
        else:
            seen[norm] = entry
    return found


def titles(entries: tuple[Entry, ...], lock: Lock) -> dict[str, str]:
    """Each resolved entry's title, by entry uid: for messages that name a paper."""
    return {entry.uid: record.title for entry, record in _build(entries, lock, upgrades=False)}
