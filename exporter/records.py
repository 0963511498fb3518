"""From sources plus lock to the list of records the writers render (no network here)."""

from __future__ import annotations

from exporter.errors import OfflineError
from exporter.lock import Lock
from exporter.model import Record, assign_keys, build_record
from exporter.sources import Entry, Sources


def entry_keys(entries: tuple[Entry, ...], lock: Lock, persist_only: bool = False) -> dict[str, str]:
    """Citation key per entry uid: pinned in the TOML, else kept from the lock, else new.

    New keys are derived from the record, so this needs the entry's metadata in the lock;
    entries without it get no key (`persist_only`) until they resolve.
    """
    taken = {e.uid: e.key for e in entries if e.key}
    pinned = {key.lower() for key in taken.values()}
    # A locked key that a pin now claims for another entry is given up and reassigned.
    taken.update({uid: key for uid, key in lock.keys.items() if uid not in taken and key.lower() not in pinned})
    candidates = []
    for entry in entries:
        arxiv = lock.arxiv.get(entry.arxiv.full) if entry.arxiv else None
        acl = lock.acl.get(entry.acl.id) if entry.acl else None
        if (entry.arxiv and arxiv is None) or (entry.acl and acl is None):
            continue
        candidates.append((entry.uid, build_record(entry, arxiv, acl, key="")))
    keys = assign_keys(candidates, taken)
    if persist_only:
        # Pinned keys live in the TOML; the lock remembers only the keys it assigned.
        pinned_uids = {e.uid for e in entries if e.key}
        keys = {uid: key for uid, key in keys.items() if uid not in pinned_uids}
    return keys


def records(sources: Sources, lock: Lock) -> list[Record]:
    """One record per entry, in list order; every entry must be in the lock."""
    absent = [
        e.label for e in sources.entries
        if (e.arxiv and e.arxiv.full not in lock.arxiv) or (e.acl and e.acl.id not in lock.acl)
    ]
    if absent:
        raise OfflineError(
            f"{len(absent)} entr{'y is' if len(absent) == 1 else 'ies are'} not in the lock "
            f"({', '.join(absent[:5])}{', ...' if len(absent) > 5 else ''}); run 'exporter resolve'"
        )
    keys = entry_keys(sources.entries, lock)
    return [
        build_record(
            e,
            lock.arxiv.get(e.arxiv.full) if e.arxiv else None,
            lock.acl.get(e.acl.id) if e.acl else None,
            keys[e.uid],
        )
        for e in sources.entries
    ]
