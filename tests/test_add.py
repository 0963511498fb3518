"""`exporter add`: ids, URLs and DOIs appended to papers.toml, every other line kept; duplicates refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakeserver import FakeServices

from exporter.cli import main
from exporter.editing import append_papers
from exporter.sources import parse

ROOT = Path(__file__).parent.parent
TOML = Path("sources/papers.toml")
LOCK = Path("sources/papers.lock.json")
COMMITTED_LOCK = json.loads((ROOT / LOCK).read_text(encoding="utf-8"))


@pytest.fixture
def project(committed_list: Path) -> Path:
    return committed_list


@pytest.fixture
def served(project: Path, fake_services: FakeServices, monkeypatch: pytest.MonkeyPatch) -> FakeServices:
    monkeypatch.setenv("EXPORTER_ARXIV_URL", fake_services.arxiv_url)
    monkeypatch.setenv("EXPORTER_ACL_URL", fake_services.acl_url)
    return fake_services


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def without(project: Path, arxiv_id: str) -> str:
    """Take a paper out of the list (the resolver prunes its lock record), rebuild; return the TOML."""
    path = project / TOML
    text = path.read_text(encoding="utf-8")
    block = f'[[papers]]\narxiv = "{arxiv_id}"\n\n'
    assert block in text
    path.write_text(text.replace(block, "", 1), encoding="utf-8")
    assert run("resolve")[0] == 0  # nothing to fetch: prunes only
    assert run("build", "--offline")[0] == 0
    assert run("check")[0] == 0
    return path.read_text(encoding="utf-8")


def test_a_listed_paper_is_refused_and_nothing_changes(project: Path) -> None:
    before = snapshot(project)
    code, _, err = run("add", "https://arxiv.org/pdf/2212.10560v2")
    assert code == 1
    assert err == (
        "Error: https://arxiv.org/pdf/2212.10560v2: already in the list as sources/papers.toml:97: entry 25 "
        "(arxiv:2212.10560) 'Self-Instruct: Aligning Language Models with Self-Generated Instructions' "
        "(the same arXiv id); nothing changed\n"
    )
    assert snapshot(project) == before


@pytest.mark.parametrize(
    ("given", "how"),
    [
        ("10.18653/v1/2022.acl-long.244", "the same ACL Anthology id"),
        ("https://aclanthology.org/2023.acl-long.754.pdf", "its published version"),  # Self-Instruct, upgraded
        ("arXiv:2104.08773v3", "the same arXiv id"),
    ],
)
def test_every_identifier_form_is_checked(project: Path, given: str, how: str) -> None:
    before = snapshot(project)
    code, _, err = run("add", given)
    assert code == 1 and err.startswith(f"Error: {given}: already in the list as sources/papers.toml:")
    assert err.endswith(f"({how}); nothing changed\n")
    assert snapshot(project) == before


def test_a_new_paper_is_appended_and_every_other_line_kept(project: Path, served: FakeServices) -> None:
    before = without(project, "2210.11416")
    code, _, err = run("add", "https://arxiv.org/abs/2210.11416v5", "--tag", "flan", "--section", "Scaling")
    assert code == 0, err
    after = (project / TOML).read_text(encoding="utf-8")
    assert after == before + '\n[[papers]]\narxiv = "2210.11416"\nsection = "Scaling"\ntags = ["flan"]\n'
    assert "without v5: the entry follows arXiv's latest version" in err
    assert "added sources/papers.toml:232: entry 67 (arxiv:2210.11416) as chung2022scaling: " \
           "Scaling Instruction-Finetuned Language Models" in err
    # Resolved by the real resolver through the (fake) API: the same record as the committed lock's.
    lock = json.loads((project / LOCK).read_text(encoding="utf-8"))
    assert lock["records"]["arxiv"]["2210.11416"] == COMMITTED_LOCK["records"]["arxiv"]["2210.11416"]
    assert len(served.arxiv_requests) == 1
    assert "chung2022scaling" in (project / "outputs" / "refs.bib").read_text(encoding="utf-8")
    assert run("check") == (0, "", "sources/papers.toml: sources, lock and outputs in outputs are in order\n")


def test_the_same_paper_under_another_id_is_refused_by_title(project: Path, served: FakeServices) -> None:
    # Entry 1 named by its Anthology id only; its arXiv id is then a new id for the same paper.
    path = project / TOML
    path.write_text(path.read_text(encoding="utf-8").replace('acl = "2022.acl-long.244"\narxiv = "2104.08773"\n',
                                                             'acl = "2022.acl-long.244"\n', 1), encoding="utf-8")
    assert run("build", "--offline")[0] == 0
    before = snapshot(project)
    code, _, err = run("add", "2104.08773")
    assert code == 1
    assert err == ("Error: 2104.08773: already in the list as sources/papers.toml:22: entry 1 "
                   "(acl:2022.acl-long.244) 'Cross-Task Generalization via Natural Language Crowdsourcing "
                   "Instructions' (the same title); nothing changed\n")
    assert snapshot(project) == before


def test_unknown_ids_are_reported_and_the_rest_added(project: Path, served: FakeServices) -> None:
    before = without(project, "2210.11416")
    code, _, err = run("add", "2210.11416", "2401.99999", "--no-build")
    assert code == 1
    assert "Error: 2401.99999: not resolved: " in err
    assert (project / TOML).read_text(encoding="utf-8") == before + '\n[[papers]]\narxiv = "2210.11416"\n'
    lock = json.loads((project / LOCK).read_text(encoding="utf-8"))
    assert "2210.11416" in lock["records"]["arxiv"] and "2401.99999" not in lock["records"]["arxiv"]
    # --no-build: the outputs wait for the next build, and check says so.
    code, out, _ = run("check")
    assert code == 1 and out.startswith("outputs/refs.bib:")


def test_dry_run_shows_the_table_and_writes_nothing(project: Path, served: FakeServices) -> None:
    without(project, "2210.11416")
    before = snapshot(project)
    code, out, err = run("add", "--dry-run", "2210.11416")
    assert code == 0, err
    assert out == '[[papers]]\narxiv = "2210.11416"\n'
    assert "would add sources/papers.toml:232: entry 67 (arxiv:2210.11416) as chung2022scaling" in err
    assert snapshot(project) == before


def test_a_bad_identifier_is_one_line_and_nothing_changes(project: Path) -> None:
    before = snapshot(project)
    code, _, err = run("add", "2210.11416", "arxiv.org/abs/2109.0165")
    assert code == 1
    assert err.startswith("Error: 'arxiv.org/abs/2109.0165': 'arxiv.org/abs/2109.0165' is not an arXiv, ACL "
                          "Anthology or DBLP id, URL or DOI") and err.endswith("; nothing added\n")
    assert err.count("\n") == 1
    assert snapshot(project) == before


def test_add_creates_a_missing_sources_file(tmp_path: Path, fake_services: FakeServices,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EXPORTER_ARXIV_URL", fake_services.arxiv_url)
    monkeypatch.setenv("EXPORTER_ACL_URL", fake_services.acl_url)
    monkeypatch.setenv("EXPORTER_ARXIV_DELAY", "0")
    (tmp_path / "sources").mkdir()
    code, _, err = run("add", "2109.01652", "10.18653/v1/2022.acl-long.244")
    assert code == 0, err
    assert (tmp_path / TOML).read_text(encoding="utf-8") == (
        '[[papers]]\narxiv = "2109.01652"\n\n[[papers]]\nacl = "2022.acl-long.244"\n')
    assert run("check")[0] == 0


# --- the text transform ----------------------------------------------------------------

APPEND_CASES = {
    # Comments, a [list] table after the papers, and no final newline.
    "list after papers": ('# top\n[[papers]]\narxiv = "2109.01652"  # FLAN\n# trailing\n\n[list]\nheading = "x"',
                          '# top\n[[papers]]\narxiv = "2109.01652"  # FLAN\n# trailing\n\n[[papers]]\n'
                          'arxiv = "2110.08207"\n\n[list]\nheading = "x"'),
    "no final newline": ('[[papers]]\narxiv = "2109.01652"', '[[papers]]\narxiv = "2109.01652"\n\n[[papers]]\n'
                         'arxiv = "2110.08207"\n'),
    # A multi-line string that quotes a table header is not a header.
    "header in a string": ('[list]\nintro = """\n[[papers]]\n[other]\n"""\n',
                           '[list]\nintro = """\n[[papers]]\n[other]\n"""\n\n[[papers]]\narxiv = "2110.08207"\n'),
    "empty file": ("", '[[papers]]\narxiv = "2110.08207"\n'),
}


@pytest.mark.parametrize("case", sorted(APPEND_CASES))
def test_append_keeps_every_line(case: str) -> None:
    text, expected = APPEND_CASES[case]
    new = append_papers(text, [{"arxiv": "2110.08207"}])
    assert new == expected
    assert [str(e.arxiv) for e in parse(new, Path("p.toml")).entries][-1] == "arxiv:2110.08207"


def test_append_escapes_values_as_toml() -> None:
    table = {"title": 'A "quoted" \\ title\nwith a newline', "authors": ["Jason Wei", {"family": "Le Scao", "given": "Teven"}],
             "year": 2023, "type": "report", "publisher": "École normale supérieure"}
    entry = parse(append_papers("", [table]), Path("p.toml")).entries[0]
    assert entry.overrides == table


def test_a_lone_name_table_stays_an_inline_table() -> None:
    table = {"title": "An information theoretic framework for data mining", "authors": [{"family": "Bie", "given": "Tijl De"}],
             "year": 2011}
    assert parse(append_papers("", [table]), Path("p.toml")).entries[0].overrides == table


def test_crlf_line_ends_and_a_byte_order_mark_are_kept(project: Path, served: FakeServices) -> None:
    before = without(project, "2210.11416")
    path = project / TOML
    path.write_bytes(b"\xef\xbb\xbf" + before.replace("\n", "\r\n").encode("utf-8"))
    original = path.read_bytes()
    code, _, err = run("add", "2210.11416")
    assert code == 0, err
    assert path.read_bytes() == original + b'\r\n[[papers]]\r\narxiv = "2210.11416"\r\n'


def test_papers_in_an_inline_array_are_one_line(project: Path) -> None:
    path = project / TOML
    path.write_text('papers = [\n  {arxiv = "2109.01652"},\n]\n', encoding="utf-8")
    before = snapshot(project)
    code, _, err = run("add", "2110.08207")
    assert (code, err) == (1, "Error: sources/papers.toml: its papers are an inline array (papers = [...]); "
                              "write them as [[papers]] tables to add papers\n")
    assert snapshot(project) == before


def test_comments_above_a_following_table_stay_with_it() -> None:
    text = '[[papers]]\narxiv = "2109.01652"\n\n# The list\'s front matter\n[list]\nheading = "x"\n'
    assert append_papers(text, [{"arxiv": "2110.08207"}]) == (
        '[[papers]]\narxiv = "2109.01652"\n\n[[papers]]\narxiv = "2110.08207"\n\n'
        '# The list\'s front matter\n[list]\nheading = "x"\n')


def test_triple_quotes_in_comments_and_strings_open_nothing(tmp_path: Path) -> None:
    text = ('# notes go between """ quotes\n[list]\nheading = "a \\"\\"\\" b"\nintro = \'\'\'x\n[[papers]]\n\'\'\'\n\n'
            '[[papers]]\narxiv = "2109.01652"\n')
    new = append_papers(text, [{"arxiv": "2110.08207"}])
    assert new == text + '\n[[papers]]\narxiv = "2110.08207"\n'
    entries = parse(new, tmp_path / "p.toml").entries
    assert [e.line for e in entries] == [8, 11]
