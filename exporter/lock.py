"""The lock file `papers.lock.json`: upstream metadata per identifier plus assigned citation keys.

Sorted keys, 2-space indent, final newline, no timestamps: unchanged metadata gives an
unchanged file, so builds from it are offline and byte-identical.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exporter.errors import LockError
from exporter.files import write_atomic

FORMAT = 1


@dataclass
class Lock:
    """Resolved metadata: `arxiv` and `acl` map ids to records, `keys` maps entry uids to keys."""

    arxiv: dict[str, dict[str, Any]] = field(default_factory=dict)
    acl: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """The file's exact text."""
        data = {"format": FORMAT, "arxiv": self.arxiv, "acl": self.acl, "keys": self.keys}
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def lock_path(sources: Path) -> Path:
    """The lock lives next to the sources: papers.toml → papers.lock.json."""
    return sources.with_name(sources.stem + ".lock.json")


def load(path: Path) -> Lock:
    """Read the lock; a missing file is an empty lock."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Lock()
    except (OSError, ValueError) as exc:
        raise LockError(f"{path}: unreadable lock file ({exc}); delete it and run 'exporter resolve'") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise LockError(f"{path}: unknown lock format; delete it and run 'exporter resolve'")
    return Lock(arxiv=data.get("arxiv", {}), acl=data.get("acl", {}), keys=data.get("keys", {}))


def save(path: Path, lock: Lock) -> bool:
    """Write the lock atomically; return whether the file changed."""
    return write_atomic(path, lock.to_json())
