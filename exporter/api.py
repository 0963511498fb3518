"""The Python API: a paper list without the command line. Small and stable.

    from exporter.api import load

    papers = load("sources/papers.toml")        # the sources file and its lock
    papers.resolve()                            # fetch what the lock lacks (network), then save the lock
    for record in papers.records():             # one exporter.model.Record per paper, in list order
        print(record.id, record.title)
    print(papers.render("bibtex"))              # any format of exporter.writers.WRITERS
    papers.write_outputs("outputs")             # the list's outputs, as `exporter build` writes them

Errors are exporter.errors.ExporterError (one line, naming file, line and entry), as on the
command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from exporter import lock as lockfile
from exporter.app import ResolveReport, resolve, write_outputs
from exporter.app import load as app_load
from exporter.files import writer_lock
from exporter.http import Settings
from exporter.lock import Lock
from exporter.model import Record
from exporter.records import records as build_records
from exporter.sources import Sources
from exporter.writers import WriteOptions, write

__all__ = ["PaperList", "load", "Settings"]


@dataclass
class PaperList:
    """A list: its sources file (`sources`) and its lock (`lock`, saved beside it)."""

    sources: Sources
    lock: Lock

    @property
    def lock_path(self) -> Path:
        return lockfile.lock_path(self.sources.path)

    def resolve(self, settings: Settings | None = None, *, refresh: bool = False, upgrade: bool | None = None,
                save: bool = True) -> ResolveReport:
        """Fetch what the lock lacks (everything with `refresh`) and, with `save`, write the lock (under the
        list's writer lock). Raises ResolveError naming each entry that failed; what resolved is kept."""
        report = resolve(self.sources, self.lock, settings or Settings(), refresh=refresh,
                         upgrade=self.sources.meta.upgrades(upgrade), prune=True)
        if save:
            with writer_lock(self.sources.path, lambda message: None, wait=600):
                lockfile.save(self.lock_path, self.lock)
        if error := report.error(self.sources):
            raise error
        return report

    def records(self, *, upgrade: bool | None = None) -> list[Record]:
        """One record per paper, from the lock alone (no network); OfflineError if an entry is not in it."""
        return build_records(self.sources, self.lock, upgrades=self.sources.meta.upgrades(upgrade))

    def render(self, fmt: str, options: WriteOptions | None = None) -> str:
        """The text of one format (`exporter export --format FMT`); refs.bib options default to the list's."""
        dialect, unicode = self.sources.meta.bibtex()
        return write(fmt, self.records(), self.sources.meta,
                     options or WriteOptions(bibtex_dialect=dialect, bibtex_unicode=unicode))

    def write_outputs(self, folder: str | Path) -> dict[Path, bool]:
        """Write the list's outputs (`[list] outputs`, else the four) into `folder`, all or nothing; returns
        which files changed."""
        with writer_lock(self.sources.path, lambda message: None, wait=600):
            return write_outputs(self.sources, self.lock, Path(folder), self.sources.meta.upgrades(), None, None)[1]


def load(path: str | Path = "sources/papers.toml") -> PaperList:
    """Read a list's sources file and its lock (a missing lock is an empty one)."""
    src, lock, _ = app_load(Path(path))
    return PaperList(src, lock)
