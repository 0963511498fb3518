"""Resolvers as a registry (`RESOLVERS`, kind of identifier -> fetch) with one contract: fetch a batch of
ids of one kind into the lock's records (as each batch arrives), returning per-id failures. Batching is
each resolver's; rate, retries, Retry-After and the service budget come from the shared HTTP layer
(`exporter/http.py`). What to fetch, and when, is decided by the resolve use case (`exporter/app.py`).
"""

from __future__ import annotations

from typing import Any, Callable

from exporter.resolvers import acl, arxiv, dblp
from exporter.http import Settings

__all__ = ["Settings", "RESOLVERS", "register"]

# fetch(ids, settings, found: id -> record, progress) -> failures: id -> reason
Fetch = Callable[[list[str], Settings, dict[str, dict[str, Any]], Callable[[int], None]], dict[str, str]]
RESOLVERS: dict[str, Fetch] = {"arxiv": arxiv.fetch, "acl": acl.fetch, "dblp": dblp.fetch}


def register(kind: str, fetch: Fetch) -> None:
    """Add the resolver of a kind of identifier (a plug-in, or a test's toy resolver)."""
    RESOLVERS[kind] = fetch
