"""Readers for `exporter import FILE`: pure functions from a file's text to the papers found in it.

A reader never resolves anything: it reports the ids, the list's own fields and, for papers
with neither an arXiv nor an Anthology id, the full record, plus every line it did not understand.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Callable

from exporter.errors import ExporterError
from exporter.readers.base import Found, Imported, author_value

__all__ = ["Found", "Imported", "author_value", "READERS", "reader_for", "read"]


def _markdown(text: str) -> Imported:
    from exporter.readers.markdown import read as read_markdown

    return read_markdown(text)


def _bibtex(text: str) -> Imported:
    from exporter.readers.bibtex import read as read_bibtex

    return read_bibtex(text)


# File suffix (lower case) -> reader; the modules are imported on first use.
READERS: dict[str, Callable[[str], Imported]] = {".md": _markdown, ".markdown": _markdown, ".bib": _bibtex}


def reader_for(path_name: str) -> Callable[[str], Imported]:
    """The reader for the suffix of `path_name`; ExporterError for files no reader reads."""
    suffix = PurePath(path_name).suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        kind = f"a {suffix!r} file" if suffix else "a file without a suffix"
        raise ExporterError(
            f"{path_name}: cannot import {kind}; give a Markdown paper list (.md, .markdown) or a BibTeX file (.bib)"
        )
    return reader


def read(path_name: str, text: str) -> Imported:
    """Read `text` with the reader for the suffix of `path_name`; raise ExporterError for other files."""
    return reader_for(path_name)(text)
