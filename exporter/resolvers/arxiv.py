"""Resolve arXiv ids through the `arxiv` package, in batches of up to 100 ids per request.

The package's traps are handled here: `Search` caps results at `max_results` (set to the
batch size), its requests carry no timeout (our session adds one), its retries wait only
the fixed delay (we retry with backoff and jitter instead, and treat an empty page for a
non-empty id list as a transient fault), and it parses with a recovering XML parser, so a
body cut off mid-record would come back as a shorter record: `_FeedSession` checks every
answer strictly first (well-formed XML, as many entries as the feed says it holds).
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from exporter.http import (EmptyPageError, PermanentError, Settings, TimeoutSession, TransientError,
                                     classify_status, with_retries)

BATCH = 100  # longer GET id lists fail upstream with HTTP 414
SERVICE = "arXiv API"
_ATOM = "{http://www.w3.org/2005/Atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
# The package logs its own warnings ("Malformed feed ..."); our messages say what matters.
logging.getLogger("arxiv").addHandler(logging.NullHandler())
logging.getLogger("arxiv").propagate = False


def check_feed(body: bytes, url: str) -> None:
    """Raise TransientError unless `body` is a whole arXiv feed: well-formed, every entry complete.

    The entry count must equal what `opensearch:totalResults` promises for this page, and each
    entry needs its id, title, published date and at least one author.
    """
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise TransientError(f"{SERVICE}: the answer is not well-formed XML (cut off?): {exc}") from exc
    total = root.findtext(f"{_OPENSEARCH}totalResults")
    if total is None or not total.strip().isdigit():
        raise TransientError(f"{SERVICE}: the answer has no opensearch:totalResults")
    query = parse_qs(urlsplit(url).query)
    start = int((query.get("start") or ["0"])[0] or 0)
    page = int((query.get("max_results") or [str(BATCH)])[0] or BATCH)
    entries = root.findall(f"{_ATOM}entry")
    expected = max(0, min(int(total) - start, page))
    if len(entries) != expected:
        raise TransientError(f"{SERVICE}: the answer holds {len(entries)} of the {expected} records it announces")
    for entry in entries:
        names = [a.findtext(f"{_ATOM}name") for a in entry.findall(f"{_ATOM}author")]
        if not all((entry.findtext(f"{_ATOM}{tag}") or "").strip() for tag in ("id", "title", "published")) \
                or not names or not all((n or "").strip() for n in names):
            raise TransientError(f"{SERVICE}: a record in the answer is incomplete "
                                 f"({(entry.findtext(f'{_ATOM}id') or '?').strip()})")


class _FeedSession(TimeoutSession):
    """Our timeout session, refusing any 200 answer that is not a whole feed (see `check_feed`)."""

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        response = super().request(method, url, *args, **kwargs)
        if response.status_code == 429 or response.status_code >= 500:
            raise classify_status(response.status_code, SERVICE, response.headers)  # with its Retry-After
        if response.status_code == 200:
            check_feed(response.content, url if isinstance(url, str) else url.decode())
        return response


def _to_lock(result: Any) -> dict[str, Any]:
    """The fields of an `arxiv.Result` that the lock keeps, as plain JSON values."""
    base, version = split_version(result.get_short_id())

    def stamp(dt: Any) -> str:
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")

    return {
        "id": base,
        "version": version,
        "title": result.title,
        "authors": [a.name for a in result.authors],
        "abstract": result.summary,
        "published": stamp(result.published),
        "updated": stamp(result.updated),
        "comment": result.comment,
        "journal_ref": result.journal_ref,
        "doi": result.doi,
        "primary_category": result.primary_category or None,
        "categories": list(result.categories),
    }


def split_version(full_id: str) -> tuple[str, int | None]:
    """`2109.01652v5` → (`2109.01652`, 5); `hep-th/9901001` → (`hep-th/9901001`, None)."""
    m = re.fullmatch(r"(.+?\d)(?:v(\d+))?", full_id)
    return (m[1], int(m[2]) if m[2] else None) if m else (full_id, None)


def fetch(
    ids: list[str],
    settings: Settings,
    found: dict[str, dict[str, Any]],
    progress: Callable[[int], None] = lambda n: None,
) -> dict[str, str]:
    """Fetch metadata for `ids` (full ids, versions allowed): ⌈N/100⌉ requests, `delay` s apart.

    Each batch's records go into `found` (requested id -> lock record) as soon as it
    arrives; returns the failures, id -> reason. A failed batch discards nothing. A pinned
    version arXiv does not return is a failure, never another version's record.
    """
    import arxiv

    # The delay between requests is kept by the HTTP layer (also after failures and Retry-After).
    client = arxiv.Client(page_size=BATCH, delay_seconds=0, num_retries=0)
    client.query_url_format = settings.arxiv_url + "?{}"
    client._session = _FeedSession(settings.timeout)  # the package's own session has no timeout

    failures: dict[str, str] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), BATCH):
        batch = unique[start : start + BATCH]

        def query() -> list[Any]:
            search = arxiv.Search(id_list=batch, max_results=len(batch))
            try:
                results = list(client.results(search))
            except arxiv.HTTPError as exc:
                raise classify_status(exc.status, SERVICE) from exc
            except arxiv.UnexpectedEmptyPageError as exc:
                raise EmptyPageError(f"{SERVICE} returned an empty page") from exc
            if not results:
                # Either arXiv's sporadic empty page or ids it does not know: retry to tell.
                raise EmptyPageError("arXiv returned no record for this id")
            return results

        try:
            results = with_retries(query, settings, SERVICE, delay=settings.delay)
        except EmptyPageError as exc:
            failures.update({i: f"{exc}; check it on arxiv.org" for i in batch})
            progress(len(batch))
            continue
        except (TransientError, PermanentError) as exc:
            failures.update({i: str(exc) for i in batch})
            progress(len(batch))
            continue
        by_id: dict[str, dict[str, Any]] = {}
        for result in results:
            record = _to_lock(result)
            by_id.setdefault(record["id"], record)
            if record["version"]:
                by_id[f"{record['id']}v{record['version']}"] = record
        for requested in batch:
            base, version = split_version(requested)
            record = by_id.get(requested) if version else by_id.get(base)
            if record is not None:
                found[requested] = record
            elif version and base in by_id:
                latest = by_id[base].get("version")
                failures[requested] = (f"arXiv has no version v{version} of {base}"
                                       + (f" (it returned v{latest})" if latest else "")
                                       + "; fix the version or drop it to follow the latest")
            else:
                failures[requested] = "arXiv returned no record for this id; check it on arxiv.org"
        progress(len(batch))
    return failures
