"""End to end through the CLI: offline builds, byte-stable outputs, clear one-line errors."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakeserver import FakeServices

from exporter.cli import main

ROOT = Path(__file__).parent.parent
SEED = Path(__file__).parent / "fixtures" / "seed" / "Instruction-Tuning-Papers-README.md"
OUTPUTS = ("refs.bib", "refs.json", "refs.ris", "README.md")


@pytest.fixture
def project(committed_list: Path) -> Path:
    """A copy of the committed sources and lock, without outputs, as the working directory."""
    shutil.rmtree(committed_list / "outputs")
    return committed_list


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_offline_build_reproduces_the_committed_outputs_byte_for_byte(project: Path) -> None:
    code, _, err = run("build", "--offline")
    assert code == 0, err
    for name in OUTPUTS:
        assert (project / "outputs" / name).read_bytes() == (ROOT / "outputs" / name).read_bytes(), name
    first = {name: (project / "outputs" / name).read_bytes() for name in OUTPUTS}
    code, _, err = run("build", "--offline")
    assert code == 0
    assert {name: (project / "outputs" / name).read_bytes() for name in OUTPUTS} == first
    assert err.count("(unchanged)") == 4
    assert (project / "sources" / "papers.lock.json").read_bytes() == (ROOT / "sources" / "papers.lock.json").read_bytes()


def test_each_output_has_67_entries(project: Path) -> None:
    assert run("build", "--offline")[0] == 0
    out = project / "outputs"
    assert len(re.findall(r"^@\w+\{", (out / "refs.bib").read_text(), re.M)) == 67
    assert (out / "refs.json").read_text().count('\n    "id": ') == 67
    assert len(re.findall(r"^ER  - $", (out / "refs.ris").read_text(), re.M)) == 67
    assert len(re.findall(r"^1\. \*\*", (out / "README.md").read_text(), re.M)) == 67


def _seed_items(text: str) -> list[tuple[str, str | None]]:
    return [(url, date or None) for url, date in re.findall(r"\[\[pape?r?\]\]\((\S+?)\)[ \t]*(\d{4}\.\d+)?", text)]


def test_markdown_lists_the_seed_papers_in_order_with_links_and_dates() -> None:
    seed = _seed_items(SEED.read_text(encoding="utf-8"))
    ours = _seed_items((ROOT / "outputs" / "README.md").read_text(encoding="utf-8"))
    assert len(seed) == len(ours) == 67
    assert [url for url, _ in ours] == [url for url, _ in seed]
    for (url, seed_date), (_, our_date) in zip(seed, ours):
        if seed_date:  # the seed leaves some dates out; ours gives arXiv v1's for those
            assert our_date == seed_date, url
        assert our_date is not None, url
    heading, badges = (ROOT / "outputs" / "README.md").read_text().splitlines()[0:3:2]
    assert heading == "# Instruction-Tuning-Papers"
    assert badges == SEED.read_text().splitlines()[2].strip()


def test_export_one_format_to_stdout_and_to_a_file(project: Path) -> None:
    code, out, _ = run("export", "--format", "csljson")
    assert code == 0 and out == (ROOT / "outputs" / "refs.json").read_text()
    code, _, _ = run("export", "--format", "ris", "-o", "mine.ris")
    assert code == 0 and (project / "mine.ris").read_text() == (ROOT / "outputs" / "refs.ris").read_text()


def test_offline_build_with_an_unresolved_entry_fails_clearly_and_writes_nothing(project: Path) -> None:
    with open(project / "sources" / "papers.toml", "a") as f:
        f.write('\n[[papers]]\narxiv = "2401.00001"\n')
    code, _, err = run("build", "--offline")
    assert code == 1
    assert err == (
        "Error: sources/papers.toml:235: entry 68 (arxiv:2401.00001): not in the lock; "
        "run 'exporter resolve' online (--offline was given)\n"
    )
    assert not (project / "outputs").exists()


def test_bad_sources_give_one_line_with_file_and_line(project: Path) -> None:
    text = (project / "sources" / "papers.toml").read_text().replace('arxiv = "2109.01652"', 'arxiv = "2109.0165"')
    (project / "sources" / "papers.toml").write_text(text)
    code, _, err = run("build", "--offline")
    assert code == 1
    assert re.fullmatch(
        r"Error: sources/papers\.toml:\d+: entry 2 \(arxiv = '2109\.0165'\): '2109\.0165' is not an arXiv id.*\n", err
    )
    assert "Traceback" not in err


def test_unwritable_outputs_folder_is_a_clean_error(project: Path) -> None:
    (project / "blocked").write_text("a file where a folder should be")
    code, _, err = run("--outputs", "blocked/out", "build", "--offline")
    assert code == 1
    assert err.startswith("Error: blocked/out/refs.bib: cannot write:") and err.count("\n") == 1


def test_resolve_from_an_empty_lock_over_http(project: Path, fake_services: FakeServices, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPORTER_ARXIV_URL", fake_services.arxiv_url)
    monkeypatch.setenv("EXPORTER_ACL_URL", fake_services.acl_url)
    (project / "sources" / "papers.lock.json").unlink()
    code, _, err = run("resolve")
    assert code == 0, err
    assert "67 arXiv, 26 ACL Anthology and 9 DBLP records fetched" in err
    assert "published versions: 34 upgraded" in err  # 25 by the Anthology, 9 by DBLP
    assert (project / "sources" / "papers.lock.json").read_bytes() == (ROOT / "sources" / "papers.lock.json").read_bytes()
    assert len([r for r in fake_services.requests if r.path == "/api/query"]) == 1


def test_resolve_reports_failed_entries_and_keeps_the_rest(project: Path, fake_services: FakeServices, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPORTER_ARXIV_URL", fake_services.arxiv_url)
    monkeypatch.setenv("EXPORTER_ACL_URL", fake_services.acl_url)
    with open(project / "sources" / "papers.toml", "a") as f:
        f.write('\n[[papers]]\narxiv = "2401.00001"\n\n[[papers]]\nacl = "P19-1001"\n')
    code, _, err = run("resolve", "--retries", "0")
    assert code == 1
    lines = err.splitlines()
    assert lines[-3] == "Error: 2 entries not resolved (0 records fetched and kept in the lock):"
    assert lines[-2] == (
        "sources/papers.toml:235: entry 68 (arxiv:2401.00001): arXiv returned no record for this id (after 1 try); "
        "check it on arxiv.org"
    )
    assert lines[-1] == "sources/papers.toml:238: entry 69 (acl:P19-1001): not in the ACL Anthology (HTTP 404); check the id"
    # The 67 known entries are still in the lock, untouched.
    assert (project / "sources" / "papers.lock.json").read_bytes() == (ROOT / "sources" / "papers.lock.json").read_bytes()


@pytest.mark.parametrize("command", [[], ["build"], ["resolve"], ["export"]])
def test_every_command_has_help(command: list[str]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0 and "Usage:" in out and len(out.splitlines()) > 5


def test_build_keeps_the_lock_when_a_paper_is_commented_out(project: Path) -> None:
    toml = project / "sources" / "papers.toml"
    full = toml.read_text()
    toml.write_text(full.replace('[[papers]]\narxiv = "2109.01652"\n', ""))
    assert run("build", "--offline")[0] == 0
    assert (project / "sources" / "papers.lock.json").read_bytes() == (ROOT / "sources" / "papers.lock.json").read_bytes()
    toml.write_text(full)
    assert run("build", "--offline")[0] == 0


def test_outputs_are_written_through_symlinks(project: Path) -> None:
    (project / "paper").mkdir()
    (project / "paper" / "refs.bib").write_text("% old\n")
    (project / "outputs").mkdir()
    (project / "outputs" / "refs.bib").symlink_to(project / "paper" / "refs.bib")
    assert run("build", "--offline")[0] == 0
    assert (project / "outputs" / "refs.bib").is_symlink()
    assert (project / "paper" / "refs.bib").read_text() == (ROOT / "outputs" / "refs.bib").read_text()


def test_export_to_a_character_device_writes_through_it(project: Path) -> None:
    code, _, err = run("export", "--format", "ris", "-o", "/dev/null")
    assert code == 0, err
    assert Path("/dev/null").is_char_device()


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ nope }}", r"Error: my\.j2:1: template error: 'nope' is undefined\n"),
        ("line one\n{% for %}", r"Error: my\.j2:2: template error: .*\n"),
    ],
)
def test_errors_in_a_user_template_name_file_and_line(project: Path, template: str, message: str) -> None:
    (project / "sources" / "my.j2").write_text(template)
    toml = project / "sources" / "papers.toml"
    toml.write_text(toml.read_text().replace("[list]\n", '[list]\ntemplate = "my.j2"\n', 1))
    code, _, err = run("build", "--offline")
    assert code == 1
    assert re.fullmatch(message, err), err
    assert not (project / "outputs").exists()


def test_a_user_template_renders_the_list(project: Path) -> None:
    (project / "sources" / "my.j2").write_text("{% for p in records %}- {{ p.title | md }} ({{ p.id }})\n{% endfor %}")
    toml = project / "sources" / "papers.toml"
    toml.write_text(toml.read_text().replace("[list]\n", '[list]\ntemplate = "my.j2"\n', 1))
    assert run("build", "--offline")[0] == 0
    lines = (project / "outputs" / "README.md").read_text().splitlines()
    assert len(lines) == 67 and lines[1] == "- Finetuned Language Models are Zero-Shot Learners (wei2021finetuned)"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda lock: lock["records"]["arxiv"]["2109.01652"].pop("title"), "arxiv record '2109.01652' has a damaged or missing 'title'"),
        (lambda lock: lock["records"]["arxiv"]["2109.01652"].update(authors=None), "arxiv record '2109.01652' has a damaged or missing 'authors'"),
        (lambda lock: lock["records"]["acl"].update({"2022.acl-long.244": None}), "acl record '2022.acl-long.244' is not an object"),
        (lambda lock: lock.update(keys=[]), "'keys' must map entries to citation keys (strings)"),
    ],
)
def test_a_damaged_lock_is_a_clean_error(project: Path, change: object, message: str) -> None:
    import json

    path = project / "sources" / "papers.lock.json"
    lock = json.loads(path.read_text())
    change(lock)  # type: ignore[operator]
    path.write_text(json.dumps(lock))
    code, _, err = run("build", "--offline")
    assert code == 1
    assert err == f"Error: sources/papers.lock.json: {message}; fix it or delete it and run 'exporter resolve'\n"


def test_duplicate_keys_in_a_merged_lock_are_reassigned(project: Path) -> None:
    import json

    path = project / "sources" / "papers.lock.json"
    lock = json.loads(path.read_text())
    lock["keys"]["arxiv:2110.08207"] = "wei2021finetuned"  # as two branches merged could leave it
    path.write_text(json.dumps(lock))
    assert run("build", "--offline")[0] == 0
    keys = re.findall(r"^@\w+\{([^,]+),", (project / "outputs" / "refs.bib").read_text(), re.M)
    assert len(set(keys)) == 67 and keys[1] == "wei2021finetuned" and keys[2] == "sanh2021multitask"


@pytest.mark.parametrize("url", ["foo", "ftp://example.org/api", "http://[::1"])
def test_a_bad_service_url_is_a_usage_error(project: Path, url: str) -> None:
    code, _, err = run("resolve", "--arxiv-url", url)
    assert code == 2
    assert "Invalid value for '--arxiv-url'" in err and "Traceback" not in err


def test_an_unforeseen_fault_is_one_line_not_a_traceback(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from exporter import check as checking
    from exporter.cli import main

    def broken(*args: object, **kwargs: object) -> list[str]:
        raise KeyError("surprise")

    monkeypatch.setattr(checking, "run", broken)
    monkeypatch.delenv("EXPORTER_DEBUG", raising=False)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert result.output == ("Error: internal error (KeyError: 'surprise'); this is a bug in exporter: please report "
                             "it, with the traceback EXPORTER_DEBUG=1 shows\n")
    monkeypatch.setenv("EXPORTER_DEBUG", "1")
    assert isinstance(CliRunner().invoke(main, ["check"]).exception, KeyError)


def test_a_list_chooses_its_outputs_and_a_fifth_format_is_one_row(project: Path) -> None:
    """[list] outputs: build writes, check compares and export offers exactly the formats named, the
    Hayagriva file for Typst (refs.yml) among them."""
    import yaml

    sources = project / "sources" / "papers.toml"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(text.replace('section = "Papers"\n', 'section = "Papers"\noutputs = ["bibtex", "hayagriva"]\n', 1),
                       encoding="utf-8")
    code, _, err = run("build", "--offline")
    assert code == 0, err
    assert sorted(p.name for p in (project / "outputs").iterdir()) == ["refs.bib", "refs.yml"]
    assert (project / "outputs" / "refs.bib").read_bytes() == (ROOT / "outputs" / "refs.bib").read_bytes()
    entries = yaml.safe_load((project / "outputs" / "refs.yml").read_text(encoding="utf-8"))
    keys = json.loads((ROOT / "sources" / "papers.lock.json").read_text(encoding="utf-8"))["keys"].values()
    assert len(entries) == 67 and set(entries) == set(keys)
    assert run("check")[0] == 0
    code, out, _ = run("export", "--format", "hayagriva")
    assert code == 0 and out == (project / "outputs" / "refs.yml").read_text(encoding="utf-8")
    # check compares refs.yml too, and names the entry at a stale line.
    path = project / "outputs" / "refs.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("Finetuned Language Models", "Fine-tuned Language Models"),
                    encoding="utf-8")
    code, out, _ = run("check")
    assert code == 1 and len(out.splitlines()) == 1
    assert re.match(r"outputs/refs\.yml:\d+: stale in entry 2 \(arxiv:2109\.01652\), whose lock record is at line \d+",
                    out)
    # A format no writer has is named at its line.
    sources.write_text(text.replace('section = "Papers"\n', 'section = "Papers"\noutputs = ["bibtex", "docx"]\n', 1),
                       encoding="utf-8")
    code, _, err = run("build", "--offline")
    assert code == 1
    assert err == ("Error: sources/papers.toml:16: [list]: no output format 'docx'; choose from bibtex, csljson, ris, "
                   "markdown, hayagriva\n")
