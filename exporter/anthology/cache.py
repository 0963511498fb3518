"""The dump in the user's cache: downloaded once, then revalidated (ETag / If-Modified-Since), checked whole."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, cast

import requests

from exporter.anthology.base import DUMP_NAME, META_NAME, AnthologyCacheError, _write_atomic
from exporter.errors import NetworkError
from exporter.http import PermanentError, Settings, TimeoutSession, TransientError, classify_status, with_retries

# --- the cache and the download ------------------------------------------------------------


class Progress(Protocol):
    """What a progress bar must do: tqdm's `update` and `close`."""

    def update(self, n: int) -> object: ...

    def close(self) -> None: ...


# Called with the download's size in bytes (0 when the server does not say); returns a bar.
ProgressFactory = Callable[[int], Any]


def _download_bar(total: int) -> Progress:
    """A tqdm bar in bytes on stderr, shown on a terminal only (disable=None)."""
    from tqdm import tqdm

    return cast(Progress, tqdm(total=total or None, unit="B", unit_scale=True, unit_divisor=1024,
                               desc="ACL Anthology dump", file=sys.stderr, leave=False, disable=None))


def cache_dir() -> Path:
    """The user's cache directory for exporter (platformdirs), or `$EXPORTER_CACHE_DIR`."""
    override = os.environ.get("EXPORTER_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("exporter", appauthor=False))


def dump_url(settings: Settings) -> str:
    """Where the Anthology's complete BibTeX export lives under the configured ACL base URL."""
    return f"{settings.acl_url.rstrip('/')}/{DUMP_NAME}"


def _read_meta(directory: Path) -> dict[str, Any]:
    try:
        meta = json.loads((directory / META_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _validators(directory: Path, url: str) -> dict[str, str]:
    """Conditional-request headers for the cached dump, when it is complete and from `url`."""
    meta = _read_meta(directory)
    try:
        size = (directory / DUMP_NAME).stat().st_size
    except OSError:
        return {}
    if meta.get("url") != url or meta.get("size") != size:
        return {}
    headers = {}
    if isinstance(meta.get("etag"), str):
        headers["If-None-Match"] = meta["etag"]
    if isinstance(meta.get("last_modified"), str):
        headers["If-Modified-Since"] = meta["last_modified"]
    return headers


def _download(response: Any, directory: Path, progress: Any) -> dict[str, Any]:
    """Stream the body into a temporary file beside the dump, checking it is one whole gzip
    stream; returns the new metadata (with the temporary file's name under "tmp")."""
    import urllib3

    expected = response.headers.get("Content-Length")
    digest = hashlib.sha256()
    size = 0
    inflater = zlib.decompressobj(wbits=31)  # gzip, checked as it arrives: a cut-off file never lands
    # decode_content=False: keep the bytes as sent, even if a server labels the .gz with
    # Content-Encoding: gzip.
    stream = response.raw.stream(1 << 16, decode_content=False)
    directory.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=directory, prefix=f".{DUMP_NAME}.", suffix=".tmp", delete=False)
    try:
        with handle:
            while True:
                try:
                    chunk = next(stream, None)
                except (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError) as exc:
                    raise TransientError(f"download interrupted after {size} bytes ({exc.__class__.__name__})") from exc
                if chunk is None:
                    break
                handle.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                progress.update(len(chunk))
                try:
                    while chunk:
                        if inflater.eof:  # a multi-member gzip file: the next member
                            inflater = zlib.decompressobj(wbits=31)
                        inflater.decompress(chunk)  # output dropped: only validity matters
                        chunk = inflater.unused_data
                except zlib.error as exc:
                    raise PermanentError(f"the answer is not a gzip file ({exc})") from exc
        if size == 0:
            raise TransientError("ACL Anthology returned an empty page")
        if expected is not None and expected.isdigit() and int(expected) != size:
            raise TransientError(f"download incomplete ({size} of {expected} bytes)")
        if not inflater.eof:
            raise TransientError(f"download incomplete (the gzip stream stops after {size} bytes)")
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return {
        "tmp": handle.name,
        "etag": response.headers.get("ETag"),
        "last_modified": response.headers.get("Last-Modified"),
        "size": size,
        "sha256": digest.hexdigest(),
    }


def fetch_dump(settings: Settings, cache_dir: Path, progress_factory: ProgressFactory | None = None) -> Path:
    """Download `{acl_url}/anthology.bib.gz` into `cache_dir` unless the cached copy is current.

    The cached copy's ETag and Last-Modified go out as If-None-Match / If-Modified-Since; a 304
    keeps it. A new dump is checked (whole gzip stream, Content-Length) and then renamed into
    place. Retried like every request; NetworkError when that fails.
    """
    url = dump_url(settings)
    directory = cache_dir
    dump = directory / DUMP_NAME
    _remove_old_temps(directory)
    headers = _validators(directory, url)
    factory = progress_factory or _download_bar
    session = TimeoutSession(settings.timeout)

    def get() -> dict[str, Any] | None:
        with session.get(url, headers=headers, stream=True) as response:
            if response.status_code == 304 and headers:
                return None
            if response.status_code == 404:
                raise PermanentError("not found (HTTP 404); check the ACL Anthology URL (--acl-url)")
            if response.status_code != 200:
                raise classify_status(response.status_code, "ACL Anthology", response.headers)
            length = response.headers.get("Content-Length")
            bar = factory(int(length) if length and length.isdigit() else 0)
            try:
                return _download(response, directory, bar)
            finally:
                bar.close()

    try:
        fresh = with_retries(get, settings, "ACL Anthology")
    except (TransientError, PermanentError) as exc:
        raise NetworkError(url, f"cannot download the ACL Anthology's BibTeX dump: {exc}") from exc
    except requests.RequestException as exc:  # a malformed URL, too many redirects, ...
        raise NetworkError(url, f"cannot download the ACL Anthology's BibTeX dump: {exc.__class__.__name__}: {exc}") from exc
    except OSError as exc:
        raise AnthologyCacheError(f"cannot write the ACL Anthology dump into {directory}: "
                                  f"{exc.strerror or exc}; set EXPORTER_CACHE_DIR to a writable directory") from exc
    if fresh is None:
        return dump
    temporary = fresh.pop("tmp")
    try:
        # Metadata first: a crash between the two renames must not pair old metadata (and its
        # sha256, which decides whether the index is current) with a new dump.
        (directory / META_NAME).unlink(missing_ok=True)
        os.replace(temporary, dump)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise AnthologyCacheError(f"cannot write {dump}: {exc.strerror or exc}") from exc
    meta = {"url": url, **fresh}
    _write_atomic(directory / META_NAME, (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode())
    return dump


def _remove_old_temps(directory: Path, age: float = 24 * 3600) -> None:
    """Delete partial downloads a killed run left in the cache. The cache is shared by every list, so
    only files older than a day go: a download in progress elsewhere is younger."""
    import time

    try:
        leftovers = list(directory.glob(".*.tmp"))
    except OSError:
        return
    for path in leftovers:
        try:
            if time.time() - path.stat().st_mtime > age:
                path.unlink()
        except OSError:
            continue


def _fingerprint(directory: Path) -> str:
    """sha256 of the cached dump: from its metadata, else computed."""
    meta = _read_meta(directory)
    dump = directory / DUMP_NAME
    if isinstance(meta.get("sha256"), str) and meta.get("size") == dump.stat().st_size:
        return str(meta["sha256"])
    digest = hashlib.sha256()
    with dump.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
