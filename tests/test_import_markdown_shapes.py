"""Shapes real Markdown paper lists take, each in a small fixture of our own (tests/fixtures/import/*.md)."""

from __future__ import annotations

from pathlib import Path

from exporter.ids import parse_id
from exporter.readers import Imported, read

IMPORT = Path(__file__).resolve().parent / "fixtures" / "import"


def _read(name: str) -> tuple[str, Imported]:
    text = (IMPORT / name).read_text(encoding="utf-8")
    return text, read(name, text)


def _line(text: str, start: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


def _ids(imported: Imported) -> list[str]:
    return [" ".join(i.full for i in p.ids.values()) for p in imported.papers]


def test_adjacent_link_groups_are_links_not_a_reference() -> None:
    """`[[Paper](…)][[Code](…)]` gives the paper's id and its code; browse. and aps. arXiv hosts count."""
    text, imported = _read("adjacent-links.md")
    assert _ids(imported) == ["2109.01652", "2212.10560", "2110.08207"]
    assert [p.line for p in imported.papers] == [_line(text, "**Finetuned"), _line(text, "**Self-Instruct"),
                                                 _line(text, "**Multitask")]
    assert imported.papers[0].fields == {"code": "https://github.com/google-research/FLAN"}
    assert [p.list_date for p in imported.papers] == ["2021.9", "2022.12", "2021.10"]  # `3 Sep 2021`
    assert imported.skipped == []


def test_one_heading_per_paper() -> None:
    text, imported = _read("heading-per-paper.md")
    assert _ids(imported) == ["2109.01652", "2022.emnlp-main.340"]
    assert [p.line for p in imported.papers] == [_line(text, "### [Finetuned"), _line(text, "### [Super")]
    assert imported.papers[1].title.startswith("Super-NaturalInstructions")
    assert imported.papers[1].fields["code"] == "https://github.com/allenai/natural-instructions"
    assert imported.meta["section"] == "Papers" and imported.meta["intro"] == "Notes on each paper."
    assert imported.skipped == []


def test_a_nested_item_without_a_known_id_is_never_dropped() -> None:
    text, imported = _read("nested-items.md")
    assert [(p.line, p.title) for p in imported.papers] == [
        (_line(text, "  - [Finetuned"), "Finetuned Language Models Are Zero-Shot Learners"),
        (_line(text, "  - [Alpaca"), "Alpaca: A Strong, Replicable Instruction-Following Model"),
    ]
    assert imported.papers[1].fields["authors"] == ["Rohan Taori", "Ishaan Gulrajani"]
    assert imported.skipped == [(_line(text, "  - [Scaling"), "list item 'Scaling Instruction-Finetuned Language Models' "
                                 "has no arXiv or Anthology id and shows no authors and no year: a manual entry needs "
                                 "them; not imported")]


def test_plain_text_years_make_manual_entries() -> None:
    text, imported = _read("plain-years.md")
    manual = {p.title: p.fields for p in imported.papers if not p.ids}
    # Titles lose a trailing full stop and wrapping quotes; "et al." is no author.
    assert manual["Adversarial Example Generation with Syntactically Controlled Paraphrase Networks"] == {
        "title": "Adversarial Example Generation with Syntactically Controlled Paraphrase Networks",
        "authors": ["Mohit Iyyer", "John Wieting", "Kevin Gimpel", "Luke Zettlemoyer"],
        "type": "document", "venue": "NAACL 2018", "year": 2018, "url": "https://www.example.org/papers/scpn.pdf",
    }
    assert manual["Certified Robustness to Adversarial Word Substitutions"]["year"] == 2019  # (EMNLP'19)
    assert manual["Towards Robustness Against Natural Language Word Substitutions"]["authors"] == ["Xinshuai Dong"]
    # Without a year: reported with that reason, and the same title later (with a year) is no duplicate of it.
    assert imported.skipped == [(_line(text, "4."), "list item 'A Paper Without Year' has no arXiv or Anthology id and "
                                 "shows no year: a manual entry needs them; not imported")]
    assert manual["A Paper Without Year"]["year"] == 2022
    assert [p.line for p in imported.papers if p.title == "A Paper Without Year"] == [_line(text, "5.")]
    assert imported.papers[-1].arxiv == parse_id("2109.01652")


def test_html_and_pipe_tables_one_paper_per_row_or_link() -> None:
    text, imported = _read("html-table.md")
    rows = [i for i, line in enumerate(text.splitlines(), start=1) if line == "<tr>"]  # each paper: its row's line
    assert [(p.line, " ".join(i.full for i in p.ids.values()), p.title) for p in imported.papers] == [
        (rows[0], "2110.08207", "T0"),
        (rows[1], "2109.01652", "FLAN"),  # two papers in one cell: two papers
        (rows[1], "2212.10560", "Self-Instruct"),
        (_line(text, "| **Instructions**"), "2204.07705", "Super-NaturalInstructions"),
        (_line(text, "| **Instructions**"), "2212.09689", "Unnatural Instructions"),
        (_line(text, "| **Vision**"), "2304.08485", "LLaVA"),
    ]
    assert imported.papers[0].list_date == "2021.10"
    assert imported.skipped == []


def test_intro_survey_news_and_leaderboard_are_front_matter() -> None:
    text, imported = _read("intro-survey.md")
    assert _ids(imported) == ["2109.01652", "2110.08207"]
    assert imported.meta["section"] == "Papers"
    assert imported.meta["intro"].startswith("This list accompanies our survey")
    assert "| FLAN-T5 | 52.4 | 40.1 |" in imported.meta["intro"]  # the leaderboard stays in the intro
    front = "stands in the list's front matter (outside the sections with arXiv or Anthology papers): kept there, " \
            "not imported"
    survey = "'Instruction Tuning for Large Language Models: A Survey'"
    assert imported.skipped == [
        (_line(text, "This list"), f"paragraph {survey} {front}"),
        (_line(text, "- **2023-08-21"), f"list item {survey} {front}"),
        (_line(text, "<!--"), "https://arxiv.org/abs/2212.10560: inside an HTML comment (hidden on the page), "
                              "not imported"),
    ]


def test_a_leaderboard_in_the_list_is_one_reported_table() -> None:
    text = ("# L\n\n## Papers\n\n- [Finetuned Language Models Are Zero-Shot Learners](https://arxiv.org/abs/2109.01652)"
            "\n\n| Detector | VOC07 | Published In |\n| --- | --- | --- |\n| R-CNN | 58.5 | CVPR'14 |\n"
            "| SPP-Net | 59.2 | ECCV'14 |\n\n- [Multitask Prompted Training Enables Zero-Shot Task Generalization]"
            "(https://arxiv.org/abs/2110.08207)\n")
    imported = read("list.md", text)  # the table's first row is line 9
    assert _ids(imported) == ["2109.01652", "2110.08207"]
    assert imported.skipped == [(9, "table without paper links (results or data, not papers), not read")]


def test_a_thousand_papers() -> None:
    """A long list reads whole (its speed is measured by benchmarks/markdown_import.py, not here)."""
    item = "1. **Paper {n}** *A. Author, B. Author* [[pdf](https://arxiv.org/abs/2301.{n:05d})][[code](https://github.com/a/b)] 2023.1\n"
    text = "# L\n\n## Papers\n\n" + "".join(item.format(n=n) for n in range(1, 1001))
    imported = read("list.md", text)
    assert len(imported.papers) == 1000 and imported.skipped == []
