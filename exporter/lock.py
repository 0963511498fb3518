"""The lock file `papers.lock.json`: upstream metadata per identifier plus assigned citation keys.

Sorted keys, 2-space indent, final newline, no timestamps: unchanged metadata gives an
unchanged file, so builds from it are offline and byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exporter.errors import LockError
from exporter.files import write_atomic

FORMAT = 1


@dataclass
class Lock:
    """Resolved metadata: `arxiv` and `acl` map ids to records, `keys` maps entry uids to keys.

    `upgrades` maps arXiv ids that were checked for a published Anthology version to the
    match (`{"acl": id, "score": s}`) or to null when none was confident.
    """

    arxiv: dict[str, dict[str, Any]] = field(default_factory=dict)
    acl: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    upgrades: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    # A digest of each record as it was received, so `exporter check` sees a hand edit.
    digests: dict[str, dict[str, str]] = field(default_factory=dict)

    def _sections(self) -> dict[str, dict[str, Any]]:
        return {"arxiv": self.arxiv, "acl": self.acl, "upgrades": self.upgrades, "keys": self.keys}

    def received(self, kind: str, ids: Iterable[str]) -> None:
        """Record the digests of what exporter just wrote into a section: records fetched
        ("arxiv", "acl"), published-version decisions ("upgrades"), citation keys ("keys")."""
        values = self._sections()[kind]
        mine = self.digests.setdefault(kind, {})
        for ident in ids:
            if ident in values:
                mine[ident] = digest(values[ident])

    def set_keys(self, keys: dict[str, str]) -> None:
        """Replace the citation keys; only keys that changed get a new digest (a hand edit stays one)."""
        changed = [uid for uid, key in keys.items() if self.keys.get(uid) != key]
        self.keys = keys
        self.received("keys", changed)

    def edited(self) -> list[tuple[str, str]]:
        """(section, id) of the values that differ from what exporter wrote: hand edits."""
        return [(kind, ident) for kind, values in self._sections().items() for ident, value in values.items()
                if ident in self.digests.get(kind, {}) and self.digests[kind][ident] != digest(value)]

    def to_json(self) -> str:
        """The file's exact text. A value without a digest yet (an older lock) gets one now."""
        digests = {kind: {i: self.digests.get(kind, {}).get(i) or digest(v) for i, v in values.items()}
                   for kind, values in self._sections().items()}
        data = {"format": FORMAT, "arxiv": self.arxiv, "acl": self.acl, "keys": self.keys, "upgrades": self.upgrades,
                "digests": digests}
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def digest(record: Any) -> str:
    """16 hex digits of SHA-256 over a value's canonical JSON."""
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def lock_path(sources: Path) -> Path:
    """The lock lives next to the sources: papers.toml → papers.lock.json."""
    return sources.with_name(sources.stem + ".lock.json")


def load(path: Path) -> Lock:
    """Read the lock; a missing file is an empty lock."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Lock()
    except OSError as exc:
        raise LockError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise LockError(f"{path}:{line}: unreadable lock file (not UTF-8); delete it and run 'exporter resolve'") from None
    except json.JSONDecodeError as exc:
        raise LockError(f"{path}:{exc.lineno}: unreadable lock file ({exc.msg}); delete it and run "
                        "'exporter resolve'") from None
    if not isinstance(data, dict) or not isinstance(data.get("format"), int) or isinstance(data["format"], bool):
        raise LockError(f"{path}: not an exporter lock (no format number); delete it and run 'exporter resolve'")
    if data["format"] > FORMAT:
        raise LockError(f"{path}: lock format {data['format']} is newer than this exporter reads (format {FORMAT}); "
                        "upgrade exporter (pip install -U exporter)")
    if data["format"] != FORMAT:
        raise LockError(f"{path}: unknown lock format {data['format']}; delete it and run 'exporter resolve'")
    lock = Lock(arxiv=data.get("arxiv", {}), acl=data.get("acl", {}), keys=data.get("keys", {}),
                upgrades=data.get("upgrades", {}), digests=data.get("digests", {}))
    if damage := _damage(lock):
        section, ident, problem = damage
        where = record_lines(raw.decode("utf-8"))
        line = where.get((section, ident)) or where.get((section, ""))
        raise LockError(f"{path}{f':{line}' if line else ''}: {problem}; fix it or delete it and run 'exporter resolve'")
    return lock


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# Field checks per lock record kind: what building records relies on.
_ARXIV_FIELDS = {
    "id": lambda v: isinstance(v, str),
    "title": lambda v: isinstance(v, str),
    "authors": _is_str_list,
    "abstract": lambda v: v is None or isinstance(v, str),
    "published": lambda v: v is None or isinstance(v, str),
    "primary_category": lambda v: v is None or isinstance(v, str),
}
_ACL_FIELDS = {
    "id": lambda v: isinstance(v, str),
    "entrytype": lambda v: isinstance(v, str),
    "fields": lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
}


def record_lines(text: str) -> dict[tuple[str, str], int]:
    """Line of each value in a lock's text, by (section, id): the lock is written 2-space indented."""
    lines: dict[tuple[str, str], int] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if m := re.match(r'^  "(\w+)": ', line):
            section = m[1]
            lines[(section, "")] = number
        elif m := re.match(r'^    "((?:[^"\\]|\\.)*)": ', line):
            try:
                lines[(section, json.loads(f'"{m[1]}"'))] = number
            except ValueError:
                continue
    return lines


def _damage(lock: Lock) -> tuple[str, str, str] | None:
    """(section, id or "", what) of what is wrong with a lock read from disk: hand edits and bad merges happen."""
    for kind, records, checks in (("arxiv", lock.arxiv, _ARXIV_FIELDS), ("acl", lock.acl, _ACL_FIELDS)):
        if not isinstance(records, dict):
            return kind, "", f"'{kind}' must be an object"
        for ident, record in records.items():
            if not isinstance(record, dict):
                return kind, ident, f"{kind} record {ident!r} is not an object"
            for name, ok in checks.items():
                if not ok(record.get(name)):
                    return kind, ident, f"{kind} record {ident!r} has a damaged or missing {name!r}"
    if not isinstance(lock.digests, dict) or not all(
        isinstance(d, dict) and all(isinstance(v, str) for v in d.values()) for d in lock.digests.values()
    ):
        return "digests", "", "'digests' must map record kinds to {id: digest}"
    if not isinstance(lock.keys, dict) or not all(isinstance(k, str) for k in lock.keys.values()):
        return "keys", "", "'keys' must map entries to citation keys (strings)"
    if not isinstance(lock.upgrades, dict):
        return "upgrades", "", "'upgrades' must map arXiv ids to null or {\"acl\": id}"
    for ident, match in lock.upgrades.items():
        if not (match is None or isinstance(match, dict) and isinstance(match.get("acl"), str)):
            return "upgrades", ident, f"the published-version decision for {ident!r} must be null or {{\"acl\": id}}"
    return None


def save(path: Path, lock: Lock) -> bool:
    """Write the lock atomically; return whether the file changed."""
    return write_atomic(path, lock.to_json())
