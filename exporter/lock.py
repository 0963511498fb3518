"""The lock file `papers.lock.json`: upstream records by kind and id, published-version decisions by entry,
citation keys, and a digest of each value as exporter wrote it.

Format 2 (documented in the README):

    {"format": 2,
     "records": {KIND: {ID: record as its resolver received it}},
     "published": {ENTRY UID: {"checked": [FINDER, ...],
                               "match": null | {"finder", "kind", "id", "score", "evidence"}}},
     "keys": {ENTRY UID: KEY},
     "digests": {"records": {KIND: {ID: d}}, "published": {UID: d}, "keys": {UID: d}}}

Sorted keys, 2-space indent, final newline, no timestamps: unchanged metadata gives an
unchanged file, so builds from it are offline and byte-identical. A format-1 lock (sections
`arxiv`, `acl`, `upgrades`) is migrated when read, with no network and no change in any output.
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
from exporter.model import CONVERTERS

FORMAT = 2
# The finder that made every format-1 decision: the ACL Anthology's.
_FORMAT1_FINDER = "acl"


@dataclass
class Lock:
    """Resolved metadata (`records`: kind -> id -> record), published-version decisions (`published`:
    entry uid -> {"checked": finders that looked, "match": the first match or None}), citation keys
    (`keys`: entry uid -> key) and digests of what exporter wrote (`digests`), to see hand edits."""

    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    published: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    digests: dict[str, dict[str, str]] = field(default_factory=dict)  # section -> id -> digest
    migrated_from: int | None = None  # the format it was read in, when older

    def of(self, kind: str) -> dict[str, dict[str, Any]]:
        """The records of one kind of identifier, by id (an empty section is made on demand)."""
        return self.records.setdefault(kind, {})

    @property
    def arxiv(self) -> dict[str, dict[str, Any]]:
        """The arXiv records, by id as requested (versions included)."""
        return self.of("arxiv")

    @property
    def acl(self) -> dict[str, dict[str, Any]]:
        """The ACL Anthology records, by id."""
        return self.of("acl")

    def sections(self) -> dict[str, dict[str, Any]]:
        """Every digested section by name: each record kind by its name, then "published" and "keys"."""
        return {**{kind: values for kind, values in sorted(self.records.items())},
                "published": self.published, "keys": self.keys}

    def received(self, section: str, ids: Iterable[str]) -> None:
        """Record the digests of what exporter just wrote into a section: records fetched (a kind's
        name), published-version decisions ("published"), citation keys ("keys")."""
        values = self.sections().get(section, {})
        mine = self.digests.setdefault(section, {})
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
        return [(section, ident) for section, values in self.sections().items() for ident, value in values.items()
                if ident in self.digests.get(section, {}) and self.digests[section][ident] != digest(value)]

    def to_json(self) -> str:
        """The file's exact text. A value without a digest yet gets one now."""
        digests = {section: {i: self.digests.get(section, {}).get(i) or digest(v) for i, v in values.items()}
                   for section, values in self.sections().items()}
        records = {kind: values for kind, values in self.records.items() if values}
        data = {"format": FORMAT, "records": records, "published": self.published, "keys": self.keys,
                "digests": {"records": {k: digests[k] for k in records}, "published": digests["published"],
                            "keys": digests["keys"]}}
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def digest(record: Any) -> str:
    """16 hex digits of SHA-256 over a value's canonical JSON."""
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def lock_path(sources: Path) -> Path:
    """The lock lives next to the sources: papers.toml → papers.lock.json."""
    return sources.with_name(sources.stem + ".lock.json")


def load(path: Path) -> Lock:
    """Read the lock (migrating an older format); a missing file is an empty lock."""
    return load_text(path)[0]


def load_text(path: Path) -> tuple[Lock, str | None]:
    """The lock and the file's text as written (no newline translation; None when there is no file)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Lock(), None
    except OSError as exc:
        raise LockError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
        data = json.loads(text)
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
    if data["format"] not in MIGRATIONS and data["format"] != FORMAT:
        raise LockError(f"{path}: unknown lock format {data['format']}; delete it and run 'exporter resolve'")
    damage = _damage_1(data) if data["format"] == 1 else _damage(data)
    if damage:
        section, ident, problem = damage
        where = record_lines(text)
        line = where.get((section, ident)) or where.get((section, ""))
        raise LockError(f"{path}{f':{line}' if line else ''}: {problem}; fix it or delete it and run 'exporter resolve'")
    migrated_from = None
    while data["format"] != FORMAT:
        migrated_from = migrated_from or data["format"]
        data = MIGRATIONS[data["format"]](data)
    digests = data.get("digests", {})
    flat = {**digests.get("records", {}), "published": digests.get("published", {}), "keys": digests.get("keys", {})}
    return Lock(records=data.get("records", {}), published=data.get("published", {}), keys=data.get("keys", {}),
                digests=flat, migrated_from=migrated_from), text


def _migrate_1(data: dict[str, Any]) -> dict[str, Any]:
    """Format 1 → 2: `arxiv` and `acl` sections become `records`; `upgrades` (arXiv id → {"acl": id, "score"}
    or null) become decisions of the Anthology finder keyed by entry (`arxiv:ID`). A decision edited by
    hand (its digest does not match) keeps a digest that does not match, so `check` still names it."""
    old = data.get("digests", {})
    published: dict[str, Any] = {}
    published_digests: dict[str, str] = {}
    for arxiv_id, upgrade in data.get("upgrades", {}).items():
        uid = f"arxiv:{arxiv_id}"
        match = None if upgrade is None else {"finder": _FORMAT1_FINDER, "kind": "acl", "id": upgrade["acl"],
                                              **({"score": upgrade["score"]} if "score" in upgrade else {})}
        published[uid] = {"checked": [_FORMAT1_FINDER], "match": match}
        was = old.get("upgrades", {}).get(arxiv_id)
        if was is not None:
            published_digests[uid] = digest(published[uid]) if was == digest(upgrade) else was
    records = {kind: data[kind] for kind in ("arxiv", "acl") if data.get(kind)}
    return {"format": 2, "records": records, "published": published, "keys": data.get("keys", {}),
            "digests": {"records": {k: old[k] for k in records if k in old}, "published": published_digests,
                        "keys": old.get("keys", {})}}


MIGRATIONS = {1: _migrate_1}  # format -> the function that lifts it one format up


def record_lines(text: str) -> dict[tuple[str, str], int]:
    """Line of each value in a lock's text, by (section, id), sections named as `Lock.sections` names them
    (a record kind, "published", "keys"); (section, "") is the section's own line. The lock is written
    2-space indented; format-1 locks (`arxiv`, `acl`, `upgrades` at the top) are read too."""
    lines: dict[tuple[str, str], int] = {}
    path: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        m = re.match(r'^( +)"((?:[^"\\]|\\.)*)": ', line)
        if not m:
            continue
        depth = len(m[1]) // 2
        try:
            name = json.loads(f'"{m[2]}"')
        except ValueError:
            continue
        path[depth - 1:] = [name]
        if len(path) != depth:
            continue
        if path[0] == "records" and depth == 2:
            lines[(name, "")] = number
        elif path[0] == "records" and depth == 3:
            lines[(path[1], name)] = number
        elif path[0] != "digests" and depth == 1:
            lines[(name, "")] = number
        elif path[0] != "digests" and depth == 2:
            lines[(path[0], name)] = number
    return lines


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _records_damage(kind: str, records: Any) -> tuple[str, str, str] | None:
    if not isinstance(records, dict):
        return kind, "", f"'{kind}' records must be an object"
    checks = CONVERTERS[kind].fields if kind in CONVERTERS else {}
    for ident, record in records.items():
        if not isinstance(record, dict):
            return kind, ident, f"{kind} record {ident!r} is not an object"
        for name, ok in checks.items():
            if not ok(record.get(name)):
                return kind, ident, f"{kind} record {ident!r} has a damaged or missing {name!r}"
    return None


def _keys_damage(keys: Any) -> tuple[str, str, str] | None:
    if not isinstance(keys, dict) or not all(isinstance(k, str) for k in keys.values()):
        return "keys", "", "'keys' must map entries to citation keys (strings)"
    return None


def _digests_damage(digests: Any, nested: bool) -> tuple[str, str, str] | None:
    def flat(d: Any) -> bool:
        return isinstance(d, dict) and all(isinstance(v, str) for v in d.values())

    ok = isinstance(digests, dict) and all(
        (isinstance(d, dict) and all(flat(x) for x in d.values())) if nested and name == "records" else flat(d)
        for name, d in digests.items())
    return None if ok else ("digests", "", "'digests' must map sections to {id: digest}")


def _damage(data: dict[str, Any]) -> tuple[str, str, str] | None:
    """(section, id or "", what) of what is wrong with a format-2 lock read from disk: hand edits and bad
    merges happen."""
    records = data.get("records", {})
    if not isinstance(records, dict):
        return "records", "", "'records' must map kinds of identifier to records"
    for kind, values in records.items():
        if problem := _records_damage(kind, values):
            return problem
    published = data.get("published", {})
    if not isinstance(published, dict):
        return "published", "", "'published' must map entries to decisions"
    for uid, decision in published.items():
        match = decision.get("match") if isinstance(decision, dict) else None
        if not (isinstance(decision, dict) and _is_str_list(decision.get("checked"))
                and (match is None or isinstance(match, dict) and all(
                    isinstance(match.get(k), str) for k in ("finder", "kind", "id")))):
            return "published", uid, (f"the published-version decision of {uid!r} must be {{\"checked\": [finders], "
                                      "\"match\": null or {\"finder\", \"kind\", \"id\"}}")
    return _keys_damage(data.get("keys", {})) or _digests_damage(data.get("digests", {}), nested=True)


def _damage_1(data: dict[str, Any]) -> tuple[str, str, str] | None:
    """What is wrong with a format-1 lock (before it is migrated)."""
    for kind in ("arxiv", "acl"):
        if problem := _records_damage(kind, data.get(kind, {})):
            return problem
    upgrades = data.get("upgrades", {})
    if not isinstance(upgrades, dict):
        return "upgrades", "", "'upgrades' must map arXiv ids to null or {\"acl\": id}"
    for ident, match in upgrades.items():
        if not (match is None or isinstance(match, dict) and isinstance(match.get("acl"), str)):
            return "upgrades", ident, f"the published-version decision for {ident!r} must be null or {{\"acl\": id}}"
    return _keys_damage(data.get("keys", {})) or _digests_damage(data.get("digests", {}), nested=False)


def save(path: Path, lock: Lock) -> bool:
    """Write the lock atomically; return whether the file changed."""
    return write_atomic(path, lock.to_json())
