"""Fetching one record's BibTeX export from a service that has one (the ACL Anthology, DBLP): one GET per id
through the shared retry layer, the answer checked before it is kept. Shared by the resolvers that need it."""

from __future__ import annotations

import logging
from typing import Any, Callable

from exporter.http import PermanentError, Settings, TimeoutSession, TransientError, classify_status, with_retries

# bibtexparser logs blocks it cannot parse; a failed parse is reported here, by entry.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
logging.getLogger("bibtexparser").propagate = False


def parse_bibtex(text: str, ident: str, service: str) -> dict[str, Any]:
    """The lock record of one BibTeX export: entry type, key and raw field values, as received.

    An answer that is not exactly one whole entry with a title (a cut or garbled page) is a
    failure, never a record.
    """
    import bibtexparser

    library = bibtexparser.parse_string(text)
    if len(library.entries) != 1 or library.failed_blocks:
        raise TransientError(f"{service}: the BibTeX export could not be parsed")
    entry = library.entries[0]
    fields = {f.key.lower(): str(f.value) for f in entry.fields}
    if not fields.get("title", "").strip():
        raise TransientError(f"{service}: the BibTeX export has no title")
    return {"id": ident, "entrytype": entry.entry_type.lower(), "key": entry.key, "fields": fields}


def fetch_each(
    ids: list[str],
    settings: Settings,
    found: dict[str, dict[str, Any]],
    progress: Callable[[int], None],
    *,
    service: str,
    url: Callable[[str], str],
    missing: str,
    delay: float = 0.0,
) -> dict[str, str]:
    """Fetch each id's export (`url(id)`) into `found`; returns failures (id -> reason).

    `missing` is the reason for a 404. A service given up by the shared budget fails the rest
    of the ids at once, without asking.
    """
    session = TimeoutSession(settings.timeout)
    failures: dict[str, str] = {}
    for ident in dict.fromkeys(ids):
        address = url(ident)

        def get() -> str:
            response = session.get(address)
            if response.status_code == 404:
                raise PermanentError(missing)
            if response.status_code != 200:
                raise classify_status(response.status_code, service, response.headers)
            if not response.text.strip():
                raise TransientError(f"{service} returned an empty page")
            try:
                text = response.content.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise PermanentError(f"{service}: the BibTeX export is not UTF-8") from exc
            parse_bibtex(text, ident, service)  # a garbled answer is retried like a dropped one
            return text

        try:
            found[ident] = parse_bibtex(with_retries(get, settings, service, delay=delay), ident, service)
        except (TransientError, PermanentError) as exc:
            failures[ident] = str(exc)
        progress(1)
    return failures
