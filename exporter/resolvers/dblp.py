"""Resolve DBLP keys from DBLP's record export, `{base}/rec/{key}.bib?param=1` (the standard record, key
`DBLP:{key}`), one request per key, `dblp_delay` apart as DBLP asks."""

from __future__ import annotations

from typing import Any, Callable

from exporter.http import Settings
from exporter.resolvers.bibtex_export import fetch_each

SERVICE = "DBLP"


def fetch(
    ids: list[str],
    settings: Settings,
    found: dict[str, dict[str, Any]],
    progress: Callable[[int], None] = lambda n: None,
) -> dict[str, str]:
    """Fetch the record of each DBLP key into `found`, kept as received; returns the failures."""
    base = settings.dblp_url.rstrip("/")
    return fetch_each(ids, settings, found, progress, service=SERVICE, url=lambda k: f"{base}/rec/{k}.bib?param=1",
                      missing="not in DBLP (HTTP 404); check the key", delay=settings.dblp_delay)
