"""Polite HTTP for the resolvers: explicit timeouts, retries with backoff, and a give-up budget per service.

arXiv answers 429 "Rate exceeded." without a Retry-After header and sometimes an empty
page; both pass after a wait, so they are retried like timeouts and 5xx answers. A
`Retry-After` header, when a service sends one, sets the least wait. A service that keeps
failing is given up for the rest of the run (`Budget`), instead of being retried per id.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

import requests
import urllib3

from exporter import __version__

T = TypeVar("T")
USER_AGENT = f"exporter/{__version__} (bibliography exporter; polite batched client)"
# After this many requests in a row failed (each after its retries), a service is given up.
GIVE_UP_AFTER = 3


@dataclass
class _ServiceState:
    failures: int = 0  # requests in a row that failed after their retries
    reason: str = ""  # why the last one failed
    not_before: float = 0.0  # time.monotonic() before which the service is not asked again (delay, Retry-After)
    requests: int = 0  # requests made in this run, retries included


@dataclass
class Budget:
    """How each service fared in this run: after GIVE_UP_AFTER failed requests in a row it is not asked again.

    After one failed request the next ones get a single try each, so a service that is down
    costs a few timeouts, not ids × tries × timeout.
    """

    give_up_after: int = GIVE_UP_AFTER
    services: dict[str, _ServiceState] = field(default_factory=dict)

    def state(self, service: str) -> _ServiceState:
        return self.services.setdefault(service, _ServiceState())

    def given_up(self, service: str) -> str | None:
        """Why `service` is not asked any more in this run, or None."""
        state = self.state(service)
        if state.failures >= self.give_up_after:
            return f"not fetched: {service} is unreachable ({state.reason}; gave up after " \
                   f"{state.failures} failed requests in a row)"
        return None


@dataclass(frozen=True)
class Settings:
    """Where the services are and how politely to talk to them (one per run: it carries the run's budget)."""

    arxiv_url: str = "https://export.arxiv.org/api/query"
    acl_url: str = "https://aclanthology.org"
    dblp_url: str = "https://dblp.org"
    delay: float = 3.0  # seconds between arXiv requests, as arXiv's terms of use ask
    dblp_delay: float = 1.5  # seconds between DBLP requests: DBLP asks for 1-2 s
    timeout: float = 30.0  # seconds per request; the arxiv package sets none
    attempts: int = 5  # tries per request, the first included
    backoff: float = 3.0  # base of the exponential backoff, in seconds
    max_wait: float = 120.0
    budget: Budget = field(default_factory=Budget, compare=False)
    # Told each retry before its wait ("arXiv API: HTTP 503; retrying in 3 s (try 2 of 5)").
    notify: Callable[[str], None] | None = field(default=None, compare=False)


class TransientError(Exception):
    """A failure worth retrying: timeout, connection error, 429, 5xx, empty page."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds the service asked us to wait, if it said


class EmptyPageError(TransientError):
    """A 200 answer with no records where records were asked for."""


class UnreachableError(TransientError):
    """The service was given up earlier in this run; nothing was asked."""


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
        if kwargs.get("stream"):  # the caller reads the body itself (the dump download, with progress)
            return super().request(method, url, *args, **kwargs)
        # requests' timeout bounds each read, not the answer: a server that trickles a byte at a time
        # would never time out. Read the body here, against one deadline for the whole request.
        deadline = time.monotonic() + self.timeout
        response = super().request(method, url, *args, stream=True, **kwargs)
        body = bytearray()
        raw = response.raw
        # read1 returns what one read of the socket gives, so the deadline is checked between the
        # bytes of a trickle; without it (urllib3 1.x), small reads do the same more slowly.
        read = (lambda: raw.read1(1 << 16, decode_content=True)) if hasattr(raw, "read1") \
            else (lambda: raw.read(1024, decode_content=True))
        try:
            while chunk := read():
                body += chunk
                if time.monotonic() > deadline:
                    raise requests.Timeout(f"answer not complete after {self.timeout:g} s")
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.DecodeError) as exc:
            raise requests.exceptions.ChunkedEncodingError(exc) from exc  # as requests names a broken body
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise requests.Timeout(exc) from exc
        finally:
            response.close()
        response._content = bytes(body)  # as requests keeps a read body
        response._content_consumed = True
        return response


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def classify_status(status: int, what: str, headers: Any = None) -> Exception:
    """The error to raise for a non-200 HTTP status (with the Retry-After the answer carries)."""
    if status == 429 or status >= 500:
        wait = retry_after((headers or {}).get("Retry-After"))
        return TransientError(f"{what}: HTTP {status}", retry_after=wait)
    return PermanentError(f"{what}: HTTP {status}")


# An answer that broke off or arrived garbled mid-body: retried like a dropped connection.
_BROKEN = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)
_RETRIED = (TransientError, requests.Timeout, requests.ConnectionError, *_BROKEN)


def _describe(exc: BaseException, settings: Settings, tries: str = "") -> str:
    """What went wrong, in words; `tries` ("after 5 tries") is added inside the brackets."""
    more = f", {tries}" if tries else ""
    if isinstance(exc, requests.Timeout):
        return f"timed out ({settings.timeout:g} s per request{more})"
    if isinstance(exc, requests.ConnectionError):
        return f"connection failed ({exc.__class__.__name__}{more})"
    if isinstance(exc, _BROKEN):
        return f"answer cut off ({exc.__class__.__name__}{more})"
    return f"{exc} ({tries})" if tries else str(exc)


def with_retries(call: Callable[[], T], settings: Settings, service: str, delay: float = 0.0) -> T:
    """Run `call`, retrying TransientError and network faults with backoff, jitter and Retry-After.

    `service` names the service for the run's budget and for messages. Every request to it starts
    at least `delay` seconds after the previous one ended, and no sooner than a Retry-After it
    sent asks, whatever came in between (a failure, another batch). Raises TransientError once
    the tries are spent, and UnreachableError without trying when the service was given up.
    """
    from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

    budget = settings.budget
    if reason := budget.given_up(service):
        raise UnreachableError(reason)
    state = budget.state(service)
    attempts = settings.attempts if state.failures == 0 else 1  # a failing service: one try each

    def paced() -> T:
        if (wait_for := state.not_before - time.monotonic()) > 0:
            time.sleep(wait_for)
        state.requests += 1
        try:
            return call()
        except TransientError as exc:
            if exc.retry_after is not None:
                state.not_before = time.monotonic() + min(exc.retry_after, settings.max_wait * 5)
            raise
        finally:
            state.not_before = max(state.not_before, time.monotonic() + delay)

    backoff = wait_random_exponential(multiplier=settings.backoff, max=settings.max_wait)

    def wait(retry_state: Any) -> float:
        # At least what the service asked for (Retry-After) or its delay; `paced` sleeps any rest.
        return max(backoff(retry_state), state.not_before - time.monotonic())

    def tell(retry_state: Any) -> None:
        if settings.notify is not None and retry_state.outcome is not None and retry_state.next_action:
            problem = _describe(retry_state.outcome.exception(), settings).removeprefix(f"{service}: ")
            settings.notify(f"{service}: {problem}; retrying in {retry_state.next_action.sleep:.0f} s "
                            f"(try {retry_state.attempt_number + 1} of {attempts})")

    retrying = Retrying(stop=stop_after_attempt(attempts), wait=wait, retry=retry_if_exception_type(_RETRIED),
                        before_sleep=tell, reraise=True)
    tries = f"after {attempts} tr{'y' if attempts == 1 else 'ies'}"
    try:
        result = retrying(paced)
    except PermanentError:
        state.failures = 0  # it answered: the service is up, the id is wrong
        raise
    except _RETRIED as exc:
        state.failures += 1
        state.reason = _describe(exc, settings)
        message = _describe(exc, settings, tries)
        if isinstance(exc, TransientError):
            raise type(exc)(message) from exc
        raise TransientError(message) from exc
    state.failures = 0
    return result
