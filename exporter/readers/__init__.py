"""Readers for `exporter import FILE`: pure functions from a file's text to the papers found in it.

A reader never resolves anything: it reports the ids, the list's own fields and, for papers
with neither an arXiv nor an Anthology id, the full record, plus every line it did not understand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Callable

from exporter.errors import ExporterError
from exporter.ids import Identifier
from exporter.model import Name


@dataclass(frozen=True)
class Found:
    """One paper found in an imported file."""

    line: int  # 1-based line of the paper in the imported file
    arxiv: Identifier | None  # keeps a version if the link pins one
    acl: Identifier | None
    title: str = ""  # plain Unicode, as the file shows it (for duplicate detection and manual entries)
    fields: dict[str, Any] = field(default_factory=dict)  # TOML keys of the new [[papers]] table besides arxiv/acl
    list_date: str = ""  # "2023.4" if a Markdown list shows a date for the paper


@dataclass
class Imported:
    """Everything read from one file."""

    meta: dict[str, Any]  # [list] keys found (Markdown only): heading, badges, intro, section, footer
    papers: list[Found]
    skipped: list[tuple[int, str]]  # (line, reason) for every line or entry not understood


def author_value(name: Name) -> str | dict[str, str]:
    """A name as the TOML holds it: `"Given Family"` when `split_name` reads that back the same, else a table."""
    from exporter.model import split_name

    if split_name(name.display) == name:
        return name.display
    return {k: v for k, v in (("family", name.family), ("given", name.given), ("suffix", name.suffix)) if v}


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
