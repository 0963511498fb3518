"""The ACL Anthology's complete BibTeX export (`anthology.bib.gz`), cached and indexed.

The dump (about 100,000 papers) is downloaded once into the user's cache directory and then
only revalidated (ETag / If-Modified-Since); a compact index keyed by Anthology id, by
normalised title and by title word is rebuilt only when the dump changed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import marshal
import math
import os
import re
import sys
import tempfile
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any, Protocol, cast

import requests

from exporter.errors import ExporterError, NetworkError, OfflineError
from exporter.files import write_atomic
from exporter.text import _terms, decode_latex, normalise_title  # noqa: F401 - re-exported
from exporter.http import (
    PermanentError,
    Settings,
    TimeoutSession,
    TransientError,
    classify_status,
    with_retries,
)

__all__ = [
    "Paper", "Index", "normalise_title", "decode_latex", "parse_dump", "parse_dump_file",
    "build_index", "save_index", "load_index", "fetch_dump", "cache_dir", "open_index",
    "dump_url", "AnthologyCacheError", "IndexFormatError",
    "DUMP_NAME", "META_NAME", "INDEX_NAME",
]

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


# --- the dump: a scanner for the Anthology's regular BibTeX --------------------------------

_ENTRY = re.compile(r"^@[ \t]*([A-Za-z]+)[ \t]*[{(][ \t]*([^,\s]*)", re.M)
_FIELD = re.compile(r"[ \t\r\n]*([A-Za-z][\w\-:.]*)[ \t\r\n]*=[ \t\r\n]*")
_BARE = re.compile(r"[^\s,#{}\"()=]+")
_SKIPPED_TYPES = frozenset({"proceedings", "book", "string", "comment", "preamble"})
_WANTED = frozenset({"title", "author", "booktitle", "journal", "year", "url"})
_ANTHOLOGY_URL = re.compile(
    r"^\s*https?://(?:www\.)?(?:aclanthology\.org|aclweb\.org/anthology(?:-new)?)/"
    r"(?:[A-Z]/[A-Z][0-9]{2}/)?"  # old aclweb paths: /anthology/P/P19/P19-1001.pdf
    r"([0-9]{4}\.[a-z0-9][a-z0-9\-]*\.[0-9]+|[A-Z][0-9]{2}-[0-9]{4})(?:\.pdf)?/?\s*$"
)
_AND = re.compile(r"\s+and\s+")
_BRACE_OR_AND = re.compile(r"[{}]|\s+and\s+")
_YEAR = re.compile(r"[0-9]{4}")


def _depth(text: str, start: int, end: int) -> int:
    """Braces opened minus closed in `text[start:end]`; escaped ones (\\{ \\}) do not count."""
    opened, closed = text.count("{", start, end), text.count("}", start, end)
    if text.find("\\", start, end) >= 0:
        opened -= text.count("\\{", start, end)
        closed -= text.count("\\}", start, end)
    return opened - closed


def _value_end(text: str, start: int, end: int) -> tuple[str, int] | None:
    """The raw value starting at `text[start]` and the position after it; None if malformed."""
    if start >= end:
        return None
    opener = text[start]
    if opener == '"':
        # The Anthology never puts a " inside "..." (it switches to braces), but BibTeX
        # allows one inside a brace group: the closing quote is the first at brace depth 0.
        position = start + 1
        while True:
            close = text.find('"', position, end)
            if close < 0:
                return None
            if _depth(text, start, close) == 0:
                return text[start + 1:close], close + 1
            position = close + 1
    if opener == "{":
        depth, position = 1, start + 1
        while depth:
            close = text.find("}", position, end)
            if close < 0:
                return None
            depth += _depth(text, position, close)
            if text[close - 1] != "\\":  # \} is an escaped brace, not a closing one
                depth -= 1
            position = close + 1
        return text[start + 1:position - 1], position
    match = _BARE.match(text, start, end)
    if match is None:
        return None
    return match[0], match.end()


def _fields(text: str, start: int, end: int) -> dict[str, str]:
    """The wanted fields of one entry body, `text[start:end]` after the key; stops at the first
    malformed value (what came before it is kept)."""
    fields: dict[str, str] = {}
    position = start
    while True:
        comma = text.find(",", position, end)
        if comma < 0:
            return fields
        match = _FIELD.match(text, comma + 1, end)
        if match is None:
            return fields
        name = match[1].lower()
        parts: list[str] = []
        position = match.end()
        while True:  # a value may be a concatenation: "28--30 " # may
            found = _value_end(text, position, end)
            if found is None:
                return fields
            parts.append(found[0])
            position = found[1]
            while position < end and text[position] in " \t\r\n":
                position += 1
            if position < end and text[position] == "#":
                position += 1
                while position < end and text[position] in " \t\r\n":
                    position += 1
                continue
            break
        if name in _WANTED:
            fields[name] = "".join(parts)


def _names(value: str) -> list[str]:
    """The names of a BibTeX name list: split at "and" outside braces."""
    names = _AND.split(value)
    if "{" not in value or all(n.count("{") == n.count("}") for n in names):
        return names
    names, depth, start = [], 0, 0  # an "and" inside braces ({Barnes and Noble}): scan
    for match in _BRACE_OR_AND.finditer(value):
        token = match[0]
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            names.append(value[start:match.start()])
            start = match.end()
    names.append(value[start:])
    return names


def _family(name: str) -> str:
    """The family name of a BibTeX name: `Last, First` → `Last`. A name without a comma is
    taken whole: the Anthology writes a comma whenever there is a first name."""
    if "," in name:
        if "{" in name:
            depth = 0
            for i, char in enumerate(name):
                if char == "{":
                    depth += 1
                elif char == "}":
                    depth -= 1
                elif char == "," and depth == 0:
                    name = name[:i]
                    break
        else:
            name = name[: name.index(",")]
    return decode_latex(name)


def _paper(entry_type: str, fields: dict[str, str]) -> Paper | None:
    url = fields.get("url")
    if url is None or entry_type in _SKIPPED_TYPES:
        return None
    match = _ANTHOLOGY_URL.match(url)
    if match is None:
        return None
    authors = fields.get("author", "").strip()
    families = tuple(f for f in map(_family, _names(authors)) if f) if authors else ()
    year_match = _YEAR.search(fields.get("year", ""))
    return Paper(
        id=match[1],
        title=decode_latex(fields.get("title", "")),
        families=families,
        year=int(year_match[0]) if year_match else None,
        booktitle=decode_latex(fields.get("booktitle") or fields.get("journal") or ""),
    )


def _parse_text(text: str) -> Iterator[Paper]:
    starts = [(m.start(), m.end(), m[1].lower()) for m in _ENTRY.finditer(text)]
    for i, (_, body, entry_type) in enumerate(starts):
        if entry_type in _SKIPPED_TYPES:
            continue
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        paper = _paper(entry_type, _fields(text, body, end))
        if paper is not None:
            yield paper


def parse_dump(text: str) -> Iterator[Paper]:
    """The papers of the Anthology's BibTeX export, in file order.

    A scanner for this known, regular format: `@proceedings` (and journal front matter,
    `@book`) and entries without an Anthology `url` are skipped, and a malformed entry loses
    at most its own fields after the fault, never the entries around it.
    """
    return _parse_text(text)


def parse_dump_file(path: Path, block_size: int = 1 << 23) -> Iterator[Paper]:
    """`parse_dump` over a gzipped dump read in blocks, so the whole text is never in memory."""
    try:
        with gzip.open(path, "rb") as handle:
            rest = b""
            while True:
                block = handle.read(block_size)
                if not block:
                    break
                data = rest + block
                # Parse whole entries only (up to the last "@type" at a line start); the rest
                # waits for the next block.
                cut = data.rfind(b"\n@")
                while cut >= 0 and not data[cut + 2:cut + 3].isalpha():
                    cut = data.rfind(b"\n@", 0, cut)
                if cut < 0:
                    rest = data
                    continue
                rest = data[cut + 1:]
                yield from _parse_text(data[:cut + 1].decode("utf-8", errors="replace"))
            if rest:
                yield from _parse_text(rest.decode("utf-8", errors="replace"))
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise AnthologyCacheError(
            f"{path}: cannot read the cached Anthology dump ({exc}); delete it and run again"
        ) from exc


# --- the index -----------------------------------------------------------------------------

_FORMAT = 1
_MAGIC = b"exporter-anthology-index\n"
# marshal is the fastest loader for str/bytes/list/dict, but its format belongs to one Python
# version, and the postings are native-endian int32 arrays: both are in the header.
_PLATFORM = f"{sys.implementation.cache_tag}-{sys.byteorder}-marshal{marshal.version}"


class Index:
    """Papers by Anthology id, by normalised title and by informative title word.

    Stored column-wise (rows are paper numbers) and turned into `Paper`s only when asked;
    the inverted index is two flat int32 arrays in compressed-sparse-row form (rows of each
    term; terms of each row), so loading 100,000 papers is a few unmarshalled lists and
    byte strings.
    """

    __slots__ = ("source", "_columns", "_ids", "_titles", "_norms", "_families", "_years", "_venues",
                 "_venue_of", "_term_ids", "_postings", "_posting_starts", "_row_terms", "_row_starts",
                 "_row_weights", "_duplicates", "_by_id", "_by_title", "_idf", "_papers")

    def __init__(self, columns: dict[str, Any], source: str = "") -> None:
        self.source = source  # sha256 of the dump the index was built from
        self._columns = columns
        self._ids: list[str] = columns["ids"]
        self._titles: list[str] = columns["titles"]
        self._norms: list[str] = columns["norms"]
        self._families: list[tuple[str, ...]] = columns["families"]
        self._years = memoryview(columns["years"]).cast("H")  # 0: no year
        self._venues: list[str] = columns["venues"]
        self._venue_of = memoryview(columns["venue_of"]).cast("I")
        self._term_ids: dict[str, int] = columns["term_ids"]
        self._postings: bytes = columns["postings"]  # int32 rows, term after term, ascending
        self._posting_starts = memoryview(columns["posting_starts"]).cast("i")  # per term id, and the end
        self._row_terms = memoryview(columns["row_terms"]).cast("i")  # int32 term ids, row after row
        self._row_starts = memoryview(columns["row_starts"]).cast("i")
        self._row_weights = memoryview(columns["row_weights"]).cast("f")  # sum of the idf of its terms
        self._duplicates: dict[str, tuple[int, ...]] = columns["duplicates"]  # titles of several papers
        n = len(self._ids)
        if not (len(self._titles) == len(self._norms) == len(self._families) == len(self._years)
                == len(self._venue_of) == len(self._row_starts) - 1 == len(self._row_weights) == n
                and len(self._posting_starts) == len(self._term_ids) + 1):
            raise ValueError("columns of different lengths")
        self._by_id = {paper_id: row for row, paper_id in enumerate(self._ids)}
        self._by_title = dict(zip(self._norms, range(n)))
        self._idf: array[float] | None = None  # per term id, computed on first use
        self._papers: dict[int, Paper] = {}  # made on demand: a frozen dataclass is slow to make

    def _paper(self, row: int) -> Paper:
        paper = self._papers.get(row)
        if paper is None:
            year = self._years[row]
            paper = self._papers[row] = Paper(self._ids[row], self._titles[row], self._families[row],
                                              year or None, self._venues[self._venue_of[row]])
        return paper

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[Paper]:
        return (self._paper(row) for row in range(len(self._ids)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Index):
            return NotImplemented
        return self.source == other.source and self._columns == other._columns

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Index of {len(self)} Anthology papers>"

    def get(self, anthology_id: str) -> Paper | None:
        """The paper with this Anthology id, if the dump has it."""
        row = self._by_id.get(anthology_id)
        return None if row is None else self._paper(row)

    def by_title(self, normalised: str) -> list[Paper]:
        """Papers whose normalised title is exactly `normalised` (see `normalise_title`)."""
        rows = self._duplicates.get(normalised)
        if rows is not None:
            return [self._paper(r) for r in rows]
        row = self._by_title.get(normalised)
        return [] if row is None else [self._paper(row)]

    def candidates(self, title: str, limit: int = 20) -> list[Paper]:
        """Up to `limit` papers sharing the most informative words with `title`, best first.

        For fuzzy matching of retitled papers. The rows of the query's words are counted,
        rarest word first, while a budget of postings lasts (the rarest word always); the
        papers found most often are then ranked by the idf-weighted overlap (Dice) of their
        words with the query's.
        """
        if limit <= 0 or not self._ids:
            return []
        query = _terms(normalise_title(title))
        starts = self._posting_starts
        found = sorted((starts[i + 1] - starts[i], i) for i in map(self._term_ids.get, query) if i is not None)
        parts: list[memoryview] = []
        spent = 0
        postings = memoryview(self._postings)
        for n, term in found:
            if spent and spent + n > _BUDGET:
                break
            parts.append(postings[4 * starts[term]:4 * starts[term + 1]])
            spent += n
        if not parts:
            return []
        counts = Counter(memoryview(b"".join(parts)).cast("i"))
        pool = list(counts)
        if len(pool) > limit + _POOL:
            pool = sorted(pool, key=counts.__getitem__, reverse=True)[:limit + _POOL]
        idf = self._term_idf()
        weights = {term: idf[term] for _, term in found}
        # A query word no paper has is as informative as a word only one paper has.
        query_weight = sum(weights.values()) + math.log(len(self._ids)) * (len(query) - len(found))
        row_terms, row_starts, row_weights = self._row_terms, self._row_starts, self._row_weights
        scored = []
        for row in pool:
            shared = sum(map(weights.get, row_terms[row_starts[row]:row_starts[row + 1]], repeat(0.0)))
            scored.append((-2.0 * shared / (query_weight + row_weights[row] or 1.0), row))
        scored.sort()
        return [self._paper(row) for _, row in scored[:limit]]

    def _term_idf(self) -> array[float]:
        if self._idf is None:
            self._idf = _idf(len(self._ids), self._posting_starts)
        return self._idf


def _idf(papers: int, starts: Sequence[int]) -> array[float]:
    """Inverse document frequency of each term id, from where its postings start and end."""
    return array("d", (math.log(papers / (starts[i + 1] - starts[i])) for i in range(len(starts) - 1)))


# Postings counted per candidates() call beyond the rarest word's (a title's words are mostly
# common in a field's own literature: ~2,000 on the benchmark), and how many more papers than
# asked for are ranked by overlap.
_BUDGET = 3000
_POOL = 20


def build_index(papers: Iterable[Paper], source: str = "") -> Index:
    """Index papers by id, normalised title and title words. A repeated id keeps its first paper."""
    ids: list[str] = []
    titles: list[str] = []
    norms: list[str] = []
    families: list[tuple[str, ...]] = []
    years = array("H")
    venue_of = array("I")
    venues: dict[str, int] = {}
    names: dict[str, str] = {}  # one string object per distinct name: marshal stores it once
    seen: set[str] = set()
    rows_of: dict[str, array[int]] = {}
    terms_of: list[list[str]] = []
    rows_by_title: dict[str, list[int]] = {}
    for paper in papers:
        if paper.id in seen:
            continue
        seen.add(paper.id)
        row = len(ids)
        ids.append(paper.id)
        titles.append(paper.title)
        normalised = normalise_title(paper.title)
        norms.append(normalised)
        families.append(tuple(names.setdefault(f, f) for f in paper.families))
        years.append(paper.year if paper.year is not None and 0 < paper.year < 65536 else 0)
        venue_of.append(venues.setdefault(paper.booktitle, len(venues)))
        rows_by_title.setdefault(normalised, []).append(row)
        terms = sorted(_terms(normalised))
        terms_of.append(terms)
        for term in terms:
            rows = rows_of.get(term)
            if rows is None:
                rows = rows_of[term] = array("i")
            rows.append(row)
    term_ids = {term: i for i, term in enumerate(sorted(rows_of))}
    postings, posting_starts = array("i"), array("i", [0])
    for term in term_ids:
        postings.extend(rows_of[term])
        posting_starts.append(len(postings))
    idf = _idf(len(ids), posting_starts)
    row_terms, row_starts, row_weights = array("i"), array("i", [0]), array("f")
    for terms in terms_of:
        numbers = [term_ids[t] for t in terms]
        row_terms.extend(numbers)
        row_starts.append(len(row_terms))
        row_weights.append(sum(idf[i] for i in numbers))
    columns = {
        "ids": ids, "titles": titles, "norms": norms, "families": families, "years": years.tobytes(),
        "venues": list(venues), "venue_of": venue_of.tobytes(), "term_ids": term_ids,
        "postings": postings.tobytes(), "posting_starts": posting_starts.tobytes(),
        "row_terms": row_terms.tobytes(), "row_starts": row_starts.tobytes(), "row_weights": row_weights.tobytes(),
        "duplicates": {t: tuple(rows) for t, rows in rows_by_title.items() if len(rows) > 1},
    }
    return Index(columns, source)


def save_index(index: Index, path: Path) -> None:
    """Write the index to `path` atomically (temporary file, then rename)."""
    payload = marshal.dumps((_FORMAT, _PLATFORM, index.source, index._columns))
    _write_atomic(path, _MAGIC + payload)


def load_index(path: Path) -> Index:
    """Read an index written by `save_index`; IndexFormatError if it is from another format
    version or Python, or damaged (rebuild it then)."""
    data = path.read_bytes()
    if not data.startswith(_MAGIC):
        raise IndexFormatError(f"{path}: not an exporter Anthology index; delete it")
    try:
        version, platform, source, columns = marshal.loads(memoryview(data)[len(_MAGIC):])
    except (ValueError, EOFError, TypeError) as exc:
        raise IndexFormatError(f"{path}: damaged Anthology index ({exc}); delete it") from exc
    if version != _FORMAT or platform != _PLATFORM:
        raise IndexFormatError(f"{path}: Anthology index of format {version} for {platform}, "
                               f"not {_FORMAT} for {_PLATFORM}; rebuild it")
    try:
        index = Index(columns, source)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise IndexFormatError(f"{path}: damaged Anthology index ({exc}); delete it") from exc
    return index


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


def _write_atomic(path: Path, data: bytes) -> None:
    """The cache's files are written as every file is (exporter.files); a failure says where the cache can go."""
    try:
        write_atomic(path, data)
    except ExporterError as exc:
        raise AnthologyCacheError(f"{exc}; set EXPORTER_CACHE_DIR to a writable directory") from exc


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
