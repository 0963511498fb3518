"""Atomic file writes: a temp file in the target folder, then a rename, so no half-written file."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from exporter.errors import ExporterError


def write_atomic(path: Path, text: str) -> bool:
    """Write `text` to `path` unless it already holds exactly that; return whether it changed.

    A symlink is written through (its target is replaced, the link kept); a device or
    pipe (`/dev/stdout`) is written to directly, since it cannot be renamed over.
    """
    data = text.encode("utf-8")
    target = Path(os.path.realpath(path))
    try:
        info: os.stat_result | None = target.stat()
    except OSError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        try:
            with open(target, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise ExporterError(f"{path}: cannot write: {exc.strerror}") from exc
        return True
    if info is not None and info.st_size == len(data) and target.read_bytes() == data:
        return False
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise ExporterError(f"{path}: cannot write: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if info is not None:
            os.chmod(tmp, stat.S_IMODE(info.st_mode))  # keep the file's permissions
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a new file gets the usual mode
        os.replace(tmp, target)
    except BaseException as exc:  # Ctrl-C included: never leave the temp file behind
        os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ExporterError(f"{path}: cannot write: {exc.strerror}") from exc
        raise
    return True
