"""Atomic file writes: a temp file in the target folder, then a rename, so no half-written file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from exporter.errors import ExporterError


def write_atomic(path: Path, text: str) -> bool:
    """Write `text` to `path` unless it already holds exactly that; return whether it changed."""
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass  # absent or unreadable: writing it will say what is wrong
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ExporterError(f"{path}: cannot write: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        os.unlink(tmp)
        raise ExporterError(f"{path}: cannot write: {exc.strerror}") from exc
    return True
