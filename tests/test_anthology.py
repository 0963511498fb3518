"""The Anthology dump: download with revalidation, parsing, normalisation, the index.

HTTP goes to the fake server (tests/fakeserver.py), which serves the test dump built by
tests/anthology_dump.py from real Anthology records and real DBLP distractors. Expected
values come from papers.xml, the DBLP copy (decoded by pylatexenc) or are written out by
hand, never from the code under test.
"""

from __future__ import annotations

import gzip
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import anthology_dump
from exporter import anthology
from exporter.anthology import (
    DUMP_NAME,
    INDEX_NAME,
    META_NAME,
    AnthologyCacheError,
    Index,
    IndexFormatError,
    Paper,
    build_index,
    fetch_dump,
    load_index,
    normalise_title,
    open_index,
    parse_dump,
    parse_dump_file,
    save_index,
)
from exporter.errors import ExporterError, NetworkError, OfflineError
from exporter.http import Settings
from fakeserver import ANTHOLOGY_DUMP, DUMP_PATH, FakeServices

TESTS = Path(__file__).resolve().parent
PAPERS_XML = TESTS / "fixtures" / "acl-anthology" / "papers.xml"
SHARED_DBLP = TESTS.parent.parent / "shared" / "data" / "corpus" / "dblp-sample-10k.bib"


@pytest.fixture(scope="session")
def dump() -> anthology_dump.Dump:
    """The test dump as the generator builds it, with the truth about every paper."""
    return anthology_dump.build()


@pytest.fixture(scope="session")
def dump_text() -> str:
    """The committed test dump, as the fake server serves it."""
    return gzip.decompress(ANTHOLOGY_DUMP.read_bytes()).decode("utf-8")


@pytest.fixture(scope="session")
def parsed(dump_text: str) -> dict[str, Paper]:
    return {p.id: p for p in parse_dump(dump_text)}


@pytest.fixture(scope="session")
def index(dump_text: str) -> Index:
    return build_index(parse_dump(dump_text))


def settings_for(services: FakeServices, **changes: object) -> Settings:
    """Settings pointing at the fake Anthology, retrying at once (no backoff)."""
    values: dict[str, object] = {"acl_url": services.acl_url, "attempts": 2, "backoff": 0.0, "max_wait": 0.0,
                                 "timeout": 5.0}
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


def xml_papers() -> dict[str, dict[str, object]]:
    """Title, family names and year of each paper of papers.xml, read from the XML alone."""
    out: dict[str, dict[str, object]] = {}
    for collection in ET.parse(PAPERS_XML).getroot().iter("collection"):
        for volume in collection.iter("volume"):
            year = int(volume.findtext("meta/year") or 0)
            booktitle = " ".join("".join(volume.find("meta/booktitle").itertext()).split())  # type: ignore[union-attr]
            for paper in volume.iter("paper"):
                out[paper.findtext("url") or ""] = {
                    "title": " ".join("".join(paper.find("title").itertext()).split()),  # type: ignore[union-attr]
                    "families": tuple(a.findtext("last") for a in paper.findall("author")),
                    "year": year,
                    "booktitle": booktitle,
                }
    return out


# --- the test dump itself -----------------------------------------------------------------------


def test_committed_dump_is_what_the_generator_builds(dump: anthology_dump.Dump, dump_text: str) -> None:
    assert dump_text == dump.text, "run: python tests/anthology_dump.py"


def test_dblp_copy_is_a_verbatim_subset_of_the_shared_corpus() -> None:
    if not SHARED_DBLP.is_file():
        pytest.skip("../shared/data is not here")
    expected = anthology_dump.select_dblp(SHARED_DBLP.read_text(encoding="utf-8"), 3052)
    assert anthology_dump.DBLP_PATH.read_text(encoding="utf-8") == expected
    copied = re.split(r"\n(?=@)", anthology_dump.DBLP_PATH.read_text(encoding="utf-8").strip())
    shared = SHARED_DBLP.read_text(encoding="utf-8")
    assert len(copied) == 3052 and all(entry.strip() in shared for entry in copied[::97])


def test_dump_contents(dump: anthology_dump.Dump, dump_text: str) -> None:
    kinds = {kind: len(dump.by_kind(kind)) for kind in ("real", "dblp", "title-twin", "title-variant", "same-authors")}
    assert kinds == {"real": 26, "dblp": 3000, "title-twin": 13, "title-variant": 13, "same-authors": 26}
    assert len(re.findall(r"^@inproceedings\{", dump_text, re.M)) == 3078
    assert len(re.findall(r"^@proceedings\{", dump_text, re.M)) == dump.proceedings == 171
    assert "abstract =" not in dump_text  # the complete export carries no abstracts
    ids = [e.anthology_id for e in dump.entries]
    assert len(set(ids)) == len(ids)
    real = set(xml_papers())
    fake = [i for i in ids if i not in real]
    assert len(fake) == 3052
    # Fake ids have the Anthology's shape but venues it does not have.
    assert all(re.fullmatch(r"\d{4}\.(dblp-[a-z0-9]+|nearmiss-(title|authors))\.\d+", i) for i in fake)


def test_only_intended_near_misses_share_a_real_title(dump: anthology_dump.Dump) -> None:
    real = {normalise_title(e.title): e.anthology_id for e in dump.by_kind("real")}
    for entry in dump.entries:
        if entry.kind != "real" and normalise_title(entry.title) in real:
            assert entry.kind == "title-twin" and real[normalise_title(entry.title)] == entry.origin


# --- parse_dump ---------------------------------------------------------------------------------


def test_every_real_paper_is_found_with_its_metadata(parsed: dict[str, Paper]) -> None:
    expected = xml_papers()
    assert len(expected) == 26
    for anthology_id, truth in expected.items():
        paper = parsed[anthology_id]
        assert (paper.title, paper.families, paper.year, paper.booktitle) == (
            truth["title"], truth["families"], truth["year"], truth["booktitle"]), anthology_id


def test_accents_and_markup_are_decoded(parsed: dict[str, Paper]) -> None:
    assert parsed["2023.bsnlp-1.12"].families == ("Štefánik", "Kadlčík", "Gramacki", "Sojka")
    assert parsed["2023.findings-emnlp.350"].title == "CoEdIT: Text Editing by Task-Specific Instruction Tuning"
    assert parsed["2023.acl-long.891"].families[5] == "Le Scao"
    assert parsed["2023.findings-acl.50"].families[1] == "Jimenez Gutierrez"


def test_every_paper_of_the_dump_is_parsed_as_generated(dump: anthology_dump.Dump, parsed: dict[str, Paper]) -> None:
    assert len(parsed) == len(dump.entries) == 3078
    for entry in dump.entries:
        paper = parsed[entry.anthology_id]
        # The Anthology's encoder writes an ASCII " and a closing curly quote alike, {''}.
        title = paper.title.replace("“", '"').replace("”", '"')
        assert (title, paper.families, paper.year, paper.booktitle) == (
            entry.title.replace("“", '"').replace("”", '"'), entry.families, entry.year, entry.booktitle), entry


def test_proceedings_are_skipped(parsed: dict[str, Paper]) -> None:
    assert not [i for i in parsed if i.endswith(".0")]
    text = ('@proceedings{acl-2023-long,\n    title = "Proceedings of ACL",\n    year = "2023",\n'
            '    url = "https://aclanthology.org/2023.acl-long.0/"\n}\n\n'
            '@book{cl-2023-49,\n    title = "Computational Linguistics, Volume 49",\n'
            '    url = "https://aclanthology.org/2023.cl-1.0/"\n}\n')
    assert list(parse_dump(text)) == []


GOOD = """@inproceedings{good-2099-entry,
    title = "A Good Entry after the Bad Ones",
    author = "Good, Alice  and
      Better, Bob",
    booktitle = "Proceedings of Nothing",
    year = "2099",
    url = "https://aclanthology.org/2099.fake-main.1/"
}
"""


@pytest.mark.parametrize(
    "odd",
    [
        pytest.param('@inproceedings{open-quote,\n    title = "Never closed,\n    year = "2020",\n', id="unclosed-quote"),
        pytest.param('@inproceedings{open-brace,\n    title = "A {Never closed brace",\n'
                     '    url = "https://aclanthology.org/2099.fake-main.2/"\n}\n', id="unbalanced-brace"),
        pytest.param('@inproceedings{no-url,\n    title = "No URL",\n    year = "2020"\n}\n', id="no-url"),
        pytest.param('@inproceedings{elsewhere,\n    title = "Elsewhere",\n'
                     '    url = "https://example.org/2099.fake-main.3/"\n}\n', id="not-anthology-url"),
        pytest.param('@comment{anything at all}\n@string{acl = "ACL"}\n@preamble{"\\newcommand"}\n', id="comment-string"),
        pytest.param("this is no BibTeX at all } { @ ,\n", id="garbage"),
        pytest.param("@inproceedings{cut-off,\n    title = \"Cut", id="truncated"),
        pytest.param("@inproceedings{,\n}\n", id="empty"),
    ],
)
def test_odd_entries_do_not_crash_or_hide_the_next(odd: str) -> None:
    papers = list(parse_dump(odd + "\n" + GOOD))
    assert papers[-1] == Paper("2099.fake-main.1", "A Good Entry after the Bad Ones", ("Good", "Better"), 2099,
                               "Proceedings of Nothing")
    assert all(p.id.startswith("2099.fake-main.") for p in papers)


def test_format_variants() -> None:
    text = r"""@InProceedings{old-style,
  title = {Braced {Values} with "quotes"},
  author = {M{\"u}ller, J{\"o}rg and {Barnes and Noble} and Plato},
  booktitle = {Proc.},
  month = "28--30 " # may,
  year = 2019,
  url = {http://www.aclweb.org/anthology/Q99-1234.pdf},
}
@article{journal,
    title = "A Journal Paper",
    author = "Smith, Noah A.",
    journal = "Computational Linguistics",
    year = "2021",
    url = "https://aclanthology.org/2021.cl-9.9"
}"""
    assert list(parse_dump(text)) == [
        Paper("Q99-1234", 'Braced Values with "quotes"', ("Müller", "Barnes and Noble", "Plato"), 2019, "Proc."),
        Paper("2021.cl-9.9", "A Journal Paper", ("Smith",), 2021, "Computational Linguistics"),
    ]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('@{}",=# \n\\abcinproceedingsurltitle:/.0129')), max_size=300))
def test_parse_dump_never_raises_on_arbitrary_text(text: str) -> None:
    list(parse_dump(text))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_parse_dump_never_raises_on_cut_or_damaged_dumps(dump_text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(dump_text) - 1))
    piece = dump_text[start:start + data.draw(st.integers(0, 3000))]
    at = data.draw(st.integers(0, len(piece)))
    damaged = piece[:at] + data.draw(st.sampled_from(['"', "{", "}", "@", ",", "\n@inproceedings{x,\n", ""])) + piece[at:]
    list(parse_dump(damaged))


def test_parse_dump_file_reads_in_blocks(tmp_path: Path, parsed: dict[str, Paper]) -> None:
    # A block size far smaller than an entry: every entry straddles blocks.
    assert {p.id: p for p in parse_dump_file(ANTHOLOGY_DUMP, block_size=97)} == parsed
    broken = tmp_path / DUMP_NAME
    broken.write_bytes(ANTHOLOGY_DUMP.read_bytes()[:5000])
    with pytest.raises(AnthologyCacheError, match="delete it and run again"):
        list(parse_dump_file(broken))


# --- normalise_title ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "normalised"),
    [
        ("Self-Instruct: Aligning Language Models with Self-Generated Instructions",
         "self instruct aligning language models with self generated instructions"),
        ("SELF-INSTRUCT: aligning language models", "self instruct aligning language models"),  # case
        ("{C}o{E}d{IT}: Text Editing", "coedit text editing"),  # LaTeX braces
        ("Zero- & Few-Shot Generalisation", "zero and few shot generalisation"),  # & and hyphens
        ("Zero- and Few-Shot Generalisation", "zero and few shot generalisation"),
        ("{MM}-{SHAP}: Vision {\\&} Language", "mm shap vision and language"),  # an escaped &
        ("Štefánik's Slavic {\\v{S}}tef{\\'a}nik", "stefanik s slavic stefanik"),  # accents, in Unicode and LaTeX
        ("Generalization via Declarative Instructions on 1600+ NLP Tasks",
         "generalization via declarative instructions on 1600 nlp tasks"),
        ("  Unnatural   Instructions: (Almost) No Human Labor.  ", "unnatural instructions almost no human labor"),
        ("Scaling to 1,000 Tasks", "scaling to 1 000 tasks"),
        ("Straße Œuvre ﬁne", "strasse oeuvre fine"),
        ("“Quoted” — dashes–too", "quoted dashes too"),
        ("snake_case and CamelCase", "snake case and camelcase"),
        ("汉语 NLP", "汉语 nlp"),  # other scripts are kept
        ("", ""),
    ],
)
def test_normalise_title(title: str, normalised: str) -> None:
    assert normalise_title(title) == normalised


@settings(max_examples=1000, deadline=None)
@given(st.text())
def test_normalise_title_is_idempotent(title: str) -> None:
    once = normalise_title(title)
    assert normalise_title(once) == once
    assert once == once.strip() and "  " not in once


# --- the index ----------------------------------------------------------------------------------


def test_get_and_by_title(index: Index, parsed: dict[str, Paper]) -> None:
    assert len(index) == 3078
    assert index.get("2023.acl-long.754") == parsed["2023.acl-long.754"]
    assert index.get("2023.acl-long.9999") is None
    twins = index.by_title(normalise_title("SELF-INSTRUCT: Aligning Language Models with Self-Generated Instructions"))
    assert sorted(p.id for p in twins) == ["2020.nearmiss-title.2", "2023.acl-long.754"]  # the real one and its twin
    hint = index.by_title(normalise_title("HINT: Hypernetwork Instruction Tuning for Efficient Zero- & Few-Shot "
                                          "Generalisation"))  # as arXiv writes it: "&"
    assert "2023.acl-long.631" in [p.id for p in hint]
    assert [p.id for p in index.by_title(normalise_title("In-BoXBART: get instructions into biomedical multi-task "
                                                         "learning."))] == ["2022.findings-naacl.10"]
    assert index.by_title("no such title") == []


@pytest.mark.parametrize(
    ("arxiv_title", "anthology_id"),
    [
        # arXiv v1 titles of papers the Anthology has under another title (fixtures/acl-anthology/README.md)
        ("Self-Instruct: Aligning Language Model with Self Generated Instructions", "2023.acl-long.754"),
        ("Retrieval of Soft Prompt Enhances Zero-Shot Task Generalization", "2023.findings-emnlp.822"),
        ("HINT: Hypernetwork Instruction Tuning for Efficient Zero-Shot Generalisation", "2023.acl-long.631"),
        ("COEDIT: Text Editing by Task-Specific Instruction Tuning", "2023.findings-emnlp.350"),
        ("STORYWARS: A Dataset and Instruction Tuning Baselines for Collaborative Story Understanding "
         "and Generation", "2023.acl-long.171"),
        ("GPTScore: Evaluate as You Desire", "2024.naacl-long.365"),
    ],
)
def test_candidates_find_retitled_papers(index: Index, arxiv_title: str, anthology_id: str) -> None:
    found = [p.id for p in index.candidates(arxiv_title)]
    assert anthology_id in found[:3], found
    assert len(found) <= 20


def test_candidates_for_every_seed_title(index: Index) -> None:
    """Every real paper is among the candidates for its title as arXiv has it."""
    readme = (TESTS / "fixtures" / "acl-anthology" / "README.md").read_text(encoding="utf-8")
    pairs = re.findall(r"^\| (\d{4}\.[\w.-]+) \| (\d{4}\.\d{5}) \|", readme, re.M)
    records = {}
    for line in (TESTS / "fixtures" / "arxiv" / "seed-papers.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        records[record["arxiv_id"]] = record
    assert len(pairs) == 26
    for anthology_id, arxiv_id in pairs:
        assert anthology_id in [p.id for p in index.candidates(records[arxiv_id]["title"], 5)], arxiv_id


def test_candidates_edge_cases(index: Index) -> None:
    assert index.candidates("") == []
    assert index.candidates("zzzz qqqq") == []  # no word any paper has
    assert index.candidates("Self-Instruct", limit=0) == []
    assert len(index.candidates("learning", limit=3)) == 3
    assert build_index([]).candidates("anything") == []


def test_repeated_ids_keep_the_first_paper() -> None:
    first = Paper("2099.x-1.1", "One", ("A",), 2099, "")
    index = build_index([first, Paper("2099.x-1.1", "Two", ("B",), 2099, "")])
    assert len(index) == 1 and index.get("2099.x-1.1") == first


def test_save_load_round_trip(tmp_path: Path, index: Index) -> None:
    path = tmp_path / "sub" / INDEX_NAME
    save_index(index, path)
    loaded = load_index(path)
    assert loaded == index and list(loaded) == list(index)
    assert loaded.candidates("Self-Instruct: Aligning Language Model") == index.candidates("Self-Instruct: Aligning Language Model")
    assert [p.name for p in path.parent.iterdir()] == [INDEX_NAME]  # no temporary file left
    assert path.stat().st_size < 2_000_000


def test_load_rejects_foreign_damaged_and_stale_files(tmp_path: Path, index: Index) -> None:
    path = tmp_path / INDEX_NAME
    path.write_bytes(b"PK\x03\x04 a zip file")
    with pytest.raises(IndexFormatError, match="not an exporter Anthology index"):
        load_index(path)
    save_index(index, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexFormatError, match="damaged"):
        load_index(path)
    import marshal

    path.write_bytes(anthology._MAGIC + marshal.dumps((0, "cpython-10-little-marshal4", "", {})))
    with pytest.raises(IndexFormatError, match="rebuild"):
        load_index(path)
    assert issubclass(IndexFormatError, ExporterError)


# --- download and cache -------------------------------------------------------------------------


class RecordingBar:
    """A progress bar that remembers what it was told."""

    def __init__(self, total: int | None) -> None:
        self.total, self.done, self.closed = total, 0, False

    def update(self, n: int) -> None:
        self.done += n

    def close(self) -> None:
        self.closed = True


def test_download_then_revalidate(fake_services: FakeServices, tmp_path: Path) -> None:
    settings = settings_for(fake_services)
    bars: list[RecordingBar] = []

    def factory(total: int | None) -> RecordingBar:
        bars.append(RecordingBar(total))
        return bars[-1]

    path = fetch_dump(settings, tmp_path, factory)
    served, etag, _ = fake_services.anthology_dump()
    assert path == tmp_path / DUMP_NAME and path.read_bytes() == served
    assert len(bars) == 1 and bars[0].total == bars[0].done == len(served) and bars[0].closed
    meta = json.loads((tmp_path / META_NAME).read_text())
    assert meta["etag"] == etag and meta["last_modified"] == "Sat, 01 Mar 2025 00:00:00 GMT"
    first = fake_services.dump_requests[0].headers
    assert "if-none-match" not in first and "if-modified-since" not in first

    stamp = path.stat().st_mtime_ns
    assert fetch_dump(settings, tmp_path, factory) == path
    second = fake_services.dump_requests[1].headers
    assert second["if-none-match"] == etag
    assert second["if-modified-since"] == "Sat, 01 Mar 2025 00:00:00 GMT"
    assert path.stat().st_mtime_ns == stamp and len(bars) == 1  # 304: the cached file is kept
    assert sorted(p.name for p in tmp_path.iterdir()) == [DUMP_NAME, META_NAME]


def test_if_modified_since_alone(fake_services: FakeServices, tmp_path: Path) -> None:
    settings = settings_for(fake_services)
    fetch_dump(settings, tmp_path)
    meta = json.loads((tmp_path / META_NAME).read_text())
    del meta["etag"]
    (tmp_path / META_NAME).write_text(json.dumps(meta))
    fetch_dump(settings, tmp_path)
    headers = fake_services.dump_requests[1].headers
    assert "if-none-match" not in headers and headers["if-modified-since"] == meta["last_modified"]
    assert len(fake_services.dump_requests) == 2  # answered 304, nothing fetched again


def test_another_url_or_a_damaged_cache_downloads_afresh(fake_services: FakeServices, tmp_path: Path) -> None:
    fetch_dump(settings_for(fake_services), tmp_path)
    meta = json.loads((tmp_path / META_NAME).read_text())
    meta["url"] = "https://aclanthology.org/anthology.bib.gz"
    (tmp_path / META_NAME).write_text(json.dumps(meta))
    fetch_dump(settings_for(fake_services), tmp_path)
    assert "if-none-match" not in fake_services.dump_requests[1].headers
    (tmp_path / DUMP_NAME).write_bytes(b"cut")  # size no longer matches the metadata
    fetch_dump(settings_for(fake_services), tmp_path)
    assert "if-none-match" not in fake_services.dump_requests[2].headers
    assert (tmp_path / DUMP_NAME).read_bytes() == ANTHOLOGY_DUMP.read_bytes()


def test_open_index_builds_once_and_rebuilds_when_the_dump_changes(
    fake_services: FakeServices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(fake_services)
    index = open_index(settings, tmp_path)
    assert len(index) == 3078 and index.get("2023.acl-long.754") is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == [DUMP_NAME, META_NAME, INDEX_NAME]

    def no_rebuild(*args: object, **kwargs: object) -> Index:
        raise AssertionError("rebuilt although the dump did not change")

    monkeypatch.setattr(anthology, "build_index", no_rebuild)
    again = open_index(settings, tmp_path)
    assert again == index
    assert fake_services.dump_requests[1].headers["if-none-match"] == fake_services.anthology_dump()[1]
    monkeypatch.undo()

    # The Anthology publishes a new export: one more paper.
    old_etag = fake_services.anthology_dump()[1]
    extra = GOOD.replace("2099.fake-main.1", "2099.fake-main.7").encode()
    fake_services.set_anthology_dump(gzip.compress(gzip.decompress(ANTHOLOGY_DUMP.read_bytes()) + b"\n" + extra))
    changed = open_index(settings, tmp_path)
    assert fake_services.dump_requests[2].headers["if-none-match"] == old_etag  # asked; got the new one
    assert len(changed) == 3079 and changed.get("2099.fake-main.7") is not None
    assert load_index(tmp_path / INDEX_NAME) == changed
    assert changed.source == json.loads((tmp_path / META_NAME).read_text())["sha256"] != index.source


def test_open_index_rebuilds_a_damaged_index(fake_services: FakeServices, tmp_path: Path) -> None:
    settings = settings_for(fake_services)
    index = open_index(settings, tmp_path)
    (tmp_path / INDEX_NAME).write_bytes(b"rubbish")
    assert open_index(settings, tmp_path) == index
    assert load_index(tmp_path / INDEX_NAME) == index


def test_open_index_offline(fake_services: FakeServices, tmp_path: Path) -> None:
    settings = settings_for(fake_services)
    with pytest.raises(OfflineError, match="not cached"):
        open_index(settings, tmp_path, offline=True)
    assert fake_services.dump_requests == []
    index = open_index(settings, tmp_path)
    assert open_index(settings, tmp_path, offline=True) == index
    assert len(fake_services.dump_requests) == 1


@pytest.mark.parametrize("fault", ["500", "503", "429", "empty", "truncate", "timeout"])
def test_transient_faults_are_retried(fake_services: FakeServices, tmp_path: Path, fault: str) -> None:
    fake_services.hang_seconds = 2.0
    fake_services.add_fault(fault, DUMP_PATH)
    path = fetch_dump(settings_for(fake_services, timeout=0.5), tmp_path)
    assert path.read_bytes() == fake_services.anthology_dump()[0]
    assert len(fake_services.dump_requests) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [DUMP_NAME, META_NAME]  # no temporary file left


def test_failures_are_one_line_network_errors(fake_services: FakeServices, tmp_path: Path) -> None:
    fake_services.add_fault("503", DUMP_PATH)
    fake_services.add_fault("503", DUMP_PATH)
    with pytest.raises(NetworkError) as caught:
        fetch_dump(settings_for(fake_services), tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert "HTTP 503" in message and "after 2 tries" in message and fake_services.acl_url + DUMP_PATH in message

    with pytest.raises(NetworkError, match=r"HTTP 404.*--acl-url"):
        fetch_dump(settings_for(fake_services, acl_url=fake_services.base_url + "/nowhere"), tmp_path)
    assert len(fake_services.requests_to("/nowhere")) == 1  # not retried

    fake_services.set_anthology_dump(b"<html>Please log in</html>")
    with pytest.raises(NetworkError, match="not a gzip file"):
        fetch_dump(settings_for(fake_services), tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_a_failed_download_keeps_the_cached_dump(fake_services: FakeServices, tmp_path: Path) -> None:
    settings = settings_for(fake_services)
    fetch_dump(settings, tmp_path)
    before = (tmp_path / DUMP_NAME).read_bytes()
    fake_services.set_anthology_dump(gzip.compress(GOOD.encode() * 50))  # new, but never arrives whole
    fake_services.add_fault("truncate", DUMP_PATH)
    fake_services.add_fault("truncate", DUMP_PATH)
    with pytest.raises(NetworkError, match="download incomplete|interrupted"):
        fetch_dump(settings, tmp_path)
    assert (tmp_path / DUMP_NAME).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [DUMP_NAME, META_NAME]


def test_no_progress_bar_off_a_terminal(fake_services: FakeServices, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    fetch_dump(settings_for(fake_services), tmp_path)  # the default bar: tqdm, disabled off a terminal
    assert capsys.readouterr().err == ""


def test_unwritable_cache(fake_services: FakeServices, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(AnthologyCacheError, match="EXPORTER_CACHE_DIR"):
        fetch_dump(settings_for(fake_services), blocker / "cache")


def test_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EXPORTER_CACHE_DIR", str(tmp_path / "mine"))
    assert anthology.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("EXPORTER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    import platformdirs

    assert anthology.cache_dir() == Path(platformdirs.user_cache_dir("exporter", appauthor=False))
    assert anthology.cache_dir().name == "exporter"


def test_fake_server_revalidates_like_a_static_server(fake_services: FakeServices) -> None:
    import requests

    url = fake_services.acl_url + DUMP_PATH
    first = requests.get(url, timeout=5)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.status_code == 200 and first.content == ANTHOLOGY_DUMP.read_bytes()
    assert first.headers["Content-Length"] == str(len(first.content))

    def status(**headers: str) -> int:
        return requests.get(url, headers=headers, timeout=5).status_code

    assert status(**{"If-None-Match": etag}) == 304
    assert status(**{"If-None-Match": f'"other", W/{etag}'}) == 304
    assert status(**{"If-None-Match": "*"}) == 304
    assert status(**{"If-None-Match": '"other"', "If-Modified-Since": modified}) == 200  # the ETag decides
    assert status(**{"If-Modified-Since": modified}) == 304
    assert status(**{"If-Modified-Since": "Fri, 28 Feb 2025 23:59:59 GMT"}) == 200
    assert status(**{"If-Modified-Since": "yesterday"}) == 200
    fake_services.set_anthology_dump(b"new")
    assert status(**{"If-None-Match": etag}) == 200
    assert len(fake_services.dump_requests) == 9 and fake_services.acl_requests == []
