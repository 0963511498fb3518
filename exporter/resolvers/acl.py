"""Resolve ACL Anthology ids from the Anthology's per-paper BibTeX export, `{base}/{id}.bib`."""

from __future__ import annotations

import logging
from typing import Any, Callable

from exporter.http import PermanentError, Settings, TimeoutSession, TransientError, classify_status, with_retries

SERVICE = "ACL Anthology"
# bibtexparser logs blocks it cannot parse; a failed parse is reported here, by entry.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
logging.getLogger("bibtexparser").propagate = False


def parse_bibtex(text: str, anthology_id: str) -> dict[str, Any]:
    """The lock record of one Anthology BibTeX export: entry type, key and raw field values."""
    import bibtexparser

    library = bibtexparser.parse_string(text)
    if not library.entries or library.failed_blocks:
        raise PermanentError("the Anthology's BibTeX export could not be parsed")
    entry = library.entries[0]
    return {
        "id": anthology_id,
        "entrytype": entry.entry_type.lower(),
        "key": entry.key,
        "fields": {f.key.lower(): str(f.value) for f in entry.fields},
    }


def fetch(
    ids: list[str],
    settings: Settings,
    found: dict[str, dict[str, Any]],
    progress: Callable[[int], None] = lambda n: None,
) -> dict[str, str]:
    """Fetch the BibTeX export of each id into `found`; returns the failures, like the arXiv resolver."""
    session = TimeoutSession(settings.timeout)
    failures: dict[str, str] = {}
    for anthology_id in dict.fromkeys(ids):
        url = f"{settings.acl_url.rstrip('/')}/{anthology_id}.bib"

        def get() -> str:
            response = session.get(url)
            if response.status_code == 404:
                raise PermanentError("not in the ACL Anthology (HTTP 404); check the id")
            if response.status_code != 200:
                raise classify_status(response.status_code, SERVICE, response.headers)
            if not response.text.strip():
                raise TransientError("ACL Anthology returned an empty page")
            try:
                return response.content.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise PermanentError("the Anthology's BibTeX export is not UTF-8") from exc

        try:
            found[anthology_id] = parse_bibtex(with_retries(get, settings, SERVICE), anthology_id)
        except (TransientError, PermanentError) as exc:
            failures[anthology_id] = str(exc)
        progress(1)
    return failures
