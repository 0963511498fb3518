"""Published versions: arXiv preprints matched to their ACL Anthology version in the full dump.

The test dump (tests/fixtures/anthology-dump/) holds the real Anthology records of
tests/fixtures/acl-anthology/papers.xml among thousands of real DBLP distractors and
near misses (same title words with other authors, same authors with another paper).
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakeserver import FakeServices

from exporter import anthology
from exporter.cli import main
from exporter.lock import Lock
from exporter.app import resolve
from exporter.http import Settings
from exporter.finders.scoring import decide, title_similarity, venue_label
from exporter.sources import load

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
LOCK = json.loads((ROOT / "sources" / "papers.lock.json").read_text())


def truth() -> dict[str, str]:
    """arXiv id -> Anthology id, from the table in the Anthology fixture's README (reference truth)."""
    rows = re.findall(r"^\| ([0-9]{4}\.[^ ]+) \| ([0-9]{4}\.[0-9]{4,5}) \|", (FIXTURES / "acl-anthology" / "README.md").read_text(), re.M)
    return {arxiv: acl for acl, arxiv in rows}


@pytest.fixture(scope="module")
def index() -> anthology.Index:
    text = gzip.open(FIXTURES / "anthology-dump" / "anthology.bib.gz", "rt", encoding="utf-8").read()
    return anthology.build_index(anthology.parse_dump(text))


def test_every_seed_paper_gets_exactly_its_anthology_version(index: anthology.Index) -> None:
    expected = truth()
    assert len(expected) == 26
    got = {}
    for arxiv_id, record in LOCK["records"]["arxiv"].items():
        decision = decide(record, index)
        if decision.match:
            got[arxiv_id] = decision.match.paper.id
    assert got == expected  # recall and precision 100% on the 67 seed papers


def test_near_misses_are_reported_never_applied(index: anthology.Index) -> None:
    decision = decide(LOCK["records"]["arxiv"]["2212.10560"], index)
    assert decision.match is not None and decision.match.paper.id == "2023.acl-long.754"
    assert decision.doubtful and all(not c.confident for c in decision.doubtful)
    assert all("nearmiss" in c.paper.id for c in decision.doubtful)
    # The same title with other authors alone is never confident.
    alone = dict(LOCK["records"]["arxiv"]["2212.10560"], authors=["Someone Else", "Another Person"])
    decision = decide(alone, index)
    assert decision.match is None and decision.doubtful[0].title == 1.0


def test_a_retitled_paper_matches_on_authors_and_close_title(index: anthology.Index) -> None:
    record = dict(LOCK["records"]["arxiv"]["2212.10560"], title="Self-Instruct: Aligning Language Model with Self Generated Instructions")
    decision = decide(record, index)
    assert decision.match is not None and decision.match.paper.id == "2023.acl-long.754"


def test_arxiv_doi_and_journal_ref_are_evidence(index: anthology.Index) -> None:
    record = dict(LOCK["records"]["arxiv"]["2212.10560"], title="Something else entirely", doi="10.18653/v1/2023.acl-long.754")
    decision = decide(record, index)
    assert decision.match is not None and decision.match.evidence == "doi"
    weak = dict(LOCK["records"]["arxiv"]["2212.10560"], title="Self-Instruct: Aligning Language Models to Instructions They Generate Themselves")
    assert decide(weak, index).match is None
    vouched = dict(weak, journal_ref="ACL 2023")
    match = decide(vouched, index).match
    assert match is not None and match.journal_ref and match.paper.id == "2023.acl-long.754"


def test_a_paper_outside_the_year_window_is_not_matched(index: anthology.Index) -> None:
    record = dict(LOCK["records"]["arxiv"]["2212.10560"], published="2015-01-01T00:00:00Z")
    assert decide(record, index).match is None


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        ("self instruct aligning language model with self generated instructions",
         "self instruct aligning language models with self generated instructions", 0.98, 1.0),
        ("finetuned language models are zero shot learners", "finetuned language models are zero shot learners", 1.0, 1.0),
        ("finetuned language models are zero shot learners", "training language models to follow instructions", 0.0, 0.6),
    ],
)
def test_title_similarity(a: str, b: str, low: float, high: float) -> None:
    assert low <= title_similarity(a, b) <= high


@pytest.mark.parametrize(
    ("anthology_id", "label"),
    [
        ("2023.acl-long.754", "ACL 2023"),
        ("2023.findings-acl.50", "Findings of ACL 2023"),
        ("2022.findings-emnlp.192", "Findings of EMNLP 2022"),
        ("2022.emnlp-main.33", "EMNLP 2022"),
        ("2024.naacl-long.365", "NAACL 2024"),
        ("2023.bsnlp-1.12", "BSNLP 2023"),
        ("P19-1001", "ACL 2019"),
        ("W18-5446", "Workshop 2018"),
        ("D99-1001", "EMNLP 1999"),
    ],
)
def test_venue_label(anthology_id: str, label: str) -> None:
    assert venue_label(anthology_id) == label


def settings(svc: FakeServices) -> Settings:
    return Settings(arxiv_url=svc.arxiv_url, acl_url=svc.acl_url, dblp_url=svc.dblp_url, delay=0, dblp_delay=0,
                    timeout=5, attempts=2, backoff=0.01)


def test_resolve_upgrades_the_seed_papers_and_respects_opt_outs(
    fake_services: FakeServices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXPORTER_CACHE_DIR", str(tmp_path / "cache"))
    sources = load(ROOT / "sources" / "papers.toml")
    lock = Lock()
    report = resolve(sources, lock, settings(fake_services))
    expected = {k: v for k, v in truth().items() if k != "2104.08773"}  # entry 1 names its Anthology id itself
    assert {e.arxiv.id: f.ident.id for e, name, f in report.upgraded if e.arxiv and name == "acl"} == expected
    # DBLP looks at the preprints the Anthology did not match (tests/test_dblp.py checks what it finds).
    assert report.checked == {"acl": 66, "dblp": 66 - 25} and report.failures == {}
    assert {k.removeprefix("arxiv:"): v["match"]["id"] for k, v in lock.published.items()
            if v["match"] and v["match"]["finder"] == "acl"} == expected
    assert set(expected.values()) <= set(lock.acl)
    dumps = [r for r in fake_services.requests if r.path == "/anthology.bib.gz"]
    assert len(dumps) == 1
    # Checked entries are not checked again; the dump is not even fetched.
    assert resolve(sources, lock, settings(fake_services)).checked == {}
    assert len([r for r in fake_services.requests if r.path == "/anthology.bib.gz"]) == 1
    # Per entry: upgrade = false.
    entries = tuple(replace(e, upgrade=False) if e.arxiv and e.arxiv.id == "2212.10560" else e for e in sources.entries)
    report = resolve(replace(sources, entries=entries), lock, settings(fake_services), refresh=True)
    assert "2212.10560" not in {e.arxiv.id for e, _, _ in report.upgraded if e.arxiv}
    assert report.checked == {"acl": 65, "dblp": 65 - 24}
    # Per run: --no-upgrade checks nothing.
    assert resolve(sources, Lock(), settings(fake_services), upgrade=False).checked == {}


def test_resolve_refresh_then_offline_build_use_the_published_versions(
    fake_services: FakeServices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "sources", tmp_path / "sources")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EXPORTER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("EXPORTER_ARXIV_URL", fake_services.arxiv_url)
    monkeypatch.setenv("EXPORTER_ACL_URL", fake_services.acl_url)
    monkeypatch.setenv("EXPORTER_ARXIV_DELAY", "0")
    result = CliRunner().invoke(main, ["resolve", "--refresh"])
    assert result.exit_code == 0, result.output
    assert "published versions: 34 upgraded" in result.stderr  # 25 by the Anthology, 9 by DBLP
    assert re.search(r"upgraded +arxiv:2212\.10560 +acl:2023\.acl-long\.754 +ACL 2023 +acl: score 1\.00", result.stderr)
    monkeypatch.setenv("EXPORTER_ARXIV_URL", "http://127.0.0.1:9/api/query")  # no network from here on
    monkeypatch.setenv("EXPORTER_ACL_URL", "http://127.0.0.1:9")
    result = CliRunner().invoke(main, ["build", "--offline"])
    assert result.exit_code == 0, result.output
    bib = (tmp_path / "outputs" / "refs.bib").read_text()
    assert len(re.findall(r"^@inproceedings\{", bib, re.M)) == 26 + 8  # and JMLR's @article, from DBLP
    readme = (tmp_path / "outputs" / "README.md").read_text()
    assert "[[paper]](https://arxiv.org/abs/2212.10560) 2022.12 *ACL 2023*" in readme
    # The committed outputs are exactly these.
    for name in ("refs.bib", "refs.json", "refs.ris", "README.md"):
        assert (tmp_path / "outputs" / name).read_text() == (ROOT / "outputs" / name).read_text(), name


def test_finders_are_chosen_in_the_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """[list] finders: [] switches published versions off (the matches stay in the lock, unused); a name
    no finder has is named at its line."""
    shutil.copytree(ROOT / "sources", tmp_path / "sources")
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "sources" / "papers.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('section = "Papers"\n', 'section = "Papers"\nfinders = []\n', 1), encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--offline"])
    assert result.exit_code == 0, result.output
    bib = (tmp_path / "outputs" / "refs.bib").read_text()
    assert len(re.findall(r"^@inproceedings\{", bib, re.M)) == 1  # entry 1 names its Anthology id itself
    path.write_text(text.replace('section = "Papers"\n', 'section = "Papers"\nfinders = ["acl", "scholar"]\n', 1),
                    encoding="utf-8")
    monkeypatch.setenv("EXPORTER_ARXIV_URL", "http://127.0.0.1:9/api/query")
    result = CliRunner().invoke(main, ["resolve"])
    assert result.exit_code == 1
    assert result.stderr == ("Error: sources/papers.toml:16: [list]: no published-version finder 'scholar'; "
                             "choose from acl, dblp\n")
