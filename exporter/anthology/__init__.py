"""The ACL Anthology's complete BibTeX export (`anthology.bib.gz`), cached and indexed.

The dump (about 100,000 papers) is downloaded once into the user's cache directory and then
only revalidated (ETag / If-Modified-Since); a compact index keyed by Anthology id, by
normalised title and by title word is rebuilt only when the dump changed. One module per job:
`cache` (download, revalidation), `scan` (reading the BibTeX), `index` (building, saving, loading).
"""

from __future__ import annotations

from pathlib import Path

from exporter.anthology.base import DUMP_NAME, INDEX_NAME, META_NAME, AnthologyCacheError, IndexFormatError, Paper
from exporter.anthology.cache import (ProgressFactory, _fingerprint, cache_dir, dump_url,  # noqa: F401
                                      fetch_dump)
from exporter.anthology.index import _MAGIC, Index, build_index, load_index, save_index  # noqa: F401 - _MAGIC for tests
from exporter.anthology.scan import parse_dump, parse_dump_file
from exporter.errors import OfflineError
from exporter.http import Settings
from exporter.text import decode_latex, normalise_title

__all__ = [
    "Paper", "Index", "normalise_title", "decode_latex", "parse_dump", "parse_dump_file",
    "build_index", "save_index", "load_index", "fetch_dump", "cache_dir", "open_index",
    "dump_url", "AnthologyCacheError", "IndexFormatError",
    "DUMP_NAME", "META_NAME", "INDEX_NAME",
]


def open_index(
    settings: Settings,
    cache: Path | None = None,
    progress_factory: ProgressFactory | None = None,
    *,
    offline: bool = False,
) -> Index:
    """The index of the current Anthology dump: revalidate the cached dump (download it if it
    changed), then load the index, rebuilding it only when it was built from another dump.

    With `offline`, the cached dump is used as it is (OfflineError if there is none).
    """
    directory = cache if cache is not None else cache_dir()
    dump = directory / DUMP_NAME
    if offline:
        if not dump.is_file():
            raise OfflineError(f"--offline, but the ACL Anthology dump is not cached in {directory}; "
                               "run once online")
    else:
        fetch_dump(settings, directory, progress_factory)
    source = _fingerprint(directory)
    index_path = directory / INDEX_NAME
    try:
        index = load_index(index_path)
        if index.source == source:
            return index
    except FileNotFoundError:
        pass
    except IndexFormatError:
        pass  # another format or Python version, or damaged: rebuilt below
    index = build_index(parse_dump_file(dump), source=source)
    if not len(index):
        # A gzipped error page, say: no decision may be made against it, and it must not be revalidated
        # (a 304 would keep it) but downloaded again next time.
        for name in (DUMP_NAME, META_NAME, INDEX_NAME):
            (directory / name).unlink(missing_ok=True)
        raise AnthologyCacheError(f"the ACL Anthology dump from {dump_url(settings)} holds no papers (not a BibTeX "
                                  "export?); it was discarded and is downloaded again next time")
    save_index(index, index_path)
    return index
