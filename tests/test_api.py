"""The Python API (exporter.api), as the README shows it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fakeserver import FakeServices

from exporter.api import Settings, load
from exporter.errors import OfflineError, ResolveError

ROOT = Path(__file__).resolve().parent.parent


def test_records_and_formats_of_the_committed_list() -> None:
    papers = load(ROOT / "sources" / "papers.toml")
    records = papers.records()
    assert len(records) == 67 and records[1].id == "wei2021finetuned"
    assert records[1].title == "Finetuned Language Models are Zero-Shot Learners"  # its ICLR 2022 record (DBLP)
    for fmt, name in (("bibtex", "refs.bib"), ("csljson", "refs.json"), ("ris", "refs.ris"), ("markdown", "README.md")):
        assert papers.render(fmt) == (ROOT / "outputs" / name).read_text(encoding="utf-8"), fmt
    assert papers.render("hayagriva").startswith('"mishra2022cross":\n')


def test_resolve_and_write_outputs(tmp_path: Path, fake_services: FakeServices) -> None:
    shutil.copytree(ROOT / "sources", tmp_path / "sources")
    (tmp_path / "sources" / "papers.lock.json").unlink()
    papers = load(tmp_path / "sources" / "papers.toml")
    with pytest.raises(OfflineError, match=r"entry 1 \(arxiv:2104\.08773\): not in the lock"):
        papers.records()
    settings = Settings(arxiv_url=fake_services.arxiv_url, acl_url=fake_services.acl_url, dblp_url=fake_services.dblp_url,
                        delay=0, dblp_delay=0, backoff=0.01)
    report = papers.resolve(settings)
    assert report.fetched == {"arxiv": 67, "acl": 26, "dblp": 9} and len(report.upgraded) == 25 + 9
    # The lock is saved as the command line saves it: the committed one.
    assert (tmp_path / "sources" / "papers.lock.json").read_bytes() == (ROOT / "sources" / "papers.lock.json").read_bytes()
    changed = papers.write_outputs(tmp_path / "outputs")
    assert all(changed.values()) and len(changed) == 4
    for path in changed:
        assert path.read_bytes() == (ROOT / "outputs" / path.name).read_bytes()
    assert not any(papers.write_outputs(tmp_path / "outputs").values())  # unchanged: not rewritten


def test_a_failing_entry_is_an_error_naming_it(tmp_path: Path, fake_services: FakeServices) -> None:
    shutil.copytree(ROOT / "sources", tmp_path / "sources")
    path = tmp_path / "sources" / "papers.toml"
    path.write_text(path.read_text(encoding="utf-8") + '\n[[papers]]\narxiv = "2401.00001"\n', encoding="utf-8")
    papers = load(path)
    settings = Settings(arxiv_url=fake_services.arxiv_url, acl_url=fake_services.acl_url, dblp_url=fake_services.dblp_url,
                        delay=0, dblp_delay=0, backoff=0.01,
                        attempts=1)
    with pytest.raises(ResolveError, match=r"papers\.toml:235: entry 68 \(arxiv:2401\.00001\): not resolved"):
        papers.resolve(settings)
    assert "2401.00001" not in papers.lock.arxiv and len(papers.lock.arxiv) == 67
