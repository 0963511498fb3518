"""Resolve arXiv ids through the `arxiv` package, in batches of up to 100 ids per request.

The package's traps are handled here: `Search` caps results at `max_results` (set to the
batch size), its requests carry no timeout (our session adds one), and its retries wait
only the fixed delay (we retry with backoff and jitter instead, and treat an empty page
for a non-empty id list as a transient fault).
"""

from __future__ import annotations

import re
from typing import Any, Callable

from exporter.resolvers.http import EmptyPageError, PermanentError, Settings, TimeoutSession, TransientError, classify_status, with_retries

BATCH = 100  # longer GET id lists fail upstream with HTTP 414


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
    arrives; returns the failures, id -> reason. A failed batch discards nothing.
    """
    import arxiv

    client = arxiv.Client(page_size=BATCH, delay_seconds=settings.delay, num_retries=0)
    client.query_url_format = settings.arxiv_url + "?{}"
    client._session = TimeoutSession(settings.timeout)  # the package's own session has no timeout

    failures: dict[str, str] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), BATCH):
        batch = unique[start : start + BATCH]

        def query() -> list[Any]:
            search = arxiv.Search(id_list=batch, max_results=len(batch))
            try:
                results = list(client.results(search))
            except arxiv.HTTPError as exc:
                raise classify_status(exc.status, "arXiv API") from exc
            except arxiv.UnexpectedEmptyPageError as exc:
                raise EmptyPageError("arXiv API returned an empty page") from exc
            if not results:
                # Either arXiv's sporadic empty page or ids it does not know: retry to tell.
                raise EmptyPageError("arXiv returned no record for this id")
            return results

        try:
            results = with_retries(query, settings)
        except EmptyPageError as exc:
            failures.update({i: f"{exc}; check it on arxiv.org" for i in batch})
            progress(len(batch))
            continue
        except (TransientError, PermanentError) as exc:
            failures.update({i: str(exc) for i in batch})
            progress(len(batch))
            continue
        by_id = {}
        for result in results:
            record = _to_lock(result)
            by_id[record["id"]] = record
            if record["version"]:
                by_id[f"{record['id']}v{record['version']}"] = record
        for requested in batch:
            record = by_id.get(requested) or by_id.get(split_version(requested)[0])
            if record is None:
                failures[requested] = "arXiv returned no record for this id; check it on arxiv.org"
            else:
                found[requested] = record
        progress(len(batch))
    return failures
