"""`exporter import`: a Markdown list or a .bib file into papers.toml, offline, nothing dropped silently."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from exporter.cli import main
from exporter.sources import load

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "seed" / "Instruction-Tuning-Papers-README.md"
COMMITTED = load(ROOT / "sources" / "papers.toml")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    # A closed port: import never uses the network, and a build here must not either.
    monkeypatch.setenv("EXPORTER_ARXIV_URL", "http://127.0.0.1:9/api/query")
    monkeypatch.setenv("EXPORTER_ACL_URL", "http://127.0.0.1:9")
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def ids(entries: object) -> list[tuple[str | None, str | None]]:
    return [(e.arxiv and e.arxiv.full, e.acl and e.acl.id) for e in entries]  # type: ignore[attr-defined]


def test_the_seed_list_gives_the_committed_entries_in_order(workdir: Path) -> None:
    code, _, err = run("--sources", "new/papers.toml", "import", str(SEED))
    assert code == 0, err
    assert err.splitlines()[-1] == (
        f"new/papers.toml: imported 67 of 67 papers from {SEED}; 0 lines not understood, 0 papers not imported; "
        "run 'exporter build' to resolve them and write the outputs")
    imported = load(workdir / "new" / "papers.toml")
    want = ids(COMMITTED.entries)
    # The README links the first paper's Anthology page only; the committed file adds its arXiv
    # id by hand (an import cannot know it). Every other entry has exactly the same ids.
    assert want[0] == ("2104.08773", "2022.acl-long.244")
    assert ids(imported.entries) == [(None, "2022.acl-long.244")] + want[1:]
    assert [e.section for e in imported.entries] == [e.section for e in COMMITTED.entries]
    # The front matter comes along, so the list can be rebuilt as it was.
    assert (imported.meta.heading, imported.meta.badges, imported.meta.section) == (
        COMMITTED.meta.heading, COMMITTED.meta.badges, COMMITTED.meta.section)
    assert imported.meta.intro.strip() == COMMITTED.meta.intro.strip()
    assert imported.meta.footer.strip() == COMMITTED.meta.footer.strip()
    # Without a lock, a date is kept unless it is the month of the arXiv id (v1's, mostly).
    assert {e.uid: e.date for e in imported.entries if e.date is not None} == {"acl:2022.acl-long.244": "2021.4"}


def test_list_dates_are_kept_where_the_lock_does_not_show_them(workdir: Path) -> None:
    (workdir / "new").mkdir()
    shutil.copy(ROOT / "sources" / "papers.lock.json", workdir / "new" / "papers.lock.json")
    assert run("--sources", "new/papers.toml", "import", str(SEED))[0] == 0
    imported = load(workdir / "new" / "papers.toml")
    dated = {e.uid: e.date for e in imported.entries if e.date is not None}
    # 2205.00049: the list says 2022.5, arXiv v1 is 2022-04-29 (the committed file says so too);
    # the Anthology-only first paper shows arXiv's month, which only the list knows.
    assert dated["arxiv:2205.00049"] == "2022.5" and dated["acl:2022.acl-long.244"] == "2021.4"
    assert {uid: d for uid, d in dated.items() if uid not in ("arxiv:2205.00049", "acl:2022.acl-long.244")} == {}


def test_importing_into_the_committed_list_refuses_every_paper(workdir: Path) -> None:
    shutil.copytree(ROOT / "sources", workdir / "sources")
    before = (workdir / "sources" / "papers.toml").read_bytes()
    code, _, err = run("import", str(SEED))
    assert code == 1
    lines = err.splitlines()
    assert lines[0].startswith(f"{SEED}: front matter (") and "not imported: sources/papers.toml has its own" in lines[0]
    refused = [line for line in lines if line.startswith("not imported: ")]
    assert len(refused) == 67
    assert refused[24] == (f"not imported: {SEED}:112: already in the list as sources/papers.toml:97: entry 25 "
                           "(arxiv:2212.10560) 'Self-Instruct: Aligning Language Models with Self-Generated "
                           "Instructions' (the same arXiv id)")
    assert (workdir / "sources" / "papers.toml").read_bytes() == before


def test_our_own_refs_bib_round_trips_with_its_keys(workdir: Path) -> None:
    assert run("--sources", "b/papers.toml", "import", str(ROOT / "outputs" / "refs.bib"))[0] == 0
    shutil.copy(ROOT / "sources" / "papers.lock.json", workdir / "b" / "papers.lock.json")
    code, _, err = run("--sources", "b/papers.toml", "--outputs", "out", "build", "--offline")
    assert code == 0, err
    keys = lambda path: re.findall(r"^@\w+\{([^,]+),", path.read_text(encoding="utf-8"), re.M)  # noqa: E731
    assert keys(workdir / "out" / "refs.bib") == keys(ROOT / "outputs" / "refs.bib")
    # Titles agree with the committed outputs (the same papers, resolved from the same lock).
    ours = {i["id"]: i["title"] for i in json.loads((workdir / "out" / "refs.json").read_text(encoding="utf-8"))}
    committed = {i["id"]: i["title"] for i in json.loads((ROOT / "outputs" / "refs.json").read_text(encoding="utf-8"))}
    assert ours == committed


def test_unreadable_lines_are_listed_with_their_numbers(workdir: Path) -> None:
    bib = workdir / "refs.bib"
    first = (ROOT / "outputs" / "refs.bib").read_text(encoding="utf-8").split("\n\n")[0]
    bib.write_text(first + "\n\n@misc{broken,\n  title = {Unbalanced {brace},\n\n", encoding="utf-8")
    code, _, err = run("--sources", "n/papers.toml", "import", str(bib))
    assert code == 0
    broken = first.count("\n") + 3  # the line of @misc{broken
    assert re.search(rf"^{re.escape(str(bib))}:{broken}: not imported: block not parsed", err, re.M), err
    assert "imported 1 of 1 papers" in err and "1 lines not understood" in err


def test_manual_entries_from_a_bib_flow_to_every_output(workdir: Path) -> None:
    # DBLP's export without its DBLP keys and biburls: anyone's .bib of the same papers.
    text = (FIXTURES / "import" / "dblp-slice.bib").read_text(encoding="utf-8")
    bib = workdir / "slice.bib"
    bib.write_text(re.sub(r"^  biburl\s*=.*\n", "", text.replace("{DBLP:", "{dblp-"), flags=re.M), encoding="utf-8")
    code, _, err = run("--sources", "d/papers.toml", "--outputs", "out", "import", str(bib))
    assert code == 0, err
    src = load(workdir / "d" / "papers.toml")
    manual = [e for e in src.entries if e.manual]
    assert manual and all(e.key for e in src.entries)
    # Manual entries need no network: build the list of manual entries alone.
    only = workdir / "m" / "papers.toml"
    only.parent.mkdir()
    text = (workdir / "d" / "papers.toml").read_text(encoding="utf-8")
    blocks = [b for b in text.split("\n\n") if b.startswith("[[papers]]") and "\narxiv =" not in b and "\nacl =" not in b]
    only.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    code, _, err = run("--sources", str(only), "--outputs", "mout", "build", "--offline")
    assert code == 0, err
    items = json.loads((workdir / "mout" / "refs.json").read_text(encoding="utf-8"))
    assert [i["id"] for i in items] == [e.key for e in manual]


def test_a_file_of_another_kind_is_one_line(workdir: Path) -> None:
    (workdir / "list.txt").write_text("x", encoding="utf-8")
    code, _, err = run("import", "list.txt")
    assert code == 1 and err.count("\n") == 1 and err.startswith("Error: list.txt: cannot import a '.txt' file")
    code, _, err = run("import", "missing.md")
    assert (code, err) == (1, "Error: missing.md: file not found\n")


def test_sections_of_papers_without_ids_are_imported_and_typos_reported(workdir: Path) -> None:
    md = FIXTURES / "import" / "sections-without-ids.md"
    code, _, err = run("--sources", "s/papers.toml", "import", str(md))
    assert code == 0, err
    assert f"{md}:10: not imported: list item links 'https://arxiv.org/abs/2109.016', which is no arXiv or " \
           "Anthology id" in err
    src = load(workdir / "s" / "papers.toml")
    assert [(e.uid, e.section) for e in src.entries] == [
        ("manual:alpaca-a-strong-replicable-instruction-following-model", "Blogs"),
        ("arxiv:2109.01652", "Papers"),
        ("manual:gpt-4-technical-report", "Reports"),
    ]
    assert src.entries[2].overrides["authors"] == ["OpenAI"] and src.entries[2].overrides["year"] == 2023
    assert src.meta.footer.startswith("## Star History") and src.meta.intro == ""


def test_a_latin1_bib_and_a_url_in_howpublished(workdir: Path) -> None:
    # Google Scholar's entry for the Stanford Alpaca repository, saved by an older tool in Latin-1.
    bib = workdir / "scholar.bib"
    bib.write_bytes("@misc{alpaca,\n  author = {Rohan Taori and Ishaan Gulrajani and Tianyi Zhang and Yann Dubois "
                    "and Xuechen Li and Carlos Guestrin and Percy Liang and Tatsunori B. Hashimoto},\n"
                    "  title = {Stanford Alpaca: An Instruction-following LLaMA model},\n  year = {2023},\n"
                    "  publisher = {GitHub},\n  journal = {GitHub repository},\n"
                    "  howpublished = {\\url{https://github.com/tatsu-lab/stanford_alpaca}},\n}\n\n"
                    "@misc{schmidhuber2015deep,\n  author = {J\u00fcrgen Schmidhuber},\n"
                    "  title = {Deep Learning in Neural Networks: An Overview},\n  year = {2015},\n}\n"
                    .encode("latin-1")
                    # Windows editors save Latin-1 with their own quotes and dashes (Windows-1252).
                    + "\n@misc{quotes,\n  author = {Ada Moss},\n  title = {\u201cSmart\u201d Quotes \u2013 and a Dash},\n"
                      "  year = {2020},\n}\n".encode("cp1252"))
    code, _, err = run("--sources", "g/papers.toml", "--outputs", "out", "import", str(bib))
    assert code == 0, err
    assert f"{bib}:11: not UTF-8; read as Windows-1252" in err
    assert load(workdir / "g" / "papers.toml").entries[2].overrides["title"] == "\u201cSmart\u201d Quotes \u2013 and a Dash"
    entries = load(workdir / "g" / "papers.toml").entries
    assert entries[0].overrides["url"] == "https://github.com/tatsu-lab/stanford_alpaca"
    assert entries[0].overrides["publisher"] == "GitHub" and entries[0].key == "alpaca"
    assert entries[1].overrides["authors"] == ["Jürgen Schmidhuber"]
    code, _, err = run("--sources", "g/papers.toml", "--outputs", "out", "build", "--offline")
    assert code == 0, err
    assert "url = {https://github.com/tatsu-lab/stanford_alpaca}" in (workdir / "out" / "refs.bib").read_text()
