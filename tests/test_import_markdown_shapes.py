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
        "type": "paper-conference", "venue": "NAACL", "year": 2018, "url": "https://www.example.org/papers/scpn.pdf",
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


def test_link_labels_are_never_titles() -> None:
    """`[[pdf]]`, `论文：URL`, `Paper: URL`, `[blog]`, `[slides]`: the title is the Title column, the bold paragraph
    above a list of labelled links, or the text before the links; the code is the link labelled Code."""
    text, imported = _read("label-links.md")
    assert [(p.line, _ids(Imported({}, [p], []))[0], p.title) for p in imported.papers] == [
        (_line(text, "| Multitask"), "2110.08207", "Multitask Prompted Training Enables Zero-Shot Task Generalization"),
        (_line(text, "**Finetuned"), "2109.01652", "Finetuned Language Models Are Zero-Shot Learners"),
        (_line(text, "**Self-Instruct"), "2212.10560",
         "Self-Instruct: Aligning Language Models with Self-Generated Instructions"),
        (_line(text, "- **Visual"), "2304.08485", "Visual Instruction Tuning"),
        (_line(text, "- Unnatural"), "2212.09689",
         "Unnatural Instructions: Tuning Language Models with (Almost) No Human Labor"),
        (_line(text, "- [docs]"), "2302.04166", ""),  # only labels: no title (arXiv gives it)
    ]
    code = [p.fields.get("code", "") for p in imported.papers]
    assert code == ["https://github.com/bigscience-workshop/promptsource", "https://github.com/google-research/FLAN",
                    "https://github.com/yizhongw/self-instruct", "https://github.com/haotian-liu/LLaVA", "", ""]
    assert imported.skipped == []


def test_a_heading_with_only_details_below_is_a_paper() -> None:
    """`### Title` over its authors, venue and `[[paper]]` link is one paper (a manual entry without an id); the
    heading above it stays the section."""
    text, imported = _read("plain-heading-papers.md")
    assert [(p.line, p.title) for p in imported.papers] == [
        (_line(text, "### Finetuned"), "Finetuned Language Models Are Zero-Shot Learners"),
        (_line(text, "### TD-MPC2"), "TD-MPC2: Scalable, Robust World Models for Continuous Control"),
        (_line(text, "### Instruction Induction"),
         "Instruction Induction: From Few Examples to Natural Language Task Descriptions"),
        (_line(text, "- [Super"), "Super-NaturalInstructions: Generalization via Declarative Instructions on 1600+ "
                                  "NLP Tasks"),
    ]
    assert _ids(imported) == ["2109.01652", "", "2205.10782", "2204.07705"]
    assert imported.papers[1].fields == {
        "title": "TD-MPC2: Scalable, Robust World Models for Continuous Control",
        "authors": ["Nicklas Hansen", "Hao Su", "Xiaolong Wang"], "type": "paper-conference", "venue": "ICLR",
        "year": 2024, "url": "https://openreview.net/forum?id=Oxh5CstDJU",
    }
    assert imported.meta["section"] == "Instruction tuning" and imported.meta["intro"] == "Notes on each paper."
    assert imported.papers[3].fields == {"section": "Benchmarks"} and "footer" not in imported.meta
    assert imported.skipped == []


def test_html_headings_are_sections() -> None:
    text, imported = _read("html-headings.md")
    assert _ids(imported) == ["2304.03277", "2109.01652", "2304.08485"]
    assert imported.meta == {"heading": "Instruction tuning papers", "intro": "A list with HTML headings.",
                             "section": "Survey"}
    assert [p.fields.get("section") for p in imported.papers] == [None, "Text", "Vision"]
    assert imported.skipped == []


def test_references_as_papers_print_them() -> None:
    """`Family, Given, et al. "Title." Venue. Year.`: the arXiv id in the text, else a manual entry; an arXiv URL with
    junk after the id still names it."""
    text, imported = _read("references.md")
    assert [(p.line, _ids(Imported({}, [p], []))[0], p.title) for p in imported.papers] == [
        (_line(text, "**[1]**"), "2109.01652", "Finetuned Language Models Are Zero-Shot Learners"),
        (_line(text, "**[2]**"), "", "Notes on an Analytical Engine for Instructions"),
        (_line(text, "**[3]**"), "2110.08207", "Multitask Prompted Training Enables Zero-Shot Task Generalization"),
        (_line(text, "- Babbage"), "", "A Difference Engine for Prompts"),
    ]
    assert imported.papers[1].fields == {
        "title": "Notes on an Analytical Engine for Instructions", "authors": ["Ada Lovelace"],
        "type": "paper-conference", "venue": "Advances in Neural Information Processing Systems", "year": 2014,
        "url": "https://www.example.org/papers/engine.pdf",
    }
    assert imported.papers[3].fields["authors"] == ["Charles Babbage"]
    assert imported.papers[3].fields["type"] == "article-journal"
    assert imported.skipped == []


def test_author_lists_venues_and_short_dates() -> None:
    text, imported = _read("author-forms.md")
    manual = {p.title: p.fields for p in imported.papers if not p.ids}
    graphs = manual["A Network Model of Invented Graphs"]  # BibTeX order, joined by " and "
    assert graphs["authors"] == ["Ada Lovelace", "Charles Babbage", "Mary Fairfax Somerville"]
    assert (graphs["venue"], graphs["year"], graphs["type"]) == ("IEEE TNN", 2009, "article-journal")
    code = manual["A Benchmark for Invented Code"]  # `*Ada Lovelace et al. ICML.*`
    assert (code["authors"], code["venue"], code["year"], code["type"]) == (["Ada Lovelace"], "ICML", 2023,
                                                                           "paper-conference")
    dated = manual["A Submission With Authors"]  # `ICLR 24 – Oct 2023`
    assert (dated["venue"], dated["year"], dated["month"]) == ("ICLR", 2023, 10)
    assert (manual["A Preprint Dated Briefly"]["year"], manual["A Preprint Dated Briefly"]["month"]) == (2023, 10)
    assert (manual["A Paper at ICLR"]["venue"], manual["A Paper at ICLR"]["year"]) == ("ICLR", 2024)  # `ICLR 24`
    assert imported.skipped == [(_line(text, "3."), "list item 'An Anonymous Submission' has no arXiv or Anthology "
                                 "id and shows no authors ('Anonymous' is none): a manual entry needs them; not "
                                 "imported")]
    assert _ids(imported)[-1] == "2109.01652"


def test_citations_in_the_intro_and_the_lists_own_works() -> None:
    """Ids cited in the intro's prose are no papers of the list (reported); the list's own works before its papers
    are imported but are not its default section, and one listed again later is imported there."""
    text, imported = _read("own-works.md")
    assert [(p.line, _ids(Imported({}, [p], []))[0], p.fields.get("section")) for p in imported.papers] == [
        (_line(text, "- [Unnatural"), "2212.09689", "Our works"),
        (_line(text, "- [Finetuned"), "2109.01652", None),
        (_line(text, "- [Self-Instruct") + 8, "2212.10560", None),
        (_line(text, "- [Visual"), "2304.08485", "Multimodal"),
    ]
    assert imported.meta["section"] == "Instruction tuning"
    assert imported.meta["intro"].startswith('<p align="center">Models now follow')
    again = _line(text, "- [Self-Instruct")
    assert imported.skipped == [
        (_line(text, "<p"), "paragraph cites [1] https://arxiv.org/abs/2304.08485 in its prose: a citation, not a "
                            "paper of the list; not imported"),
        (_line(text, "Many works"), "paragraph cites [2] https://arxiv.org/abs/2204.07705 in its prose: a citation, "
                                    "not a paper of the list; not imported"),
        (again, "list item 'Self-Instruct: Aligning Language Models with Self-Generated Instructions' in 'Our works' "
                f"(the list's own works) is listed again at line {again + 8}: imported there"),
    ]


def test_nested_items_linking_the_lists_own_pages_are_each_reported() -> None:
    text, imported = _read("nested-local-pages.md")
    assert _ids(imported) == ["2109.01652", "2212.10560"]
    assert imported.skipped == [
        (_line(text, "  - [Multitask"), "list item 'Multitask Prompted Training Enables Zero-Shot Task "
                                        "Generalization' links only 'notes/t0/', a page of the list's own repository, "
                                        "and no paper: not imported"),
        (_line(text, "  - [Scaling"), "list item 'Scaling Instruction-Finetuned Language Models' links only "
                                      "'notes/flan-t5/', a page of the list's own repository, and no paper: not "
                                      "imported"),
    ]
