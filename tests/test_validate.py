"""`exporter validate`: the committed outputs pass every real-client check, and each check can fail.

The checks run the real tools (pdflatex, bibtex, biber, pandoc, node with citation-js, the Typst
compiler). Nothing is skipped: a missing tool fails its check, and so the test, with a line saying
what to install (`scripts/test`, the README's test command, installs them all).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
from click.testing import CliRunner, Result

from exporter import validate
from exporter.cli import main

ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = ROOT / "outputs"
SOURCES = ROOT / "sources" / "papers.toml"
ALL = list(validate.CHECKS)
NINE = ALL[:9]  # the default set of a folder without refs.yml: the two Typst checks join with it
N = len(json.loads((OUTPUTS / "refs.json").read_text(encoding="utf-8")))  # papers in the committed outputs


def run_validate(outputs: Path, *checks: str, env: dict[str, str] | None = None) -> Result:
    args = ["validate", str(outputs)] + [a for name in checks for a in ("--check", name)]
    return CliRunner().invoke(main, args, env=env)


def lines(result: Result) -> dict[str, str]:
    """Check name -> its printed line."""
    out = {}
    for line in result.output.splitlines():
        m = re.match(r"(PASS|FAIL|SKIP) ([\w-]+): ", line)
        if m:
            out[m[2]] = line
    return out


def assert_fails(result: Result, check: str, *needles: str) -> None:
    """The one check ran, failed, and its line says why; the summary and exit code agree."""
    line = lines(result).get(check, "")
    assert line.startswith(f"FAIL {check}: "), result.output
    for needle in needles:
        assert needle in line, line
    assert result.output.splitlines()[-1] == "0 passed, 1 failed", result.output
    assert result.exit_code == 1


@pytest.fixture
def outputs(tmp_path: Path) -> Path:
    """A copy of the committed outputs to break."""
    return Path(shutil.copytree(OUTPUTS, tmp_path / "outputs"))


# The month of a paper that is still an arXiv preprint (@misc, TY UNPB) in the committed outputs.
PREPRINT_MONTH = "month = jun,\n  year = {2022},\n  day = {22},\n  doi = {10.48550/arXiv.2206.11147}"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_json(path: Path, change: Callable[[list[dict[str, Any]]], object]) -> None:
    items = json.loads(path.read_text(encoding="utf-8"))
    change(items)
    path.write_text(json.dumps(items, indent=2), encoding="utf-8")


# --- the committed outputs -------------------------------------------------------------


def test_checks_are_the_nine_of_the_issue_and_the_two_typst_checks() -> None:
    assert ALL == ["bibtex", "biber", "biber-datamodel", "pandoc-citeproc", "csl-schema", "rispy",
                   "citation-js", "cross-format", "commonmark", "typst", "typst-bib"]
    assert validate.default_checks(OUTPUTS) == NINE  # the committed outputs have no refs.yml


def test_committed_outputs_pass_every_check() -> None:
    result = run_validate(OUTPUTS)
    printed = lines(result)
    assert list(printed) == NINE, result.output
    failed = [line for line in printed.values() if not line.startswith("PASS")]
    assert not failed, "\n".join(failed)
    assert result.output.splitlines()[-1] == "9 passed, 0 failed"
    assert result.exit_code == 0


def test_default_folder_is_the_outputs_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--outputs", str(tmp_path), "validate", "--check", "rispy"])
    assert_fails(result, "rispy", f"{tmp_path / 'refs.ris'} not found", "exporter build")


def test_unknown_check_is_a_usage_error() -> None:
    result = run_validate(OUTPUTS, "latex")
    assert result.exit_code == 2
    assert "no check 'latex'" in result.output


@pytest.mark.parametrize(
    "options",
    [["--bibtex-dialect", "biblatex"], ["--bibtex-dialect", "biblatex", "--bibtex-unicode"], ["--bibtex-unicode"]],
    ids=["biblatex", "biblatex-unicode", "bibtex-unicode"],
)
def test_refs_bib_variants_pass(tmp_path: Path, options: list[str]) -> None:
    built = CliRunner().invoke(main, ["--sources", str(SOURCES), "--outputs", str(tmp_path), "build", "--offline",
                                      *options])
    assert built.exit_code == 0, built.output
    result = run_validate(tmp_path)
    printed = lines(result)
    failed = [line for line in printed.values() if line.startswith("FAIL")]
    assert not failed, "\n".join(failed)
    if "biblatex" in options:
        # BibTeX styles cannot read @online/date: that check does not apply; biber's do.
        assert printed["bibtex"].startswith("SKIP bibtex: refs.bib is biblatex-native")
        assert result.output.splitlines()[-1] == "8 passed, 0 failed, 1 skipped"
    else:
        assert result.output.splitlines()[-1] == "9 passed, 0 failed"
    assert result.exit_code == 0


# One manual entry of each other type, with every field the TOML takes (real works, as their
# publishers give them; a GitHub repository as Google Scholar exports it, publisher GitHub).
EVERY_TYPE = """\
[[papers]]
title = "Attention Is All You Need"
authors = ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit", "Llion Jones", "Aidan N. Gomez",
           "Łukasz Kaiser", "Illia Polosukhin"]
venue = "Advances in Neural Information Processing Systems 30"
publisher = "Curran Associates, Inc."
pages = "5998--6008"
year = 2017
url = "https://papers.nips.cc/paper/7181-attention-is-all-you-need"

[[papers]]
type = "article-journal"
title = "Long Short-Term Memory"
authors = ["Sepp Hochreiter", "Jürgen Schmidhuber"]
venue = "Neural Computation"
publisher = "MIT Press"
pages = "1735–1780"
year = 1997
month = 11
doi = "10.1162/neco.1997.9.8.1735"

[[papers]]
type = "document"
title = "Stanford Alpaca: An Instruction-following LLaMA model"
authors = ["Rohan Taori", "Ishaan Gulrajani", "Tianyi Zhang", "Yann Dubois", "Xuechen Li", "Carlos Guestrin",
           "Percy Liang", "Tatsunori B. Hashimoto"]
venue = "GitHub repository"
publisher = "GitHub"
year = 2023
url = "https://github.com/tatsu-lab/stanford_alpaca"

[[papers]]
type = "report"
title = "GPT-4 Technical Report"
authors = ["OpenAI"]
venue = "OpenAI"
year = 2023
url = "https://cdn.openai.com/papers/gpt-4.pdf"

[[papers]]
type = "webpage"
title = "Vicuna: An Open-Source Chatbot Impressing GPT-4 with 90%* ChatGPT Quality"
authors = [{family = "The Vicuna Team"}]
publisher = "LMSYS Org"
year = 2023
month = 3
url = "https://lmsys.org/blog/2023-03-30-vicuna/"
"""


@pytest.mark.parametrize("dialect", ["bibtex", "biblatex"])
def test_manual_entries_pass_every_check(tmp_path: Path, dialect: str) -> None:
    """The list plus a blog post, a report, a book, a thesis and one of every other type, in full."""
    from test_writers import MANUAL_ENTRIES

    sources = Path(shutil.copytree(SOURCES.parent, tmp_path / "sources")) / "papers.toml"
    sources.write_text(sources.read_text(encoding="utf-8") + "\n" + MANUAL_ENTRIES + "\n" + EVERY_TYPE,
                       encoding="utf-8")
    built = CliRunner().invoke(main, ["--sources", str(sources), "--outputs", str(tmp_path / "out"), "build",
                                      "--offline", "--bibtex-dialect", dialect])
    assert built.exit_code == 0, built.output
    items = json.loads((tmp_path / "out" / "refs.json").read_text(encoding="utf-8"))
    assert [i["type"] for i in items[-9:]] == ["webpage", "report", "book", "thesis", "paper-conference",
                                               "article-journal", "document", "report", "webpage"]
    assert [i.get("page") for i in items[-5:-3]] == ["5998-6008", "1735-1780"]
    assert items[-1]["author"] == [{"family": "The Vicuna Team"}]
    result = run_validate(tmp_path / "out")
    failed = [line for line in lines(result).values() if line.startswith("FAIL")]
    assert not failed, "\n".join(failed)
    assert result.output.splitlines()[-1] == ("9 passed, 0 failed" if dialect == "bibtex" else "8 passed, 0 failed, 1 skipped")


# --- names and links the checks must read as the outputs write them --------------------------
# Each case: a .bib whose entries become manual entries (`exporter import`), built offline; every
# check passes, and a control shows the check still fails on a genuinely wrong value.


def import_and_build(tmp_path: Path, bib: str) -> Path:
    """`exporter import X.bib` into a new list, then `exporter build --offline`: its outputs folder."""
    (tmp_path / "sources").mkdir()
    (tmp_path / "in.bib").write_text(bib, encoding="utf-8")
    sources = tmp_path / "sources" / "papers.toml"
    imported = CliRunner().invoke(main, ["--sources", str(sources), "import", str(tmp_path / "in.bib")])
    assert imported.exit_code == 0, imported.output
    built = CliRunner().invoke(main, ["--sources", str(sources), "build", "--offline"])
    assert built.exit_code == 0, built.output
    return tmp_path / "outputs"


def assert_passes(outputs: Path) -> None:
    result = run_validate(outputs)
    failed = [line for line in lines(result).values() if not line.startswith("PASS")]
    assert not failed, "\n".join(failed)
    assert result.output.splitlines()[-1] == "9 passed, 0 failed", result.output


def test_names_from_real_bib_files_typeset(tmp_path: Path) -> None:
    """Icelandic eth and thorn ({\\dh}, {\\th}: T1 fonts, as paper templates load them) and a particle inside a
    family name pass every check. (A combining accent with no precomposed letter, {\\k{C}}, typesets with BibTeX;
    biber writes it to the .bbl as UTF-8, which pdflatex cannot typeset.)"""
    outputs = import_and_build(tmp_path, "@book{gudmundsson2001,\n  author = {Gu{\\dh}mundsson, {\\TH}{\\'o}r and "
                                         "V{\\'a}zques{ de }Parga, Luis},\n"
                                         "  title = {Sagas and Sets},\n  year = {2001},\n  publisher = {Some Press},\n}\n")
    items = json.loads((outputs / "refs.json").read_text(encoding="utf-8"))
    assert [a["family"] for a in items[0]["author"]] == ["Guðmundsson", "Vázques de Parga"]
    assert_passes(outputs)


def test_name_suffix_passes_and_a_wrong_suffix_fails(tmp_path: Path) -> None:
    outputs = import_and_build(tmp_path, "@book{jolly2020,\n  author = {Jolly, III, James},\n  title = {A Book on Suffixes},\n"
                                         "  year = {2020},\n  publisher = {Some Press},\n}\n")
    items = json.loads((outputs / "refs.json").read_text(encoding="utf-8"))
    assert items[0]["author"] == [{"family": "Jolly", "given": "James", "suffix": "III"}]
    assert "*James Jolly, III*" in (outputs / "README.md").read_text(encoding="utf-8")
    assert_passes(outputs)
    for wrong in ("*James Jolly*", "*James Jolly, IV*"):
        broken = Path(shutil.copytree(outputs, tmp_path / wrong.strip("*").replace(" ", "_")))
        edit(broken / "README.md", "*James Jolly, III*", wrong)
        assert_fails(run_validate(broken, "cross-format"), "cross-format",
                     f"authors {wrong.strip('*')!r} != refs.json 'James Jolly, III'")


VON = """\
@book{gennep1909,
  author = {van Gennep, Arnold},
  title = {The Rites of Passage},
  year = {1909},
  publisher = {Emile Nourry},
}
@book{brandt1958,
  author = {von Brandt, Ahasver},
  title = {Werkzeug des Historikers},
  year = {1958},
  publisher = {Kohlhammer},
}
@book{geer1920,
  author = {de Geer, Ingrid},
  title = {Om Sveriges Jordbruk},
  year = {1920},
  publisher = {Norstedt},
}
"""


def test_von_particles_pass_citationjs_and_a_wrong_particle_fails(tmp_path: Path) -> None:
    # citation-js reads `van Gennep` from refs.bib as particle `van` and family `Gennep`.
    outputs = import_and_build(tmp_path, VON)
    items = json.loads((outputs / "refs.json").read_text(encoding="utf-8"))
    assert [i["author"][0]["family"] for i in items] == ["van Gennep", "von Brandt", "de Geer"]
    assert_passes(outputs)
    for wrong, got in (("von Gennep, Arnold", "von Gennep"), ("Gennep, Arnold", "Gennep")):
        broken = Path(shutil.copytree(outputs, tmp_path / got.replace(" ", "_")))
        edit(broken / "refs.bib", "author = {van Gennep, Arnold}", f"author = {{{wrong}}}")
        assert_fails(run_validate(broken, "citation-js"), "citation-js",
                     f"refs.bib gennep1909: family names [{got!r}] != ['van Gennep']")


COUNCIL = "Council on Cardiopulmonary, Critical Care, Perioperative and Resuscitation"


def test_organisation_with_commas_passes_ris_checks_and_a_wrong_name_fails(tmp_path: Path) -> None:
    # RIS `AU` has no escape for a comma: rispy and citation-js read the name as family, given[, suffix].
    outputs = import_and_build(tmp_path, f"@techreport{{council2020,\n  author = {{{{{COUNCIL}}}}},\n"
                                         "  title = {Guidelines for Resuscitation},\n  year = {2020},\n"
                                         "  publisher = {American Heart Association},\n}\n")
    assert f'authors = [{{family = "{COUNCIL}"}}]' in (tmp_path / "sources" / "papers.toml").read_text(encoding="utf-8")
    assert f"AU  - {COUNCIL}\n" in (outputs / "refs.ris").read_text(encoding="utf-8")
    assert_passes(outputs)
    edit(outputs / "refs.ris", f"AU  - {COUNCIL}\n", "AU  - Council on Cardiopulmonary, Critical Care\n")
    assert_fails(run_validate(outputs, "citation-js"), "citation-js",
                 "refs.ris council2020: family names ['Council on Cardiopulmonary'] != ")
    assert_fails(run_validate(outputs, "cross-format"), "cross-format",
                 "refs.ris council2020: authors (('Council on Cardiopulmonary', 'Critical Care'),) != ")


def test_url_with_parentheses_passes_and_a_wrong_link_fails(tmp_path: Path) -> None:
    # README.md percent-encodes the parentheses: `%28`, `%29`.
    url = "https://en.wikipedia.org/wiki/Transformer_(deep_learning_architecture)"
    outputs = import_and_build(tmp_path, f"@misc{{transformer,\n  author = {{Wikipedia}},\n"
                                         "  title = {Transformer (deep learning architecture)},\n  year = {2024},\n"
                                         f"  publisher = {{Wikimedia}},\n  url = {{{url}}},\n}}\n")
    encoded = "https://en.wikipedia.org/wiki/Transformer_%28deep_learning_architecture%29"
    assert f"[[paper]]({encoded})" in (outputs / "README.md").read_text(encoding="utf-8")
    assert_passes(outputs)
    edit(outputs / "README.md", f"[[paper]]({encoded})",
         "[[paper]](https://en.wikipedia.org/wiki/Transformer_%28film%29)")
    assert_fails(run_validate(outputs, "cross-format"), "cross-format",
                 "link 'https://en.wikipedia.org/wiki/Transformer_%28film%29' is none of transformer's addresses")


# --- each check can fail -----------------------------------------------------------------


def test_bibtex_fails_on_an_undefined_macro(outputs: Path) -> None:
    edit(outputs / "refs.bib", "title = {Finetuned Language", r"title = {\finetuned Language")
    assert_fails(run_validate(outputs, "bibtex"), "bibtex", "LaTeX error in entry wei2021finetuned",
                 "Undefined control sequence")


def test_bibtex_fails_on_a_bibtex_warning(outputs: Path) -> None:
    edit(outputs / "refs.bib", PREPRINT_MONTH, PREPRINT_MONTH.replace("jun,", "sept,"))
    assert_fails(run_validate(outputs, "bibtex"), "bibtex", 'BibTeX Warning--string name "sept" is undefined')


def test_bibtex_fails_on_a_syntax_error(outputs: Path) -> None:
    edit(outputs / "refs.bib", "@misc{yuan2022restructured,", "@misc{yuan2022restructured")
    assert_fails(run_validate(outputs, "bibtex"), "bibtex", "BibTeX error:", "of file refs.bib")


def test_bibtex_fails_when_capitals_are_lost(outputs: Path) -> None:
    edit(outputs / "refs.bib", "title = {{ZeroPrompt}: Scaling", "title = {ZeroPrompt: Scaling")
    assert_fails(run_validate(outputs, "bibtex"), "bibtex", "xu2022zeroprompt: 'ZeroPrompt' lost its capitals")


def test_bibtex_fails_when_an_accent_is_lost() -> None:
    # plainnat keeps names as written, so take its real .bbl and lose an accent in it.
    bib = (OUTPUTS / "refs.bib").read_text(encoding="utf-8")
    bbl, count = validate._latex_bibtex(bib, "plainnat")
    assert count == N
    assert validate._bbl_survivors(bib, bbl)[2] == []
    lost = validate._bbl_survivors(bib, bbl.replace(r"Kadl{\v{c}}{\'i}k", "Kadlcik"))[2]
    assert lost == [r"stefanik2023resources: author \v{c} lost", r"stefanik2023resources: author \'i lost"]


def test_biber_fails_on_a_biber_warning(outputs: Path) -> None:
    edit(outputs / "refs.bib", PREPRINT_MONTH, PREPRINT_MONTH.replace("jun,", "sept,"))
    assert_fails(run_validate(outputs, "biber"), "biber", "biber WARN", 'undefined macro "sept"')


def test_biber_fails_on_an_undefined_macro(outputs: Path) -> None:
    edit(outputs / "refs.bib", "title = {Finetuned Language", r"title = {\finetuned Language")
    assert_fails(run_validate(outputs, "biber"), "biber", "Undefined control sequence")


def test_biber_datamodel_fails_on_a_field_biblatex_does_not_know(tmp_path: Path) -> None:
    # From the biblatex-native variant (no archivePrefix): the unknown field is the only problem.
    built = CliRunner().invoke(main, ["--sources", str(SOURCES), "--outputs", str(tmp_path), "build", "--offline",
                                      "--bibtex-dialect", "biblatex"])
    assert built.exit_code == 0, built.output
    assert run_validate(tmp_path, "biber-datamodel").exit_code == 0
    edit(tmp_path / "refs.bib", "@online{yuan2022restructured,\n",
         "@online{yuan2022restructured,\n  institute = {Google},\n")
    assert_fails(run_validate(tmp_path, "biber-datamodel"), "biber-datamodel",
                 "1 problem(s): Field 'institute' invalid in data model - ignoring: 1 entry (yuan2022restructured)")


def test_biber_datamodel_tolerates_only_the_classic_archiveprefix_alias(outputs: Path) -> None:
    result = run_validate(outputs, "biber-datamodel")
    assert result.exit_code == 0, result.output
    assert f"archivePrefix beside eprinttype and chapters without editors ({N}; biber ignores them)" in \
        lines(result)["biber-datamodel"]
    edit(outputs / "refs.bib", "@misc{yuan2022restructured,\n", "@misc{yuan2022restructured,\n  institute = {Google},\n")
    assert_fails(run_validate(outputs, "biber-datamodel"), "biber-datamodel", "Field 'institute' invalid")


def test_biber_datamodel_tolerates_a_classic_chapter_without_editors_only(tmp_path: Path) -> None:
    """BibTeX's @incollection takes a chapter without editors (biblatex's requires them: the biblatex dialect
    writes @inbook); any other missing mandatory field still fails."""
    bib = "@inbook{c,\n  title = {T},\n  author = {Smith, John},\n  booktitle = {Big Book},\n  publisher = {MIT},\n" \
          "  year = {2018},\n}\n"
    outputs = import_and_build(tmp_path, bib)
    assert "@incollection{c," in (outputs / "refs.bib").read_text(encoding="utf-8")
    assert_passes(outputs)
    edit(outputs / "refs.bib", "  booktitle = {Big Book},\n", "")
    assert_fails(run_validate(outputs, "biber-datamodel"), "biber-datamodel", "Missing mandatory field 'booktitle'")


def test_pandoc_fails_on_a_bad_date(outputs: Path) -> None:
    # The schema allows strings in date-parts; pandoc's citeproc does not read them.
    edit_json(outputs / "refs.json", lambda items: items[1].update({"issued": {"date-parts": [["2021", "sep"]]}}))
    assert_fails(run_validate(outputs, "pandoc-citeproc"), "pandoc-citeproc", "Error reading bibliography file")


def test_pandoc_fails_when_an_entry_is_not_rendered(outputs: Path) -> None:
    # Two items with one id: citeproc renders one of them.
    edit_json(outputs / "refs.json", lambda items: items.append(dict(items[1], title="Another paper")))
    assert_fails(run_validate(outputs, "pandoc-citeproc"), "pandoc-citeproc", f"{N} of {N + 1} rendered")


def test_csl_schema_fails_on_a_missing_required_field(outputs: Path) -> None:
    edit_json(outputs / "refs.json", lambda items: items[2].pop("type"))
    assert_fails(run_validate(outputs, "csl-schema"), "csl-schema",
                 "item 2 (sanh2021multitask): 'type' is a required property")


def test_csl_schema_fails_on_a_wrong_type(outputs: Path) -> None:
    edit_json(outputs / "refs.json", lambda items: items[0].update({"author": "Mishra, Swaroop"}))
    assert_fails(run_validate(outputs, "csl-schema"), "csl-schema", "item 0 (mishra2022cross): author:")


def test_rispy_fails_on_a_lost_er(outputs: Path) -> None:
    edit(outputs / "refs.ris", "ER  - \n\nTY  - UNPB\nID  - yuan2022restructured",
         "\nTY  - UNPB\nID  - yuan2022restructured")
    assert_fails(run_validate(outputs, "rispy"), "rispy", f"{N - 1} records read, {N} TY lines, {N - 1} ER lines")


def test_rispy_fails_on_a_record_without_title(outputs: Path) -> None:
    edit(outputs / "refs.ris", "TI  - Finetuned Language Models are Zero-Shot Learners\n", "")
    assert_fails(run_validate(outputs, "rispy"), "rispy", "(wei2021finetuned): no title")


def test_citationjs_fails_on_a_different_title(outputs: Path) -> None:
    edit(outputs / "refs.ris", "TI  - Finetuned Language Models", "TI  - Fine-tuned Language Models")
    assert_fails(run_validate(outputs, "citation-js"), "citation-js",
                 "refs.ris wei2021finetuned: title 'Fine-tuned Language Models are Zero-Shot Learners'")


def test_citationjs_fails_on_a_different_family_name(outputs: Path) -> None:
    edit(outputs / "refs.bib", "author = {Wei, Jason and", "author = {Jason Wei Bosma and")
    assert_fails(run_validate(outputs, "citation-js"), "citation-js", "refs.bib wei2021finetuned: family names")


def test_citationjs_fails_on_a_bibtex_syntax_error(outputs: Path) -> None:
    (outputs / "refs.bib").write_text("@misc{broken, title = {x}\n", encoding="utf-8")
    assert_fails(run_validate(outputs, "citation-js"), "citation-js", "refs.bib", 'expected "rbrace"')


def test_cross_format_fails_on_an_inconsistent_title(outputs: Path) -> None:
    edit(outputs / "refs.ris", "TI  - Finetuned Language Models", "TI  - Fine-tuned Language Models")
    assert_fails(run_validate(outputs, "cross-format"), "cross-format",
                 "refs.ris wei2021finetuned: title 'Fine-tuned Language Models are Zero-Shot Learners'")


@pytest.mark.parametrize(
    ("name", "old", "new", "needle"),
    [
        ("refs.bib", "doi = {10.48550/arXiv.2206.11147}", "doi = {10.48550/arXiv.2206.1114}",
         "refs.bib yuan2022restructured: doi '10.48550/arXiv.2206.1114'"),
        ("refs.bib", "year = {2022},\n  publisher = {OpenReview.net},\n  url = {https://openreview.net/forum?id=gEZrGCozdqR}",
         "year = {2021},\n  publisher = {OpenReview.net},\n  url = {https://openreview.net/forum?id=gEZrGCozdqR}",
         "refs.bib wei2021finetuned: year '2021'"),
        ("refs.bib", "{Wei, Jason and Bosma, Maarten", "{Wei, Jason and Bosma, Martin", "wei2021finetuned: authors"),
        ("refs.bib", r"{\v{S}}tef{\'a}nik, Michal", "Stefanik, Michal", "stefanik2023resources: authors"),
        ("refs.ris", "UR  - https://openreview.net/forum?id=gEZrGCozdqR",
         "UR  - https://openreview.net/forum?id=gEZrGCozdqS",
         "refs.ris wei2021finetuned: url"),
        ("README.md", "**Finetuned Language Models are Zero-Shot Learners**", "**Finetuned Language Models**",
         "README.md line 15: title 'Finetuned Language Models'"),
        ("README.md", "*Jason Wei, Maarten Bosma,", "*Jason Wei, Maarten Bosman,", "README.md line 15: authors"),
        ("README.md", "[[paper]](https://arxiv.org/abs/2109.01652)", "[[paper]](https://arxiv.org/abs/2110.08207)",
         "README.md line 15: link 'https://arxiv.org/abs/2110.08207' is none of wei2021finetuned's addresses"),
    ],
    ids=["doi", "year", "author", "diacritic", "url", "md-title", "md-authors", "md-link"],
)
def test_cross_format_fails_on_each_field(outputs: Path, name: str, old: str, new: str, needle: str) -> None:
    edit(outputs / name, old, new)
    assert_fails(run_validate(outputs, "cross-format"), "cross-format", needle)


def test_cross_format_fails_on_a_missing_paper(outputs: Path) -> None:
    edit_json(outputs / "refs.json", lambda items: items.pop(1))
    assert_fails(run_validate(outputs, "cross-format"), "cross-format", f"refs.bib: {N} papers",
                 "unexpected ['wei2021finetuned']")


def test_commonmark_fails_on_raw_html(outputs: Path) -> None:
    edit(outputs / "README.md", "## Papers\n", "## Papers\n\n<details>hidden</details>\n")
    assert_fails(run_validate(outputs, "commonmark"), "commonmark", "raw HTML '<details>hidden</details>'")


def test_commonmark_fails_on_inline_html(outputs: Path) -> None:
    edit(outputs / "README.md", "**Finetuned Language Models", "**Finetuned <b>Language</b> Models")
    assert_fails(run_validate(outputs, "commonmark"), "commonmark", "line 15: raw HTML '<b>'")


def test_commonmark_fails_when_a_paper_is_not_a_list_item(outputs: Path) -> None:
    edit(outputs / "README.md", "1. **Finetuned Language Models", "**Finetuned Language Models")
    assert_fails(run_validate(outputs, "commonmark"), "commonmark", f"{N - 1} paper list items for {N} papers")


# --- Typst: refs.yml (Hayagriva) and refs.bib ------------------------------------------------


def build_with_refs_yml(folder: Path) -> Path:
    """The seed list's outputs (`exporter build --offline`) plus refs.yml from the committed lock."""
    from exporter import lock, sources
    from exporter.records import records
    from exporter.writers import render_all

    built = CliRunner().invoke(main, ["--sources", str(SOURCES), "--outputs", str(folder), "build", "--offline"])
    assert built.exit_code == 0, built.output
    src = sources.load(SOURCES)
    recs = records(src, lock.load(SOURCES.with_name("papers.lock.json")), upgrades=src.meta.upgrades())
    (folder / "refs.yml").write_text(render_all(recs, src.meta, formats=["hayagriva"])["refs.yml"], encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def with_refs_yml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_with_refs_yml(tmp_path_factory.mktemp("with-refs-yml"))


@pytest.fixture
def yml_outputs(with_refs_yml: Path, tmp_path: Path) -> Path:
    """A copy of the outputs with refs.yml, to break."""
    return Path(shutil.copytree(with_refs_yml, tmp_path / "outputs"))


def test_outputs_with_refs_yml_pass_every_check_typst_citing_all_seed_papers(with_refs_yml: Path) -> None:
    import yaml

    keys = list(yaml.safe_load((with_refs_yml / "refs.yml").read_text(encoding="utf-8")))
    assert len(keys) == N == 67
    assert validate.default_checks(with_refs_yml) == ALL
    result = run_validate(with_refs_yml)
    printed = lines(result)
    assert list(printed) == ALL, result.output
    failed = [line for line in printed.values() if not line.startswith("PASS")]
    assert not failed, "\n".join(failed)
    for check in ("typst", "typst-bib"):
        assert printed[check].startswith(f"PASS {check}: {N} entries cited and in Typst "), printed[check]
        assert printed[check].endswith("each with its title and first author; 0 errors, 0 warnings")
    assert "refs.yml; titles, authors and links in README.md" in printed["cross-format"]
    assert result.output.splitlines()[-1] == "11 passed, 0 failed"


def test_typst_without_refs_yml_fails_saying_so() -> None:
    assert_fails(run_validate(OUTPUTS, "typst"), "typst", f"{OUTPUTS / 'refs.yml'} not found",
                 "no Hayagriva file (refs.yml)")
    # refs.bib is there: asked for by name, typst-bib runs on the committed outputs.
    result = run_validate(OUTPUTS, "typst-bib")
    assert result.output.splitlines()[-1] == "1 passed, 0 failed", result.output


def test_typst_fails_on_a_yaml_error_naming_file_and_line(yml_outputs: Path) -> None:
    edit(yml_outputs / "refs.yml", 'date: "2022-06-22"', 'date: "2022-13-22"')
    assert_fails(run_validate(yml_outputs, "typst"), "typst", "Typst error at refs.yml:",
                 "yuan2022restructured.date: month not in interval 1-12")


def test_typst_fails_on_a_url_it_cannot_read(yml_outputs: Path) -> None:
    edit(yml_outputs / "refs.yml", 'url: "https://openreview.net/forum?id=gEZrGCozdqR"',
         'url: "openreview.net/forum?id=gEZrGCozdqR"')
    assert_fails(run_validate(yml_outputs, "typst"), "typst", "relative URL without a base")


def test_typst_fails_on_an_entry_without_title(yml_outputs: Path) -> None:
    edit(yml_outputs / "refs.yml", '  title: "Finetuned Language', '  titel: "Finetuned Language')
    assert_fails(run_validate(yml_outputs, "typst"), "typst", "entry wei2021finetuned has no title")


def test_typst_fails_when_an_entry_is_not_rendered_as_written(yml_outputs: Path) -> None:
    # Hayagriva reads $...$ as math: a title whose dollar signs are not escaped loses its letters.
    edit(yml_outputs / "refs.yml", '  title: "Finetuned Language', '  title: "Finetuned $alpha$ Language')
    assert_fails(run_validate(yml_outputs, "typst"), "typst", "wei2021finetuned: title",
                 "not in its bibliography item")


def test_typst_bib_fails_on_a_bibtex_error(yml_outputs: Path) -> None:
    edit(yml_outputs / "refs.bib", PREPRINT_MONTH, PREPRINT_MONTH.replace("jun,", "sept,"))
    assert_fails(run_validate(yml_outputs, "typst-bib"), "typst-bib", 'Typst error', 'unknown abbreviation "sept"')


def test_typst_fails_on_any_warning(yml_outputs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import typst

    compile_with_warnings = typst.compile_with_warnings

    def warn(*args: Any, **kwargs: Any) -> Any:
        out, warnings = compile_with_warnings(*args, **kwargs)
        return out, [*warnings, typst.TypstWarning("found no font", "doc.typ:1:1", [], [])]

    monkeypatch.setattr(typst, "compile_with_warnings", warn)
    assert_fails(run_validate(yml_outputs, "typst"), "typst", "PDF: 1 warning(s): Typst warning", "found no font")


def test_cross_format_compares_refs_yml_when_written(yml_outputs: Path) -> None:
    edit(yml_outputs / "refs.yml", '  title: "Finetuned Language', '  title: "Finetuned Lingo')
    assert_fails(run_validate(yml_outputs, "cross-format"), "cross-format",
                 "refs.yml wei2021finetuned: title 'Finetuned Lingo Models are Zero-Shot Learners'")


def test_missing_typst_package_fails_and_says_what_to_install(yml_outputs: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "typst", None)  # import typst raises ImportError
    for check in ("typst", "typst-bib"):
        assert_fails(run_validate(yml_outputs, check), check, "typst not importable: install Python package typst")


# --- a missing tool fails, never skips ------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "needle"),
    [
        ("bibtex", "pdflatex not found: install Debian package texlive-latex-base"),
        ("biber", "pdflatex not found: install Debian package texlive-latex-base"),
        ("biber-datamodel", "biber not found: install Debian package biber"),
        ("pandoc-citeproc", "pandoc not found: install Debian package pandoc"),
        ("citation-js", "node not found: install Debian package nodejs"),
    ],
)
def test_missing_tool_fails_and_says_what_to_install(tmp_path: Path, check: str, needle: str) -> None:
    validate._kpsewhich.cache_clear()
    assert_fails(run_validate(OUTPUTS, check, env={"PATH": str(tmp_path)}), check, needle)
    validate._kpsewhich.cache_clear()


def test_missing_citationjs_packages_fail_and_say_what_to_install(tmp_path: Path) -> None:
    assert_fails(run_validate(OUTPUTS, "citation-js", env={"EXPORTER_CITATIONJS": str(tmp_path)}), "citation-js",
                 "citation-js not installed", "npm ci --prefix tools/citationjs")


def test_summary_line() -> None:
    results = [validate.Result("a", True, ""), validate.Result("b", False, ""), validate.Result("c", True, "")]
    assert validate.summary(results) == "2 passed, 1 failed"
    assert validate.summary([*results, validate.Result("d", True, "", skipped=True)]) == "2 passed, 1 failed, 1 skipped"


def test_csl_schema_is_shipped_in_the_package() -> None:
    shipped = ROOT / "exporter" / "data" / "csl-data.json"
    assert shipped.read_bytes() == (ROOT / "tests" / "fixtures" / "csl" / "csl-data.json").read_bytes()
