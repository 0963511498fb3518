"""Resolvers over real HTTP against the local fake arXiv API and Anthology (tests/fakeserver.py)."""

from __future__ import annotations

import time
from typing import Any
from dataclasses import replace
from pathlib import Path

import pytest
from fakeserver import FakeServices

from exporter.lock import Lock
from exporter.app import resolve
from exporter.http import Settings
from exporter.resolvers import acl, arxiv
from exporter.sources import load

ROOT = Path(__file__).parent.parent


def settings(svc: FakeServices, **changes: float) -> Settings:
    base = Settings(arxiv_url=svc.arxiv_url, acl_url=svc.acl_url, delay=0, timeout=5, attempts=4, backoff=0.01)
    return replace(base, **changes)


def arxiv_requests(svc: FakeServices) -> list[dict[str, str]]:
    return [r.query for r in svc.requests if r.path.startswith("/api/query")]


def test_the_67_seed_papers_cost_one_arxiv_request(fake_services: FakeServices) -> None:
    sources = load(ROOT / "sources" / "papers.toml")
    lock = Lock()
    report = resolve(sources, lock, settings(fake_services), prune=True)
    queries = arxiv_requests(fake_services)
    assert len(queries) == 1
    assert len(queries[0]["id_list"].split(",")) == 67
    assert queries[0]["max_results"] == "100"
    assert report.failures == {}
    # 1 Anthology record named in the TOML, 25 published versions found in the dump.
    assert report.fetched == {"arxiv": 67, "acl": 26}
    assert len(lock.arxiv) == 67 and len(lock.acl) == 26 and "2022.acl-long.244" in lock.acl
    assert len(set(lock.keys.values())) == 67
    # Nothing is missing any more: a second run asks nothing.
    before = len(fake_services.requests)
    assert resolve(sources, lock, settings(fake_services)).total_fetched == 0
    assert len(fake_services.requests) == before


def test_ids_are_batched_by_100_and_unknown_ids_are_reported(fake_services: FakeServices) -> None:
    known = list(fake_services.arxiv)
    unknown = [f"2401.{n:05d}" for n in range(1, 134)]  # well-formed, absent from the data
    ids = known + unknown  # 200 ids
    started = time.monotonic()
    found: dict[str, dict[str, object]] = {}
    failures = arxiv.fetch(ids, settings(fake_services, delay=0.2, attempts=2), found)
    elapsed = time.monotonic() - started
    queries = arxiv_requests(fake_services)
    # The second batch holds only unknown ids: its empty answer looks like arXiv's flaky
    # empty pages, so it is tried once more (attempts=2) before its ids are reported.
    assert [len(q["id_list"].split(",")) for q in queries] == [100, 100, 100]
    assert queries[1] == queries[2]
    assert set(found) == set(known)
    assert set(failures) == set(unknown)
    first_batch_unknown = set(unknown[:33])
    assert all("arXiv returned no record" in failures[i] for i in first_batch_unknown)
    assert all(
        failures[i] == "arXiv returned no record for this id (after 2 tries); check it on arxiv.org"
        for i in set(unknown) - first_batch_unknown
    )
    assert elapsed >= 0.2  # the second request waited the configured delay


def test_versioned_ids_resolve_to_that_version(fake_services: FakeServices) -> None:
    found: dict[str, dict[str, object]] = {}
    failures = arxiv.fetch(["2109.01652v2", "2110.08207"], settings(fake_services), found)
    assert failures == {}
    assert found["2109.01652v2"]["id"] == "2109.01652"
    assert found["2109.01652v2"]["version"] == 2
    assert found["2110.08207"]["title"].startswith("Multitask Prompted Training")


@pytest.mark.parametrize("faults", [["429"], ["503", "500"], ["empty"], ["timeout"], ["truncate"],
                                    ["429", "empty", "503"]])
def test_transient_faults_are_retried(fake_services: FakeServices, faults: list[str]) -> None:
    fake_services.faults.extend(faults)
    fake_services.hang_seconds = 1.5
    found: dict[str, dict[str, object]] = {}
    failures = arxiv.fetch(["2109.01652", "2110.08207"], settings(fake_services, timeout=0.5), found)
    assert failures == {}
    assert set(found) == {"2109.01652", "2110.08207"}
    assert len(arxiv_requests(fake_services)) == len(faults) + 1


def test_exhausted_retries_are_reported_per_id_and_nothing_resolved_is_lost(fake_services: FakeServices) -> None:
    sources = load(ROOT / "sources" / "papers.toml")
    lock = Lock()
    resolve(sources, lock, settings(fake_services))
    resolved = dict(lock.arxiv)
    fake_services.faults.extend(["429"] * 3)
    report = resolve(sources, lock, settings(fake_services, attempts=3), refresh=True)
    assert len(report.failures) == 67
    assert report.failures["entry 2 (arxiv:2109.01652)"] == "arXiv API: HTTP 429 (after 3 tries)"
    assert lock.arxiv == resolved  # the earlier records are still there


def test_acl_bibtex_export_is_parsed_into_the_lock(fake_services: FakeServices) -> None:
    found: dict[str, dict[str, object]] = {}
    failures = acl.fetch(["2022.acl-long.244", "2023.acl-long.754", "P19-1001"], settings(fake_services), found)
    assert failures == {"P19-1001": "not in the ACL Anthology (HTTP 404); check the id"}
    record: dict[str, Any] = found["2023.acl-long.754"]  # type: ignore[assignment]
    assert record["entrytype"] == "inproceedings"
    assert record["key"] == "wang-etal-2023-self-instruct"
    assert record["fields"]["doi"] == "10.18653/v1/2023.acl-long.754"
    assert record["fields"]["title"].startswith("Self-Instruct")
    assert [r.path for r in fake_services.requests] == [
        "/2022.acl-long.244.bib", "/2023.acl-long.754.bib", "/P19-1001.bib"
    ]


def test_acl_faults_are_retried(fake_services: FakeServices) -> None:
    fake_services.faults.extend(["503", "truncate"])
    found: dict[str, dict[str, object]] = {}
    failures = acl.fetch(["2022.acl-long.244"], settings(fake_services), found)
    assert failures == {} and "2022.acl-long.244" in found
    assert len(fake_services.requests) == 3


def test_a_request_that_hangs_is_cut_by_the_timeout(fake_services: FakeServices) -> None:
    fake_services.faults.append("timeout")
    fake_services.hang_seconds = 30  # far longer than the client's timeout
    found: dict[str, dict[str, object]] = {}
    started = time.monotonic()
    failures = arxiv.fetch(["2109.01652"], settings(fake_services, timeout=0.5), found)
    assert time.monotonic() - started < 10
    assert failures == {} and "2109.01652" in found
    assert len(arxiv_requests(fake_services)) == 2


def test_resolve_keeps_what_other_entries_need_and_prune_drops_the_rest(fake_services: FakeServices) -> None:
    sources = load(ROOT / "sources" / "papers.toml")
    lock = Lock()
    resolve(sources, lock, settings(fake_services))
    shorter = replace(sources, entries=sources.entries[1:])
    resolve(shorter, lock, settings(fake_services))  # as 'build' does: nothing dropped
    assert "2104.08773" in lock.arxiv and "arxiv:2104.08773" in lock.keys
    resolve(shorter, lock, settings(fake_services), prune=True)  # as 'resolve' does
    assert "2104.08773" not in lock.arxiv and "2022.acl-long.244" not in lock.acl
    assert "arxiv:2104.08773" not in lock.keys and len(lock.keys) == 66


def test_an_entry_with_two_failing_ids_reports_both(fake_services: FakeServices, tmp_path: Path) -> None:
    path = tmp_path / "papers.toml"
    path.write_text('[[papers]]\nacl = "P19-1001"\narxiv = "2109.99999"\n')
    report = resolve(load(path), Lock(), settings(fake_services, attempts=1))
    assert report.failures == {
        "entry 1 (arxiv:2109.99999)": "arxiv: arXiv returned no record for this id (after 1 try); check it on arxiv.org; "
        "acl: not in the ACL Anthology (HTTP 404); check the id"
    }


def test_requests_name_this_tool(fake_services: FakeServices) -> None:
    found: dict[str, dict[str, object]] = {}
    arxiv.fetch(["2109.01652"], settings(fake_services), found)
    acl.fetch(["2022.acl-long.244"], settings(fake_services), found)
    assert all(r.headers["user-agent"].startswith("exporter/") for r in fake_services.requests)


def test_answers_cut_off_every_time_are_reported_not_raised(fake_services: FakeServices) -> None:
    fake_services.faults.extend(["truncate"] * 2)
    found: dict[str, dict[str, object]] = {}
    failures = arxiv.fetch(["2109.01652"], settings(fake_services, attempts=2), found)
    assert failures == {"2109.01652": "answer cut off (ChunkedEncodingError, after 2 tries)"} and found == {}


def test_a_pinned_version_arxiv_does_not_return_is_an_error(fake_services: FakeServices,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    import fakeserver

    found: dict[str, Any] = {}
    # As the fake answers (like arXiv for an id it does not know): no entry for v99.
    assert arxiv.fetch(["2109.01652v99"], settings(fake_services, attempts=1), found) == {
        "2109.01652v99": "arXiv returned no record for this id (after 1 try); check it on arxiv.org"}
    # A service that answers with another version (the latest, v5) instead: refused, not stored.
    record = fake_services.arxiv["2109.01652"]
    # (monkeypatch: the fake's records are shared by every FakeServices of the process)
    monkeypatch.setitem(fake_services.arxiv, "2109.01652", dataclasses.replace(record, latest_version=99))
    real = fakeserver.render_arxiv_entry
    monkeypatch.setattr(fakeserver, "render_arxiv_entry",
                        lambda rec, version=None: real(dataclasses.replace(rec, latest_version=5)))
    failures = arxiv.fetch(["2109.01652v99", "2109.01652v3"], settings(fake_services), found)
    assert failures == {
        "2109.01652v99": "arXiv has no version v99 of 2109.01652 (it returned v5); fix the version or drop it to "
                         "follow the latest",
        "2109.01652v3": "arXiv has no version v3 of 2109.01652 (it returned v5); fix the version or drop it to "
                        "follow the latest"}
    assert found == {}
