"""DBLP: keys as identifiers, records as records, and the published-version finder against the stand-in.

The stand-in (tests/fakedblp.py) searches the 9 real DBLP records of tests/fixtures/dblp/records.bib
among the 100,000 real DBLP entries of ../shared/data/corpus/dblp-sample-100k.bib.gz and DBLP's CoRR
entry of every seed paper; the truth (arXiv id -> DBLP key) is the `% arXiv ... -> DBLP:...` comment
that precedes each recorded record.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from fakeserver import FakeServices

import fakedblp
from exporter import app
from exporter.errors import IdentifierError
from exporter.finders import dblp as finder
from exporter.finders.scoring import decide
from exporter.http import Settings, TransientError
from exporter.ids import Identifier, parse_id
from exporter.lock import Lock
from exporter.model import from_dblp
from exporter.resolvers.bibtex_export import parse_bibtex
from exporter.sources import load
from exporter.venues import dblp as dblp_label
from exporter.writers import write

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
RECORDS = (FIXTURES / "dblp" / "records.bib").read_text(encoding="utf-8")
SEED = {json.loads(line)["arxiv_id"]: json.loads(line)
        for line in (FIXTURES / "arxiv" / "seed-papers.jsonl").read_text(encoding="utf-8").splitlines()}


def truth() -> dict[str, str]:
    """arXiv id -> DBLP key of the 9 recorded published versions."""
    return dict(re.findall(r"^% arXiv ([0-9.]+) -> DBLP:(\S+)$", RECORDS, re.M))


def recorded(key: str) -> dict:
    """The lock record of one recorded DBLP record, as the resolver keeps it."""
    entry = next(e for e in fakedblp.recorded() if e.key == key)
    return parse_bibtex(entry.bibtex, key, "DBLP")


def arxiv_record(arxiv_id: str, **changes: object) -> dict:
    """A seed paper's arXiv record shaped as the arXiv resolver keeps it in the lock."""
    raw = SEED[arxiv_id]
    record = {"id": arxiv_id, "title": raw["title"], "authors": raw["authors"], "abstract": raw.get("abstract"),
              "published": raw.get("published") or f"20{arxiv_id[:2]}-{arxiv_id[2:4]}-01T00:00:00Z",
              "primary_category": raw.get("primary_category"), "doi": None, "journal_ref": None}
    return {**record, **changes}


def hit(entry_key: str, title: str, authors: list[str], year: int) -> finder.Hit:
    return finder.Hit(entry_key, title, tuple(authors), year, "Conference and Workshop Papers", "")


def settings(svc: FakeServices, **changes: object) -> Settings:
    return Settings(**{"arxiv_url": svc.arxiv_url, "acl_url": svc.acl_url, "dblp_url": svc.dblp_url, "delay": 0,
                       "dblp_delay": 0, "timeout": 5, "attempts": 2, "backoff": 0.01, **changes})


# --- keys -------------------------------------------------------------------------------------


@pytest.mark.parametrize("given", [
    "conf/iclr/WeiBZGYLDDL22",
    "DBLP:conf/iclr/WeiBZGYLDDL22",
    "https://dblp.org/rec/conf/iclr/WeiBZGYLDDL22",
    "https://dblp.org/rec/conf/iclr/WeiBZGYLDDL22.html",
    "https://dblp.org/rec/conf/iclr/WeiBZGYLDDL22.bib",
    "https://dblp.org/rec/conf/iclr/WeiBZGYLDDL22.xml",
    "https://dblp.org/rec/conf/iclr/WeiBZGYLDDL22.bib?param=1",
    "http://dblp.uni-trier.de/rec/bibtex/conf/iclr/WeiBZGYLDDL22",
    "https://dblp.uni-trier.de/rec/conf/iclr/WeiBZGYLDDL22.html",
    "dblp.org/rec/conf/iclr/WeiBZGYLDDL22",
])
def test_every_form_of_a_dblp_key(given: str) -> None:
    assert parse_id(given) == Identifier("dblp", "conf/iclr/WeiBZGYLDDL22")


def test_journal_keys_and_corr_entries() -> None:
    assert parse_id("DBLP:journals/jmlr/ChungHLZTFL00BW24") == Identifier("dblp", "journals/jmlr/ChungHLZTFL00BW24")
    # DBLP's entry for an arXiv paper names the arXiv paper.
    assert parse_id("https://dblp.org/rec/journals/corr/abs-2109-01652.html") == Identifier("arxiv", "2109.01652")
    assert parse_id("DBLP:journals/corr/abs-2109-01652") == Identifier("arxiv", "2109.01652")


@pytest.mark.parametrize("given", ["conf/iclr", "https://dblp.org/pid/12/3456.html", "https://dblp.org/search?q=flan",
                                   "https://dblp.org/db/conf/iclr/iclr2022.html", "DBLP:", "foo/iclr/Wei22"])
def test_what_is_no_dblp_key(given: str) -> None:
    with pytest.raises(IdentifierError):
        parse_id(given, "dblp")


# --- records ----------------------------------------------------------------------------------


def test_recorded_records_become_venue_records() -> None:
    iclr = from_dblp(recorded("conf/iclr/WeiBZGYLDDL22"))
    assert iclr.type == "paper-conference" and iclr.title == "Finetuned Language Models are Zero-Shot Learners"
    assert iclr.container_title.startswith("The Tenth International Conference on Learning Representations, ICLR 2022")
    assert iclr.publisher == "OpenReview.net" and iclr.URL == "https://openreview.net/forum?id=gEZrGCozdqR"
    assert [n.family for n in iclr.author][:3] == ["Wei", "Bosma", "Zhao"] and iclr.issued == (2022,)
    jmlr = from_dblp(recorded("journals/jmlr/ChungHLZTFL00BW24"))
    assert jmlr.type == "article-journal" and jmlr.container_title == "J. Mach. Learn. Res."
    assert (jmlr.volume, jmlr.page) == ("25", "70:1-70:53")
    nips = from_dblp(recorded("conf/nips/Ouyang0JAWMZASR22"))
    assert "\\_" not in nips.URL and "paper_files" in nips.URL  # DBLP escapes _ in url fields
    # DBLP's bookkeeping fields stay in the lock, never in the outputs.
    for fmt in ("bibtex", "csljson", "ris", "hayagriva"):
        text = write(fmt, [replace(nips, id="ouyang2022")])
        assert "timestamp" not in text and "biburl" not in text and "dblp computer science" not in text


def test_disambiguation_numbers_are_dropped() -> None:
    record = recorded("conf/nips/Ouyang0JAWMZASR22")
    # DBLP tells namesakes apart by a number: "Jeffrey Wu 0001" (the key's "0" stands for it).
    record["fields"]["author"] = record["fields"]["author"].replace("Jeffrey Wu and", "Jeffrey Wu 0001 and")
    names = [(n.given, n.family) for n in from_dblp(record).author]
    assert ("Jeffrey", "Wu") in names and not any("0001" in g + f for g, f in names)


@pytest.mark.parametrize("key, year, label", [
    ("conf/iclr/WeiBZGYLDDL22", 2022, "ICLR 2022"), ("conf/nips/Ouyang0JAWMZASR22", 2022, "NeurIPS 2022"),
    ("conf/icml/WanWSK23", 2023, "ICML 2023"), ("journals/jmlr/ChungHLZTFL00BW24", 2024, "JMLR 2024"),
    ("journals/tmlr/Foo23", 2023, "TMLR 2023"), ("conf/mm/Bar23", 2023, "ACM MM 2023"),
    ("conf/somenewconf/Baz24", 2024, "SOMENEWCONF 2024"),
])
def test_venue_labels(key: str, year: int, label: str) -> None:
    assert dblp_label(key, year) == label


# --- the search API -----------------------------------------------------------------------------


def test_search_answers_in_both_author_shapes() -> None:
    bodies = json.loads((FIXTURES / "dblp" / "search-api-example.json").read_text(encoding="utf-8"))
    small = finder.parse_hits(json.dumps(bodies["small"]).encode())
    single = finder.parse_hits(json.dumps(bodies["single"]).encode())
    assert len(small[0].families) == 5 and single[0].families == ("Tsuyoshi Shinogi",)
    assert small[0].year == 2005 and small[0].doi == "10.1109/ats.2005.17"
    none = {"result": {"hits": {"@total": "0", "@computed": "0", "@sent": "0", "@first": "0"}}}
    assert finder.parse_hits(json.dumps(none).encode()) == []


@pytest.mark.parametrize("body", [b"", b"<html>busy</html>", b'{"result": {}}',
                                  b'{"result": {"hits": {"@total": "3"}}}', b'{"result": {"hits": {"@total": "1",'])
def test_a_malformed_search_answer_is_a_failure(body: bytes) -> None:
    with pytest.raises(TransientError):
        finder.parse_hits(body)


def test_queries_survive_words_spelled_differently() -> None:
    # DBLP spells it "Towards Building the FederatedGPT": "federated" still matches, "gpt" is not asked.
    first, *_ = finder.queries("Towards Building the Federated GPT: Federated Instruction Tuning", "Jianyi Zhang")
    assert "gpt" not in first.split() and "federated" in first.split()
    # Of "Zero-Shot" only "zero" is asked: it matches "Zeroshot" too.
    first, *_ = finder.queries("Finetuned Language Models Are Zero-Shot Learners", "Jason Wei")
    assert "zero" in first.split() and "shot" not in first.split()
    # The subtitle may be dropped on DBLP: only the main title's words are asked when it has enough.
    first, *_ = finder.queries("Unnatural Instructions: Tuning Language Models with (Almost) No Human Labor",
                               "Or Honovich")
    assert set(first.split()) <= {"unnatural", "instructions", "honovich"}


def test_the_stand_in_is_a_word_search(fake_services: FakeServices) -> None:
    import requests

    def search(q: str) -> dict:
        url = fake_services.dblp_url + "/search/publ/api"
        return requests.get(url, params={"q": q, "format": "json", "h": 1000}, timeout=30).json()["result"]["hits"]

    assert int(search("language models")["@total"]) > 100  # distractors, not a lookup of the answer
    flan = [h["info"]["key"] for h in search("finetuned language zero learners")["hit"]]
    assert flan == ["conf/iclr/WeiBZGYLDDL22", "journals/corr/abs-2109-01652"]
    assert [h["info"]["key"] for h in search("finetun zero learn wei")["hit"]][0] == "conf/iclr/WeiBZGYLDDL22"
    assert "hit" not in search("finetuned languagemodels zero learners")  # every word must match


# --- deciding -------------------------------------------------------------------------------------


def test_retitled_paper_with_the_same_authors_is_matched() -> None:
    """WizardLM's DBLP (ICLR 2024) title adds "Pre-Trained" (the title as the issue quotes it)."""
    record = arxiv_record("2304.12244")
    dblp_hit = hit("conf/iclr/XuSZGZFTLJ24",
                   "WizardLM: Empowering Large Pre-Trained Language Models to Follow Complex Instructions.",
                   record["authors"], 2024)
    decision = decide(record, finder._Hits([dblp_hit]))
    assert decision.match is not None and decision.match.paper.id == "conf/iclr/XuSZGZFTLJ24"


@pytest.mark.parametrize("arxiv_id, title, authors, year", [
    # Same authors, another paper (titles as the issue names them).
    ("2304.08485", "Improved Baselines with Visual Instruction Tuning.",
     ["Haotian Liu", "Chunyuan Li", "Yuheng Li", "Yong Jae Lee"], 2024),
    ("2304.15010", "LLaMA-Adapter: Efficient Fine-tuning of Large Language Models with Zero-initialized Attention.",
     ["Renrui Zhang", "Jiaming Han", "Chris Liu", "Aojun Zhou", "Pan Lu", "Yu Qiao", "Hongsheng Li", "Peng Gao"], 2024),
])
def test_same_authors_another_title_is_never_matched(arxiv_id: str, title: str, authors: list[str], year: int) -> None:
    decision = decide(arxiv_record(arxiv_id), finder._Hits([hit("conf/x/Y24", title, authors, year)]))
    assert decision.match is None


def test_near_misses_from_real_records_are_never_matched() -> None:
    def real(key: str) -> finder.Hit:
        entry = next(e for e in fakedblp.build_index((), None).entries if e.key == key)
        return hit(key, fakedblp.plain(entry.fields["title"]), list(entry.authors), int(entry.year))

    # The group's other paper: Flipped Learning (ICLR 2023) for their prefix-prompt paper.
    assert decide(arxiv_record("2302.14691"), finder._Hits([real("conf/iclr/YeKJSS23")])).match is None
    # Same authors, another title: the Flan Collection against Flan-T5's JMLR record, and back.
    assert decide(arxiv_record("2301.13688"), finder._Hits([real("journals/jmlr/ChungHLZTFL00BW24")])).match is None
    assert decide(arxiv_record("2210.11416"), finder._Hits([real("conf/icml/LongpreHVWCTZLZ23")])).match is None
    # Same title, other authors: FLAN's title with T0's authors.
    other = arxiv_record("2109.01652", authors=SEED["2110.08207"]["authors"])
    decision = decide(other, finder._Hits([real("conf/iclr/WeiBZGYLDDL22")]))
    assert decision.match is None and decision.doubtful  # reported, not applied


def test_a_doi_named_by_arxiv_is_evidence(fake_services: FakeServices) -> None:
    matcher = finder.open_matcher(settings(fake_services))
    record = arxiv_record("2305.00944", doi="10.1234/not-on-dblp")
    assert matcher.decide(record).match.ident.id == "conf/icml/WanWSK23"  # by title and authors


# --- resolve ------------------------------------------------------------------------------------


def test_seed_list_finds_exactly_the_recorded_published_versions(
    fake_services: FakeServices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = load(ROOT / "sources" / "papers.toml")
    lock = Lock()
    report = app.resolve(sources, lock, settings(fake_services))
    found = {e.ids["arxiv"].id: f.ident.id for e, name, f in report.upgraded if name == "dblp"}
    assert found == truth()  # the 9, nothing else: no CoRR entry, no false match
    acl = [e for e, name, _ in report.upgraded if name == "acl"]
    assert len(acl) == 25  # the Anthology finder's, as before (entry 1 names its Anthology id)
    unmatched = report.checked["dblp"]
    assert unmatched == 66 - len(acl)
    # One search per preprint no earlier finder matched, one record per match.
    assert len(fake_services.dblp_searches) == unmatched and len(fake_services.dblp_records) == 9
    assert report.requests["DBLP"] == unmatched + 9
    assert set(lock.of("dblp")) == set(truth().values())
    assert lock.published["arxiv:2109.01652"]["match"]["finder"] == "dblp"
    # A second run asks DBLP nothing; --refresh checks again.
    before = len(fake_services.requests)
    again = app.resolve(sources, lock, settings(fake_services))
    assert again.checked == {} and len(fake_services.dblp_searches) + len(fake_services.dblp_records) == unmatched + 9
    assert len(fake_services.requests) == before
    refreshed = app.resolve(sources, lock, settings(fake_services), refresh=True)
    assert {e.ids["arxiv"].id for e, name, _ in refreshed.upgraded if name == "dblp"} == set(truth())


def test_a_finder_can_be_switched_off(fake_services: FakeServices) -> None:
    sources = load(ROOT / "sources" / "papers.toml")
    report = app.resolve(sources, Lock(), settings(fake_services), finders=["acl"])
    assert "dblp" not in report.checked and not fake_services.dblp_searches


def test_dblp_down_keeps_everything_else(fake_services: FakeServices) -> None:
    sources = load(ROOT / "sources" / "papers.toml")
    lock = Lock()
    report = app.resolve(sources, lock, settings(fake_services, dblp_url="http://127.0.0.1:9", timeout=2))
    assert len(lock.of("arxiv")) == 67 and len([m for m in lock.published.values() if m["match"]]) == 25
    assert report.failures == {}
    assert len(report.pending) == report.checked["dblp"] == 41
    reasons = set(report.pending.values())
    assert all(r.startswith("published version not checked (DBLP): ") for r in reasons)
    assert any("unreachable" in r and "gave up" in r for r in reasons)  # given up after a few, not per id
    assert report.requests["DBLP"] <= 3 * 2
    # Nothing was decided by DBLP: the next run asks again.
    assert all(m["checked"] == ["acl"] for m in lock.published.values() if not m["match"])


def test_dblp_429_and_503_are_waited_out(fake_services: FakeServices) -> None:
    fake_services.retry_after = "1"
    fake_services.add_fault("429-retry-after", "/dblp/")
    fake_services.add_fault("503", "/dblp/")
    sources = load(ROOT / "sources" / "papers.toml")
    lock = Lock()
    report = app.resolve(sources, lock, settings(fake_services, attempts=3))
    assert {e.ids["arxiv"].id for e, name, _ in report.upgraded if name == "dblp"} == set(truth())
    assert report.pending == {} and report.failures == {}
    times = [t for t, r in fake_services.timed_requests("/dblp/")]
    assert times[1] - times[0] >= 0.9  # Retry-After: 1 honoured


def test_dblp_delay_spaces_requests(fake_services: FakeServices) -> None:
    sources = load(ROOT / "sources" / "papers.toml")
    app.resolve(sources, Lock(), settings(fake_services, dblp_delay=0.05), finders=["dblp"])
    times = [t for t, _ in fake_services.timed_requests("/dblp/")]
    assert len(times) > 40
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.045


# --- the command line -------------------------------------------------------------------------------


def _env(svc: FakeServices, **extra: str) -> dict[str, str]:
    return {**os.environ, "EXPORTER_ARXIV_URL": svc.arxiv_url, "EXPORTER_ACL_URL": svc.acl_url,
            "EXPORTER_DBLP_URL": svc.dblp_url, "EXPORTER_ARXIV_DELAY": "0", "EXPORTER_DBLP_DELAY": "0", **extra}


def _run(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "exporter", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_resolve_refresh_reports_and_build_offline_reproduces(fake_services: FakeServices, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "sources", tmp_path / "sources")
    result = _run(tmp_path, _env(fake_services), "resolve", "--refresh")
    assert result.returncode == 0, result.stderr
    assert "published versions: 34 upgraded" in result.stderr
    assert re.search(r"upgraded +arxiv:2109\.01652 +dblp:conf/iclr/WeiBZGYLDDL22 +ICLR 2022 +dblp: score 1\.00",
                     result.stderr)
    assert f"DBLP: {41 + 9} requests" in result.stderr
    offline = {"EXPORTER_ARXIV_URL": "http://127.0.0.1:9/api/query", "EXPORTER_ACL_URL": "http://127.0.0.1:9",
               "EXPORTER_DBLP_URL": "http://127.0.0.1:9"}
    result = _run(tmp_path, _env(fake_services, **offline), "build", "--offline")
    assert result.returncode == 0, result.stderr
    bib = (tmp_path / "outputs" / "refs.bib").read_text(encoding="utf-8")
    flan = re.search(r"@inproceedings\{wei2021finetuned,.*?\n\}", bib, re.S)
    assert flan and "booktitle = {The Tenth International Conference on Learning Representations" in flan[0]
    assert "publisher = {OpenReview.net}" in flan[0] and "eprint = {2109.01652}" in flan[0]
    jmlr = re.search(r"@article\{chung2022scaling,.*?\n\}", bib, re.S)
    assert jmlr and "journal = {J. Mach. Learn. Res.}" in jmlr[0] and "volume = {25}" in jmlr[0]
    readme = (tmp_path / "outputs" / "README.md").read_text(encoding="utf-8")
    for label in ("*ICLR 2022*", "*NeurIPS 2022*", "*ICML 2023*", "*JMLR 2024*", "*ICLR 2023*"):
        assert label in readme
    # The committed outputs are exactly these.
    for name in ("refs.bib", "refs.json", "refs.ris", "README.md"):
        assert (tmp_path / "outputs" / name).read_text() == (ROOT / "outputs" / name).read_text(), name


def _list(folder: Path, papers: str = "") -> Path:
    (folder / "sources").mkdir(parents=True)
    (folder / "sources" / "papers.toml").write_text('[list]\nheading = "Test"\nsection = "Papers"\n\n' + papers,
                                                    encoding="utf-8")
    return folder


def test_add_a_dblp_link(fake_services: FakeServices, tmp_path: Path) -> None:
    url = "https://dblp.org/rec/conf/iclr/WeiBZGYLDDL22"
    listed = _list(tmp_path / "listed", '[[papers]]\narxiv = "2109.01652"\n')
    assert _run(listed, _env(fake_services), "resolve").returncode == 0
    result = _run(listed, _env(fake_services), "add", url)
    assert result.returncode == 1 and "already in the list" in result.stderr, result.stderr
    empty = _list(tmp_path / "empty")
    result = _run(empty, _env(fake_services), "add", url)
    assert result.returncode == 0, result.stderr
    assert 'dblp = "conf/iclr/WeiBZGYLDDL22"' in (empty / "sources" / "papers.toml").read_text(encoding="utf-8")
    bib = (empty / "outputs" / "refs.bib").read_text(encoding="utf-8")
    assert "@inproceedings{" in bib and "ICLR" in bib and "OpenReview.net" in bib


def test_import_a_dblp_export(tmp_path: Path) -> None:
    folder = _list(tmp_path / "list")
    export = tmp_path / "dblp.bib"
    entries = {e.key: e.bibtex for e in fakedblp.recorded()}
    corr = fakedblp.corr_entry("2109.01652", SEED["2109.01652"]["title"], SEED["2109.01652"]["authors"], "2021")
    export.write_text(entries["conf/icml/WanWSK23"] + "\n" + entries["journals/jmlr/ChungHLZTFL00BW24"] + "\n"
                      + corr.bibtex, encoding="utf-8")
    result = _run(folder, {**os.environ, "EXPORTER_ARXIV_URL": "http://127.0.0.1:9/api/query"}, "import", str(export))
    assert result.returncode == 0, result.stderr
    text = (folder / "sources" / "papers.toml").read_text(encoding="utf-8")
    assert 'dblp = "conf/icml/WanWSK23"' in text and 'dblp = "journals/jmlr/ChungHLZTFL00BW24"' in text
    assert 'arxiv = "2109.01652"' in text and 'key = "DBLP:conf/icml/WanWSK23"' in text
    assert "title =" not in text  # DBLP entries, not manual ones


def test_the_readme_shows_the_venue_table() -> None:
    from exporter.venues import DBLP_STREAMS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| stream | label |"):]
    table = table[: table.index("\n\n")]
    cells = [c.strip() for line in table.splitlines()[2:] for c in line.strip("|").split("|")]
    assert dict(zip(cells[::2], cells[1::2])) == DBLP_STREAMS


def test_the_doi_arxiv_names_is_evidence_enough() -> None:
    """A hit whose DOI is the one arXiv's `doi` field names is the published version, whatever its title."""
    record = arxiv_record("2305.00944", doi="10.1234/Poisoning.2023")
    renamed = finder.Hit("conf/icml/WanWSK23", "Another Title Altogether.", tuple(record["authors"]), 2023,
                         "Conference and Workshop Papers", "10.1234/poisoning.2023")
    decision = decide(record, finder._Hits([renamed]))
    assert decision.match is not None and decision.match.evidence == "doi"
    assert decide(arxiv_record("2305.00944"), finder._Hits([renamed])).match is None  # no DOI: the title decides
