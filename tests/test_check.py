"""`exporter check`: exit 0 on the committed list, 1 with one precise line per problem."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from exporter.cli import main

ROOT = Path(__file__).parent.parent
OUTPUTS = ("refs.bib", "refs.json", "refs.ris", "README.md")


@pytest.fixture
def project(committed_list: Path) -> Path:
    return committed_list


def check(*options: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["check", *options])
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout.splitlines()


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_committed_list_is_in_order(project: Path) -> None:
    before = snapshot(project)
    assert check() == (0, [])
    assert snapshot(project) == before  # check writes nothing


# One hand edit per output file: the line of the first difference, and the paper there.
@pytest.mark.parametrize(
    ("name", "old", "new", "line"),
    [
        ("refs.bib", "title = {Finetuned Language Models are Zero-Shot Learners}",
         "title = {Finetuned language models are zero-shot learners}", 22),
        ("refs.json", '"title": "Finetuned Language Models are Zero-Shot Learners"',
         '"title": "Finetuned Language Models Are Zero-Shot Learners"', 109),
        ("refs.ris", "AU  - Wei, Jason", "AU  - Wei, J.", 28),
        ("README.md", "**Finetuned Language Models are Zero-Shot Learners**", "**FLAN**", 15),
    ],
)
def test_an_output_edited_by_hand_is_one_precise_line(project: Path, name: str, old: str, new: str, line: int) -> None:
    edit(project / "outputs" / name, old, new)
    code, lines = check()
    assert code == 1
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"outputs/{name}:{line}: stale in entry 2 (arxiv:2109.01652), whose lock record is at line ")
    assert lines[0].endswith("run 'exporter build'")


def test_a_missing_output_is_named(project: Path) -> None:
    (project / "outputs" / "refs.ris").unlink()
    assert check() == (1, ["outputs/refs.ris: missing; run 'exporter build'"])


def lock_line(project: Path, needle: str) -> int:
    lines = (project / "sources" / "papers.lock.json").read_text(encoding="utf-8").splitlines()
    return next(n for n, text in enumerate(lines, start=1) if needle in text)


def test_a_lock_value_edited_by_hand_is_named_at_its_record(project: Path) -> None:
    record = lock_line(project, '"2109.01652": {')
    edit(project / "sources" / "papers.lock.json", '"Finetuned Language Models Are Zero-Shot Learners"',
         '"Finetuned Language Models Are Zero-Shot Learners (FLAN)"')
    assert check() == (1, [
        f"sources/papers.lock.json:{record}: arxiv record '2109.01652' was edited by hand (it is not what arXiv "
        "sent); put corrections in sources/papers.toml and run 'exporter resolve --refresh' to fetch it again"])


def test_outputs_stale_after_a_fetch_name_the_record(project: Path) -> None:
    # A lock that changed since the build (a refresh, or records received): every output is stale there.
    from exporter import lock as lockfile

    path = project / "sources" / "papers.lock.json"
    lock = lockfile.load(path)
    lock.arxiv["2206.11147"]["title"] = "reStructured Pre-training (RST)"
    lock.received("arxiv", ["2206.11147"])
    lockfile.save(path, lock)
    record = lock_line(project, '"2206.11147": {')
    code, lines = check()
    assert code == 1
    assert [line.split(":")[0] for line in lines] == [f"outputs/{name}" for name in OUTPUTS]
    assert all(f"stale in entry 13 (arxiv:2206.11147), whose lock record is at line {record}:" in line for line in lines)


def test_a_lock_reformatted_by_hand_is_named_at_its_line(project: Path) -> None:
    line = lock_line(project, '"2109.01652": {')
    edit(project / "sources" / "papers.lock.json", '"2109.01652": {', '"2109.01652":   {')
    assert check() == (1, [f"sources/papers.lock.json:{line}: not as exporter writes it (edited by hand?); "
                           "run 'exporter resolve' to rewrite it"])


def test_lock_records_missing_and_orphaned(project: Path) -> None:
    path = project / "sources" / "papers.lock.json"
    lock = json.loads(path.read_text(encoding="utf-8"))
    lock["records"]["arxiv"]["2401.00001"] = lock["records"]["arxiv"].pop("2109.01652")  # one record gone, one no entry uses
    path.write_text(json.dumps(lock, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    code, lines = check()
    assert code == 1
    orphan = lock_line(project, '"2401.00001": {')
    assert lines == [
        "sources/papers.toml:26: entry 2 (arxiv:2109.01652): arxiv record '2109.01652' is not in the lock "
        "sources/papers.lock.json; run 'exporter resolve'",
        f"sources/papers.lock.json:{orphan}: arXiv record '2401.00001' is used by no entry of sources/papers.toml; "
        "run 'exporter resolve' to drop it",
    ]


def test_a_damaged_lock_is_one_line(project: Path) -> None:
    edit(project / "sources" / "papers.lock.json", '"format": 2', '"format": 2,,')
    code, lines = check()
    assert code == 1 and len(lines) == 1
    line = next(n for n, text in enumerate((project / "sources" / "papers.lock.json").read_text().splitlines(), 1)
                if '"format": 2,,' in text)
    assert lines[0].startswith(f"sources/papers.lock.json:{line}: unreadable lock file (")


def test_the_same_paper_under_another_identifier(project: Path) -> None:
    # Self-Instruct is listed by its arXiv id; its Anthology version's record is in the lock.
    with (project / "sources" / "papers.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[[papers]]\nacl = "2023.acl-long.754"\n')
    code, lines = check()
    assert code == 1
    first = lines[0]
    assert re.fullmatch(r"sources/papers\.toml:\d+: entry 68 \(acl:2023\.acl-long\.754\): the same paper as "
                        r"entry \d+ \(line \d+\), titled 'Self-Instruct: Aligning Language Models with "
                        r"Self-Generated Instructions'", first), first


def test_schema_problems_are_one_line_each(project: Path) -> None:
    with (project / "sources" / "papers.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[[papers]]\narxiv = "2109.01652v2"\n\n[[papers]]\narxiv = "2305.11159"\nvenu = "ACL"\n')
    code, lines = check()
    assert code == 1
    assert len(lines) == 2
    assert re.match(r"sources/papers\.toml:\d+: entry 68 \(arxiv:2109\.01652v2\): duplicate arxiv '2109\.01652'", lines[0])
    assert re.match(r"sources/papers\.toml:\d+: entry 69 \(arxiv = '2305\.11159'\): unknown key 'venu'", lines[1])


def test_options_must_match_the_build(project: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--offline", "--bibtex-dialect", "biblatex"]).exit_code == 0
    code, lines = check()
    assert code == 1 and [line.split(":")[0] for line in lines] == ["outputs/refs.bib"]
    assert check("--bibtex-dialect", "biblatex") == (0, [])


def test_the_lists_own_build_options_need_no_flags(project: Path) -> None:
    edit(project / "sources" / "papers.toml", 'section = "Papers"\n',
         'section = "Papers"\nbibtex_dialect = "biblatex"\nbibtex_unicode = true\nupgrade = false\n')
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--offline"]).exit_code == 0
    bib = (project / "outputs" / "refs.bib").read_text(encoding="utf-8")
    assert "@online{" in bib and "Štefánik" in bib  # biblatex, UTF-8
    assert "2023.acl-long.754" not in bib  # no published versions
    assert check() == (0, [])
    # Flags still win, and check compares with what they would write.
    assert check("--bibtex-dialect", "bibtex")[0] == 1
    assert runner.invoke(main, ["export", "--format", "bibtex", "--bibtex-latex"]).stdout != bib


def test_a_published_versions_record_is_named_where_it_leads(project: Path) -> None:
    # Self-Instruct (entry 25, an arXiv id) is written as its Anthology version: that record leads.
    record = lock_line(project, '"2023.acl-long.754": {')
    from exporter import lock as lockfile

    path = project / "sources" / "papers.lock.json"
    lock = lockfile.load(path)
    lock.acl["2023.acl-long.754"]["fields"]["pages"] = "13484--13509"
    lock.received("acl", ["2023.acl-long.754"])  # as a refresh would leave it
    lockfile.save(path, lock)
    code, lines = check()
    assert code == 1 and lines
    assert all(f"stale in entry 25 (arxiv:2212.10560), whose lock record is at line {record}:" in line
               for line in lines), lines


def test_a_footer_edit_names_no_paper(project: Path) -> None:
    edit(project / "outputs" / "README.md", "## Star History", "## Stars")
    code, lines = check()
    assert code == 1 and len(lines) == 1
    assert re.fullmatch(r"outputs/README\.md:\d+: stale: not what 'exporter build' writes from sources/papers\.toml "
                        r"and its lock; run 'exporter build'", lines[0]), lines


@pytest.mark.parametrize(("old", "new"), [('"version": 5', '"version": 6'), ('"comment": "Version 5.', '"comment": "V5.')])
def test_a_lock_field_no_output_shows_is_still_a_hand_edit(project: Path, old: str, new: str) -> None:
    record = lock_line(project, '"2109.01652": {')
    path = project / "sources" / "papers.lock.json"
    text = path.read_text(encoding="utf-8")
    start = text.index('"2109.01652": {')
    at = text.index(old, start)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    assert check() == (1, [
        f"sources/papers.lock.json:{record}: arxiv record '2109.01652' was edited by hand (it is not what arXiv "
        "sent); put corrections in sources/papers.toml and run 'exporter resolve --refresh' to fetch it again"])


def test_crlf_line_ends_are_a_difference(project: Path) -> None:
    path = project / "outputs" / "refs.bib"
    lines = path.read_bytes().split(b"\n")
    lines[354] += b"\r"
    path.write_bytes(b"\n".join(lines))
    code, out = check()
    assert code == 1 and len(out) == 1 and out[0].startswith("outputs/refs.bib:355: stale in entry ")


@pytest.mark.parametrize(
    ("section", "needle", "old", "new", "what"),
    [
        ("published", '"arxiv:2212.10560": {', '"score": 1.0', '"score": 0.5',
         "the published-version decision of arxiv:2212.10560 was edited by hand; use upgrade = false"),
        ("published", '"arxiv:2206.11147": {', '"match": null',
         '"match": {"finder": "acl", "kind": "acl", "id": "2023.acl-long.754", "score": 1.0}',
         "the published-version decision of arxiv:2206.11147 was edited by hand"),
        ("keys", '"arxiv:2109.01652": "wei2021finetuned"', '"wei2021finetuned"', '"wei2021flan"',
         "the citation key of arxiv:2109.01652 was edited by hand; delete that line and run 'exporter build'"),
    ],
)
def test_decisions_and_keys_edited_by_hand(project: Path, section: str, needle: str, old: str, new: str,
                                           what: str) -> None:
    path = project / "sources" / "papers.lock.json"
    text = path.read_text(encoding="utf-8")
    at = text.index(needle, text.index(f'  "{section}": {{'))
    line = text[:at].count("\n") + 1
    edit_at = text.index(old, at)
    path.write_text(text[:edit_at] + new + text[edit_at + len(old):], encoding="utf-8")
    code, lines = check()
    assert code == 1
    assert any(item.startswith(f"sources/papers.lock.json:{line}: {what}") for item in lines), lines


def test_a_decision_deleted_from_the_lock(project: Path) -> None:
    path = project / "sources" / "papers.lock.json"
    text = path.read_text(encoding="utf-8")
    at = text.index('    "arxiv:2206.11147": {', text.index('  "published": {'))
    path.write_text(text[:at] + text[text.index("\n    },\n", at) + len("\n    },\n"):], encoding="utf-8")
    assert check() == (1, ["sources/papers.toml:61: entry 13 (arxiv:2206.11147): its published version was never "
                           "looked for (no decision in sources/papers.lock.json); run 'exporter resolve'"])
    # Without published versions the decision is not needed, but its digest shows the deletion.
    code, lines = check("--no-upgrade")
    assert code == 1 and len(lines) == 1 and "not as exporter writes it (edited by hand?)" in lines[0]


def test_a_key_edited_by_hand_stays_named_after_a_build(project: Path) -> None:
    """A build keeps the locked key (keys never change), but must not take the edit for its own."""
    edit(project / "sources" / "papers.lock.json", '"arxiv:2109.01652": "wei2021finetuned"',
         '"arxiv:2109.01652": "wei2021flan"')
    assert CliRunner().invoke(main, ["build", "--offline"]).exit_code == 0
    code, lines = check()
    assert code == 1 and len(lines) == 1
    assert "the citation key of arxiv:2109.01652 was edited by hand" in lines[0]
