"""The index of the dump: by Anthology id, by normalised title and by title word (IDF-weighted), saved compactly."""

from __future__ import annotations

import marshal
import math
import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat
from pathlib import Path
from typing import Any

from exporter.anthology.base import IndexFormatError, Paper, _write_atomic
from exporter.ids import acl as acl_ids
from exporter.text import _terms, normalise_title

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

    def by_doi(self, doi: str) -> Paper | None:
        """The paper a DOI field names (arXiv's `doi` may hold the Anthology's, 10.18653/v1/ID), if the dump has it."""
        for token in doi.split():
            ident = acl_ids.parse(token.rstrip(".,;"))
            if ident is not None and (paper := self.get(ident.id)):
                return paper
        return None

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
