"""Resolve ACL Anthology ids from the Anthology's per-paper BibTeX export, `{base}/{id}.bib`."""

from __future__ import annotations

from typing import Any, Callable

from exporter.http import Settings
from exporter.resolvers.bibtex_export import fetch_each

SERVICE = "ACL Anthology"


def fetch(
    ids: list[str],
    settings: Settings,
    found: dict[str, dict[str, Any]],
    progress: Callable[[int], None] = lambda n: None,
) -> dict[str, str]:
    """Fetch the BibTeX export of each id into `found`; returns the failures, like the arXiv resolver."""
    base = settings.acl_url.rstrip("/")
    return fetch_each(ids, settings, found, progress, service=SERVICE, url=lambda i: f"{base}/{i}.bib",
                      missing="not in the ACL Anthology (HTTP 404); check the id")
