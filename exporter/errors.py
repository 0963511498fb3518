"""One error hierarchy; `cli.py` turns every ExporterError into a one-line message and exit 1."""

from __future__ import annotations


class ExporterError(Exception):
    """Base class: the message is shown to the user as is, on one line."""


class SourceError(ExporterError, ValueError):
    """Bad input in the sources file, located by file, line and entry."""

    def __init__(self, path: str, line: int | None, entry: str | None, message: str, index: int | None = None) -> None:
        self.path, self.line, self.entry, self.detail = path, line, entry, message
        self.index = index  # the entry's number in the file, when the problem is one entry's
        self.problems: list[SourceError] = [self]  # each problem, when one error reports several
        where = path if line is None else f"{path}:{line}"
        if entry:
            where += f": {entry}"
        super().__init__(f"{where}: {message}")


class IdentifierError(ExporterError, ValueError):
    """Text that is no arXiv or ACL Anthology identifier, URL or DOI."""


class LockError(ExporterError):
    """The lock file is unreadable or lacks what an offline build needs."""


class ResolveError(ExporterError):
    """Some entries could not be resolved; `failures` maps each entry (as `file:line: entry N (id)`) to why."""

    def __init__(self, failures: dict[str, str], resolved: int) -> None:
        self.failures, self.resolved = failures, resolved
        kept = f"{resolved} record{'' if resolved == 1 else 's'} fetched and kept in the lock"
        if len(failures) == 1:
            ((where, reason),) = failures.items()
            super().__init__(f"{where}: not resolved: {reason} ({kept})")
            return
        # One line per entry, every entry: a service that is down says so on each of them.
        super().__init__(
            f"{len(failures)} entr{'y' if len(failures) == 1 else 'ies'} not resolved "
            f"({kept}):\n"
            + "\n".join(f"{where}: {reason}" for where, reason in failures.items())
        )


class NetworkError(ExporterError):
    """An upstream service kept failing after polite retries."""

    def __init__(self, url: str, reason: str) -> None:
        self.url, self.reason = url, reason
        super().__init__(f"{reason} ({url})")


class OfflineError(ExporterError):
    """Work needed the network while --offline was given."""
