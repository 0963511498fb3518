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


def write_atomic(path: Path, text: str | bytes) -> bool:
    """Write `text` to `path` unless it already holds exactly that; return whether it changed.

    A symlink is written through (its target is replaced, the link kept); a device or
    pipe (`/dev/stdout`) is written to directly, since it cannot be renamed over.
    """
    return write_all({path: text})[path]


def write_all(texts: dict[Path, str] | dict[Path, bytes] | dict[Path, str | bytes]) -> dict[Path, bool]:
    """Write several files all or nothing; return which changed.

    Every new content goes to a temporary file beside its target first; only when all are
    written are they renamed into place, so a folder in the way or a full disk leaves every
    target as it was. (A device such as /dev/stdout is written directly, last.)
    """
    staged: list[tuple[Path, str, Path]] = []  # (path as given, temporary file, target)
    devices: list[tuple[Path, bytes]] = []
    changed = {path: False for path in texts}
    try:
        for path, text in texts.items():
            data = text.encode("utf-8") if isinstance(text, str) else text
            target = Path(os.path.realpath(path))
            try:
                info: os.stat_result | None = target.stat()
            except OSError:
                info = None
            if info is not None and stat.S_ISDIR(info.st_mode):
                raise ExporterError(f"{path}: cannot write: Is a directory")
            if info is not None and not stat.S_ISREG(info.st_mode):
                devices.append((path, data))
                continue
            if info is not None and info.st_size == len(data) and target.read_bytes() == data:
                continue
            staged.append((path, _stage(path, target, data, info), target))
        for path, tmp, target in staged:
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise ExporterError(f"{path}: cannot write: {exc.strerror}") from exc
            changed[path] = True
    finally:  # Ctrl-C included: never leave a temporary file behind
        for _, tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    for path, data in devices:
        try:
            with open(path, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise ExporterError(f"{path}: cannot write: {exc.strerror}") from exc
        changed[path] = True
    return changed


def _stage(path: Path, target: Path, data: bytes, info: os.stat_result | None) -> str:
    """A temporary file beside `target` holding `data`, with the target's permissions (or a new file's)."""
    parent = target.parent
    if parent.exists() and not parent.is_dir():
        raise ExporterError(f"{path}: cannot write: Not a directory")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
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
    except BaseException as exc:
        os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ExporterError(f"{path}: cannot write: {exc.strerror}") from exc
        raise
    return tmp


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


@contextlib.contextmanager
def writer_lock(sources: Path, notify: Callable[[str], None], wait: float) -> Iterator[None]:
    """Hold the list's writer lock while the body runs: an OS lock (flock) on the sources' folder.

    The folder, not a file in it: its inode survives the atomic renames of the files inside, the
    kernel releases the lock when a run is killed, and no lock file is left in the user's tree. A
    second run waits, saying so, up to `wait` seconds, then fails clearly. The real folder is
    locked (a symlinked sources file locks its target's folder); where it does not exist yet (a new
    list), its nearest existing ancestor is, so runs that create the same list take turns too.
    Without flock (Windows) runs are not serialised.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    folder = Path(os.path.realpath(sources)).parent
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # unreadable: no run can write the list's files there either
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
