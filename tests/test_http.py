"""The shared HTTP layer and the strict arXiv feed check, on their own (fault runs: tests/test_faults.py)."""

from __future__ import annotations

import email.utils
import time
from pathlib import Path

import pytest
import requests
from fakeserver import FeedPage, load_arxiv_records, render_arxiv_entry, render_arxiv_feed

from exporter.resolvers.arxiv import check_feed
from exporter.http import (PermanentError, Settings, TransientError, UnreachableError, retry_after,
                                     with_retries)

URL = "http://127.0.0.1:1/api/query?id_list=2110.08207&start=0&max_results=100"


def feed(ids: list[str]) -> bytes:
    """A feed as the fake arXiv serves it, from the real recorded records."""
    records = load_arxiv_records()
    entries = [render_arxiv_entry(records[i]) for i in ids]
    return render_arxiv_feed(FeedPage("", ",".join(ids), 0, 100), entries, len(entries))


def test_a_whole_feed_passes() -> None:
    check_feed(feed(["2110.08207", "2109.01652"]), URL)


def test_a_feed_cut_inside_the_author_list_is_refused() -> None:
    body = feed(["2110.08207"])  # 41 authors
    cut = body.index(b"<name>", body.index(b"<name>") + 1) + 40  # inside the second author's name
    with pytest.raises(TransientError, match="not well-formed XML"):
        check_feed(body[:cut], URL)


def test_a_feed_holding_fewer_entries_than_it_announces_is_refused() -> None:
    body = feed(["2110.08207", "2109.01652"])
    start, end = body.index(b"  <entry>"), body.index(b"</entry>") + len(b"</entry>\n")
    with pytest.raises(TransientError, match="holds 1 of the 2 records it announces"):
        check_feed(body[:start] + body[end:], URL)


def test_an_entry_without_authors_is_refused() -> None:
    body = feed(["2109.01652"])
    start, end = body.index(b"    <author>"), body.rindex(b"</author>\n") + len(b"</author>\n")
    with pytest.raises(TransientError, match="incomplete"):
        check_feed(body[:start] + body[end:], URL)


def test_an_empty_result_for_unknown_ids_is_a_whole_feed() -> None:
    check_feed(render_arxiv_feed(FeedPage("", "2401.00001", 0, 100), [], 0), URL)


def test_retry_after_reads_seconds_and_dates() -> None:
    assert retry_after("7") == 7.0
    assert retry_after(None) is None and retry_after("soon") is None
    now = time.time()
    assert retry_after(email.utils.formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)
    assert retry_after(email.utils.formatdate(now - 30, usegmt=True), now=now) == 0.0


def test_a_failing_service_gets_one_try_then_none() -> None:
    settings = Settings(attempts=3, backoff=0.001)
    calls: list[str] = []

    def down() -> None:
        calls.append("x")
        raise requests.ConnectionError("refused")

    with pytest.raises(TransientError, match=r"connection failed \(ConnectionError, after 3 tries\)"):
        with_retries(down, settings, "svc")
    assert len(calls) == 3
    for _ in range(2):  # after a failed request: one try each
        with pytest.raises(TransientError, match="after 1 try"):
            with_retries(down, settings, "svc")
    assert len(calls) == 5
    # Three failed requests in a row: given up, nothing asked any more, and it says why.
    with pytest.raises(UnreachableError, match=r"not fetched: svc is unreachable \(connection failed .*gave up "
                                               r"after 3 failed requests in a row\)"):
        with_retries(down, settings, "svc")
    assert len(calls) == 5
    # Another service is not affected.
    assert with_retries(lambda: "ok", settings, "other") == "ok"


def test_an_answer_resets_the_count() -> None:
    settings = Settings(attempts=2, backoff=0.001)
    outcomes = iter([requests.Timeout(), requests.Timeout(), PermanentError("404"), requests.Timeout(),
                     requests.Timeout(), "ok"])

    def call() -> str:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    with pytest.raises(TransientError):
        with_retries(call, settings, "svc")  # two tries, both time out
    with pytest.raises(PermanentError):
        with_retries(call, settings, "svc")  # one try: a 404 is an answer
    with pytest.raises(TransientError, match="after 2 tries"):
        with_retries(call, settings, "svc")  # full tries again
    assert with_retries(call, settings, "svc") == "ok"


def test_retry_after_sets_the_least_wait_and_each_retry_is_announced() -> None:
    told: list[str] = []
    settings = Settings(attempts=2, backoff=0.001, notify=told.append)
    outcomes = iter([TransientError("svc: HTTP 429", retry_after=1.0), "ok"])

    def call() -> str:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    start = time.monotonic()
    assert with_retries(call, settings, "svc") == "ok"
    assert time.monotonic() - start >= 1.0
    assert told == ["svc: HTTP 429; retrying in 1 s (try 2 of 2)"]


def test_outputs_go_beside_the_list_named_by_sources(committed_list: Path, tmp_path_factory: pytest.TempPathFactory,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from click.testing import CliRunner

    from exporter.cli import default_outputs, main

    assert default_outputs(Path("sources/papers.toml")) == Path("outputs")
    assert default_outputs(Path("/l/sources/papers.toml")) == Path("/l/outputs")
    assert default_outputs(Path("/l/mylist.toml")) == Path("/l/outputs")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.chdir(elsewhere)
    shutil.rmtree(committed_list / "outputs")
    result = CliRunner().invoke(main, ["--sources", str(committed_list / "sources" / "papers.toml"), "build",
                                       "--offline"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (committed_list / "outputs").iterdir()) == ["README.md", "refs.bib", "refs.json",
                                                                             "refs.ris"]
    assert list(elsewhere.iterdir()) == []
