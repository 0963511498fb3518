"""Polite HTTP for the resolvers: explicit timeouts, and retries with exponential backoff and jitter.

arXiv answers 429 "Rate exceeded." without a Retry-After header and sometimes an empty
page; both pass after a wait, so they are retried like timeouts and 5xx answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import requests

from exporter import __version__

T = TypeVar("T")
USER_AGENT = f"exporter/{__version__} (bibliography exporter; polite batched client)"


@dataclass(frozen=True)
class Settings:
    """Where the services are and how politely to talk to them."""

    arxiv_url: str = "https://export.arxiv.org/api/query"
    acl_url: str = "https://aclanthology.org"
    delay: float = 3.0  # seconds between arXiv requests, as arXiv's terms of use ask
    timeout: float = 30.0  # seconds per request; the arxiv package sets none
    attempts: int = 5  # tries per request, the first included
    backoff: float = 3.0  # base of the exponential backoff, in seconds
    max_wait: float = 120.0


class TransientError(Exception):
    """A failure worth retrying: timeout, connection error, 429, 5xx, empty page."""


class EmptyPageError(TransientError):
    """A 200 answer with no records where records were asked for."""


class PermanentError(Exception):
    """A failure that retrying cannot fix (404, 400)."""


class TimeoutSession(requests.Session):
    """A session whose requests always carry a timeout and our User-Agent."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout
        self.headers["User-Agent"] = USER_AGENT

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        # Name this tool, not the library: the arxiv package sends its own User-Agent.
        kwargs["headers"] = {**(kwargs.get("headers") or {}), "user-agent": USER_AGENT}
        return super().request(method, url, *args, **kwargs)


def classify_status(status: int, what: str) -> Exception:
    """The error to raise for a non-200 HTTP status."""
    if status == 429 or status >= 500:
        return TransientError(f"{what}: HTTP {status}")
    return PermanentError(f"{what}: HTTP {status}")


# An answer that broke off or arrived garbled mid-body: retried like a dropped connection.
_BROKEN = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)


def with_retries(call: Callable[[], T], settings: Settings) -> T:
    """Run `call`, retrying TransientError and network faults with backoff and jitter.

    Raises the last TransientError (as is) once the attempts are spent.
    """
    from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

    retrying = Retrying(
        stop=stop_after_attempt(settings.attempts),
        wait=wait_random_exponential(multiplier=settings.backoff, max=settings.max_wait),
        retry=retry_if_exception_type((TransientError, requests.Timeout, requests.ConnectionError, *_BROKEN)),
        reraise=True,
    )
    tries = f"after {settings.attempts} tr{'y' if settings.attempts == 1 else 'ies'}"
    try:
        return retrying(call)
    except requests.Timeout as exc:
        raise TransientError(f"timed out ({settings.timeout:g} s per request, {tries})") from exc
    except requests.ConnectionError as exc:
        raise TransientError(f"connection failed ({exc.__class__.__name__}, {tries})") from exc
    except _BROKEN as exc:
        raise TransientError(f"answer cut off ({exc.__class__.__name__}, {tries})") from exc
    except TransientError as exc:
        raise type(exc)(f"{exc} ({tries})") from exc
