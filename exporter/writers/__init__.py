"""Writers: pure functions from records (plus the list's front matter) to the text of one file."""

from __future__ import annotations

from typing import Callable, NamedTuple, Sequence

from exporter.model import Record
from exporter.sources import ListMeta


class Writer(NamedTuple):
    """A format: its output file name and the function that renders it."""

    filename: str
    module: str

    def load(self) -> Callable[[Sequence[Record], ListMeta], str]:
        """The `write(records, meta) -> str` function, imported on first use."""
        from importlib import import_module

        return import_module(f"exporter.writers.{self.module}").write  # type: ignore[no-any-return]


WRITERS: dict[str, Writer] = {
    "bibtex": Writer("refs.bib", "bibtex"),
    "csljson": Writer("refs.json", "csljson"),
    "ris": Writer("refs.ris", "ris"),
    "markdown": Writer("README.md", "markdown"),
}
