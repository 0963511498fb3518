"""The Anthology dump's shared pieces: its files' names, its errors, and one paper of it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from exporter.errors import ExporterError
from exporter.files import write_atomic

DUMP_NAME = "anthology.bib.gz"
META_NAME = "anthology.bib.gz.json"  # validators of the cached dump: url, etag, last_modified, size, sha256
INDEX_NAME = "anthology.index"


class AnthologyCacheError(ExporterError):
    """The cache directory cannot be written, or a cached file is unusable."""


class IndexFormatError(AnthologyCacheError, ValueError):
    """An index file that is not ours, from another format version or Python, or damaged."""


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper of the Anthology dump, in plain Unicode."""

    id: str  # Anthology id, e.g. "2023.acl-long.754"
    title: str
    families: tuple[str, ...]  # author family names, in order
    year: int | None
    booktitle: str  # the proceedings title, or the journal for journal articles; "" if none


def _write_atomic(path: Path, data: bytes) -> None:
    """The cache's files are written as every file is (exporter.files); a failure says where the cache can go."""
    try:
        write_atomic(path, data)
    except ExporterError as exc:
        raise AnthologyCacheError(f"{exc}; set EXPORTER_CACHE_DIR to a writable directory") from exc
