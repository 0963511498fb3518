"""File I/O rules: atomic writes (a temp file, then a rename), their leftovers, and the list's writer lock."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
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


# mkstemp's names for write_atomic's temporary files: ".NAME." + 8 random characters + ".tmp".
_TEMP = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp$")


def stale_temps(folder: Path, names: Iterable[str]) -> list[Path]:
    """write_atomic's temporary files for `names` in `folder`: left behind only by a killed run."""
    wanted = set(names)
    try:
        found = sorted(folder.iterdir())
    except OSError:
        return []
    return [p for p in found if (m := _TEMP.match(p.name)) and m["name"] in wanted and p.is_file()]


def remove_stale_temps(folder: Path, names: Iterable[str]) -> None:
    """Delete what `stale_temps` finds; call it holding the list's writer lock (no other run is writing)."""
    for path in stale_temps(folder, names):
        with contextlib.suppress(OSError):
            path.unlink()


@contextlib.contextmanager
def writer_lock(sources: Path, notify: Callable[[str], None], wait: float) -> Iterator[None]:
    """Hold the list's writer lock while the body runs: an OS lock (flock) on the sources' folder.

    The folder, not a file in it: its inode survives the atomic renames of the files inside, the
    kernel releases the lock when a run is killed, and no lock file is left in the user's tree. A
    second run waits, saying so, up to `wait` seconds, then fails clearly. Where the folder does
    not exist yet there is nothing to serialise; without flock (Windows) runs are not serialised.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    try:
        fd = os.open(sources.absolute().parent, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            notify(f"{sources}: another exporter run is writing this list; waiting for it (up to {wait:g} s)")
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise ExporterError(f"{sources}: another exporter run is still writing this list after "
                                            f"{wait:g} s; let it finish, then run this again") from None
                    time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # releases the lock
