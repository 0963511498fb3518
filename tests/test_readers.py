"""The readers of `exporter import`: real paper lists and real BibTeX in, ids, list fields and manual records out."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from exporter import sources
from exporter.errors import ExporterError
from exporter.ids import Identifier, parse_id
from exporter.model import Name, split_name
from exporter.readers import Imported, author_value, read

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SEED = FIXTURES / "seed" / "Instruction-Tuning-Papers-README.md"
IMPORT = FIXTURES / "import"


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


ARXIV = {r["arxiv_id"]: r for r in _jsonl(FIXTURES / "arxiv" / "seed-papers.jsonl")}


def _line(text: str, start: str) -> int:
    """1-based number of the first line of `text` that starts with `start`."""
    return next(i for i, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


def _check_schema(imported: Imported) -> None:
    """Every field a reader proposes is one the sources file accepts, with a valid value."""
    for paper in imported.papers:
        for key, value in paper.fields.items():
            expected = sources.PAPER_KEYS[key]
            assert isinstance(value, expected) and not isinstance(value, bool), (paper.line, key, value)
        fields = paper.fields
        assert "key" not in fields or sources.KEY_RE.match(fields["key"])
        for key in ("url", "code"):
            assert key not in fields or re.fullmatch(r"https?://\S+", fields[key]), (paper.line, key)
        if paper.ids:
            assert not {"title", "authors", "type", "month"} & set(fields), paper
        else:
            assert fields["title"] and fields["type"] in sources.TYPES, paper
            assert 1 <= fields.get("month", 1) <= 12 and ("month" not in fields or "year" in fields)
            assert all(isinstance(a, str) or set(a) <= {"family", "given", "suffix"} for a in fields.get("authors", []))


# -- Markdown ---------------------------------------------------------------------------------


def test_seed_readme_gives_the_committed_list() -> None:
    text = SEED.read_text(encoding="utf-8")
    imported = read(SEED.name, text)
    src = sources.load(ROOT / "sources" / "papers.toml")

    assert len(imported.papers) == len(src.entries) == 67
    assert imported.skipped == []
    # The README links the first paper to the Anthology only; its arXiv id in the TOML came from
    # elsewhere (tests/fixtures/arxiv/README.md), so the reader cannot know it. Every other
    # paper has the same (arxiv, acl) pair.
    differences = [(i, (p.arxiv, p.acl), (e.arxiv, e.acl))
                   for i, (p, e) in enumerate(zip(imported.papers, src.entries)) if (p.arxiv, p.acl) != (e.arxiv, e.acl)]
    first = src.entries[0]
    assert differences == [(0, (None, first.acl), (first.arxiv, first.acl))]
    assert "arxiv.org" not in "".join(text.splitlines()[imported.papers[0].line - 1: imported.papers[1].line - 1])

    assert imported.meta == {
        "heading": src.meta.heading,
        "badges": list(src.meta.badges),
        "intro": src.meta.intro.strip(),
        "section": src.meta.section,
        "footer": src.meta.footer.strip(),
    }
    assert imported.meta["footer"].startswith("## Star History")
    # Titles as the list writes them, which the arXiv fixture recorded as `input_title`.
    assert [p.title for p in imported.papers] == [r["input_title"] for r in ARXIV.values()]
    assert all(p.fields == {} for p in imported.papers)  # one section, no code links, no notes
    assert [p.line for p in imported.papers] == [i for i, line in enumerate(text.splitlines(), 1) if line.startswith("1. ")]
    # The typo `[[pape]]` still links the paper.
    typo = _line(text, "   *Ge Zhang, Yemin Shi")
    assert next(p for p in imported.papers if p.line == typo - 2).arxiv == parse_id("2304.07987")
    # Dates as shown, where shown; the TOML pins the one that differs from arXiv v1.
    assert imported.papers[0].list_date == "2021.4" and imported.papers[2].list_date == "2021.10"
    pinned = {e.index - 1: e.date for e in src.entries if e.date is not None}
    assert pinned and all(imported.papers[i].list_date == date for i, date in pinned.items())
    shown = re.findall(r"\)\s+(\d{4}\.\d{1,2})\s*$", text, re.MULTILINE)
    assert [p.list_date for p in imported.papers if p.list_date] == shown
    _check_schema(imported)


def test_our_own_markdown_reads_back() -> None:
    """outputs/README.md (our writer, Markdown-escaped) gives the same papers and titles as refs.json."""
    imported = read("README.md", (ROOT / "outputs" / "README.md").read_text(encoding="utf-8"))
    seed = read(SEED.name, SEED.read_text(encoding="utf-8"))
    records = json.loads((ROOT / "outputs" / "refs.json").read_text(encoding="utf-8"))
    assert [(p.arxiv, p.acl) for p in imported.papers] == [(p.arxiv, p.acl) for p in seed.papers]
    assert [p.title for p in imported.papers] == [r["title"] for r in records]
    assert imported.skipped == []
    assert imported.meta == seed.meta


def test_awesome_style_list() -> None:
    path = IMPORT / "awesome-style.md"
    text = path.read_text(encoding="utf-8")
    imported = read(path.name, text)
    by_title = {p.title: p for p in imported.papers}

    assert [str(p.arxiv or "") + " " + str(p.acl or "") for p in imported.papers] == [
        "arxiv:2109.01652 ", "arxiv:2110.08207 ", "arxiv:2211.01786v2 ", " acl:2022.emnlp-main.105",
        "arxiv:2212.10560 acl:2023.acl-long.754", "arxiv:2304.03277 ", " acl:2022.findings-naacl.10",
        "arxiv:2206.11147 ", "arxiv:2302.04166 ", "arxiv:2204.07705 ", "arxiv:2212.09689 ", " ",
        "arxiv:2304.08485 ", "arxiv:2305.03726 ",
    ]
    # Titles from a link text, bold text, or the text before the link; each is the paper's real title.
    for paper in imported.papers:
        if paper.arxiv:
            assert paper.title == ARXIV[paper.arxiv.id]["title"]
    assert by_title["Learning Instructions with Unlabeled Data for Zero-Shot Cross-Task Generalization"].acl
    # Code links: [[code]], a GitHub URL in a nested item, a [project] page.
    assert by_title["Crosslingual Generalization through Multitask Finetuning"].fields == {
        "code": "https://github.com/bigscience-workshop/xmtf"}
    assert by_title["In-BoXBART: Get Instructions into Biomedical Multi-Task Learning"].fields == {
        "code": "https://github.com/mihir3009/in-boxbart"}
    assert by_title["Visual Instruction Tuning"].fields == {"section": "Multimodal", "code": "https://llava-vl.github.io/"}
    # A note paragraph inside the item, and dates year.month.
    assert by_title["reStructured Pre-training"].fields == {"note": "A gift for NLPers :)"}
    assert [p.list_date for p in imported.papers if p.list_date] == ["2023.4", "2022.6", "2023.2", "2022.4", "2022.12"]
    # Manual entries: a table row without a link (its year from its venue). A title with a non-paper link
    # but no year (TD-MPC2) cannot be a manual entry: it is reported below, with that reason.
    assert by_title["Instruction Induction"].fields == {
        "section": "Benchmarks",
        "title": "Instruction Induction",
        "authors": ["Or Honovich", "Uri Shaham", "Samuel R. Bowman", "Omer Levy"],
        "type": "paper-conference",
        "venue": "ACL",
        "year": 2023,
    }
    # Sections: the first one is the list's default, later ones are named.
    assert [p.fields.get("section", "") for p in imported.papers][-5:] == ["Benchmarks"] * 3 + ["Multimodal"] * 2
    assert imported.meta == {
        "heading": "Awesome Instruction Tuning",
        "badges": ["[![Awesome](https://awesome.re/badge.svg)](https://awesome.re)",
                   "![](https://img.shields.io/badge/PRs-welcome-brightgreen)"],
        "intro": "Papers on instruction tuning, in the formats GitHub lists use.\n\n## Contents\n\n"
                 "- [Instruction tuning](#instruction-tuning)\n- [Benchmarks](#benchmarks)\n- [Multimodal](#multimodal)",
        "section": "Instruction tuning",
        "footer": "\n".join(text.splitlines()[_line(text, "## Contributing") - 1:]),
    }
    # Junk is reported with its line; navigation, the table header, a label item and link definitions are not.
    assert imported.skipped == [
        (_line(text, "Sorted by"), "paragraph with no paper link or title: 'Sorted by the date of arXiv v1.'"),
        (_line(text, "- TODO"), "list item with no paper link or title: 'TODO: Flan collection'"),
        (_line(text, "1. **TD-MPC2"), "list item 'TD-MPC2: Scalable, Robust World Models for Continuous Control' "
                                      "has no arXiv or Anthology id and shows no year: a manual entry needs them; "
                                      "not imported"),
        (_line(text, "```bibtex"), "code block in the paper list, not read"),
    ]
    _check_schema(imported)


def test_markdown_reports_a_second_id_and_an_item_without_paper() -> None:
    record = ARXIV["2212.10560"]
    text = (
        "# List\n\n## Papers\n\n"
        f"- **{record['title']}** [v1](https://arxiv.org/abs/2212.10560v1) [v2](https://arxiv.org/abs/2212.10560v2) "
        "[other](https://arxiv.org/abs/2212.09689)\n"
        "- *\n"
        f"- [{ARXIV['2212.09689']['title']}](https://arxiv.org/abs/2212.09689)\n"
    )
    imported = read("list.md", text)
    assert [(p.line, p.arxiv) for p in imported.papers] == [(5, parse_id("2212.10560v1")), (7, parse_id("2212.09689"))]
    assert imported.skipped == [
        (5, "second arXiv id 2212.09689 in the same list item ignored (kept 2212.10560v1)"),
        (6, "list item with no paper link or title: '*'"),
    ]


# -- BibTeX -----------------------------------------------------------------------------------


def test_our_own_bibtex_gives_ids_and_keys() -> None:
    """outputs/refs.bib, from our BibTeX writer: every entry's ids and citation key, in order."""
    imported = read("refs.bib", (ROOT / "outputs" / "refs.bib").read_text(encoding="utf-8"))
    records = json.loads((ROOT / "outputs" / "refs.json").read_text(encoding="utf-8"))
    src = sources.load(ROOT / "sources" / "papers.toml")
    assert imported.skipped == [] and len(imported.papers) == len(records) == len(src.entries)
    lock = json.loads((ROOT / "sources" / "papers.lock.json").read_text(encoding="utf-8"))
    by_dblp = {uid for uid, d in lock["published"].items() if d["match"] and d["match"]["kind"] == "dblp"}
    for paper, record, entry in zip(imported.papers, records, src.entries):
        if entry.uid in by_dblp:
            # Published where arXiv cannot say (a DBLP venue record): read back as the arXiv id with its venue.
            published = {"venue": record["container-title"], "year": record["issued"]["date-parts"][0][0]}
            assert {k: paper.fields[k] for k in ("key", "venue", "year")} == {"key": record["id"], **published}
        else:
            assert paper.fields == {"key": record["id"]}
        assert paper.arxiv == entry.arxiv  # every entry of the list has an arXiv id, kept as eprint
        anthology = parse_id(record["URL"], "acl") if "aclanthology.org" in record["URL"] else None
        assert paper.acl == anthology and (entry.acl is None or entry.acl == anthology)
        if record.get("number"):  # a preprint: CSL-JSON carries the arXiv id
            assert paper.arxiv is not None and f"arXiv:{paper.arxiv.id}" == record["number"]
        assert paper.title == record["title"]
    assert sum(p.acl is not None for p in imported.papers) > 1  # preprints upgraded to their Anthology version


def test_anthology_export_gives_anthology_ids() -> None:
    path = FIXTURES / "acl-anthology" / "examples.bib"
    text = path.read_text(encoding="utf-8")
    imported = read(path.name, text)
    keys = re.findall(r"^@\w+\{([^,]+),", text, re.MULTILINE)
    assert imported.skipped == [] and len(imported.papers) == len(keys) == 15
    assert [p.fields for p in imported.papers] == [{"key": k} for k in keys]
    assert all(p.acl is not None and p.arxiv is None for p in imported.papers)
    assert [p.line for p in imported.papers] == [_line(text, f"@inproceedings{{{k},") for k in keys]
    # Cross-check with the Anthology's XML: bibkey -> id.
    xml = (FIXTURES / "acl-anthology" / "papers.xml").read_text(encoding="utf-8")
    by_key = dict(re.findall(r"<url hash=\"\w+\">([^<]+)</url>\s*<bibkey>([^<]+)</bibkey>", xml))
    in_xml = {key: acl for acl, key in by_key.items()}
    shared = [(p.fields["key"], p.acl.id) for p in imported.papers if p.acl and p.fields["key"] in in_xml]
    assert shared == [(key, in_xml[key]) for key, _ in shared] and len(shared) == 3


def _without_dblp(text: str) -> str:
    """A DBLP export made to look like anyone's .bib: `DBLP:` keys renamed (`dblp-...`), `biburl` dropped."""
    return re.sub(r"^  biburl\s*=.*\n", "", text.replace("{DBLP:", "{dblp-"), flags=re.MULTILINE)


def test_dblp_slice() -> None:
    path = IMPORT / "dblp-slice.bib"
    text = path.read_text(encoding="utf-8")
    imported = read(path.name, text)
    entries = re.findall(r"^@(\w+)\{([^,]+),", text, re.MULTILINE)
    assert len(entries) == 30
    # DBLP's SIGIR'23 workshop entry wraps its title so that a line starts with "@ {SIGIR}":
    # bibtexparser gives up on the entry and reads the rest as a bogus entry keyed SIGIR.
    broken = _line(text, "@inproceedings{DBLP:conf/sigir/BenderskyC0Z23")
    assert imported.skipped == [
        (broken, "block not parsed: Unexpected block start: `@ `. Was still looking for field-value closing `}`"),
        (_line(text, "                  @ {SIGIR}"), "entry 'SIGIR' has no arXiv or Anthology id and no title; left out"),
    ]
    kept = [(kind, key) for kind, key in entries if key != "DBLP:conf/sigir/BenderskyC0Z23"]
    assert [p.fields["key"] for p in imported.papers] == [key for _, key in kept]
    # A DBLP export: every entry is a DBLP entry (its key), resolved from DBLP, its key pinned.
    assert [p.ids for p in imported.papers] == [{"dblp": Identifier("dblp", key[5:])} for _, key in kept]
    assert all(set(p.fields) == {"key"} for p in imported.papers)
    # Without DBLP's key and biburl, the same entries are manual ones, typed from their entry type.
    manual = read(path.name, _without_dblp(text))
    assert all(not p.ids for p in manual.papers) and len(manual.papers) == len(kept)
    # A proceedings volume is a book (CSL's type for it, as citeproc and pandoc map @proceedings).
    types = {"inproceedings": "paper-conference", "proceedings": "book", "article": "article-journal"}
    assert [p.fields["type"] for p in manual.papers] == [types[kind] for kind, _ in kept]
    by_key = {p.fields["key"]: p.fields for p in manual.papers}
    assert by_key["dblp-conf/interspeech/000100S18"]["authors"][-1] == "Björn W. Schuller"  # Bj{\"{o}}rn
    assert by_key["dblp-conf/interspeech/000100S18"]["pages"] == "142-146"
    assert by_key["dblp-conf/iclr/00010024"]["title"] == "TD-MPC2: Scalable, Robust World Models for Continuous Control"
    assert by_key["dblp-conf/nips/000100BAGMF22"]["url"].startswith("http://papers.nips.cc/paper_files/")
    assert by_key["dblp-journals/jmlr/0001HW20"]["venue"] == "J. Mach. Learn. Res."
    # Proceedings have editors, not authors: kept as its editors, and as who it is by (as BibTeX styles
    # and CSL substitute them) rather than the entry being refused.
    assert by_key["dblp-conf/sigir/2010"]["editors"][0] == by_key["dblp-conf/sigir/2010"]["authors"][0] == "Fabio Crestani"
    assert all(isinstance(f["year"], int) for f in by_key.values())
    _check_schema(imported)
    _check_schema(manual)


def _bib(kind: str, key: str, fields: dict[str, str]) -> str:
    return f"@{kind}{{{key},\n" + "".join(f"  {k} = {{{v}}},\n" for k, v in fields.items()) + "}\n"


FLAN = ARXIV["2109.01652"]
FLAN_AUTHORS = " and ".join(FLAN["authors"])


@pytest.mark.parametrize(
    ("form", "fields"),
    [
        # DBLP's CoRR entries, Google Scholar, Semantic Scholar, arXiv's own export, a pinned PDF link, the DataCite DOI.
        ("dblp", {"journal": "CoRR", "volume": "abs/2109.01652", "eprinttype": "arXiv", "eprint": "2109.01652"}),
        ("dblp-volume", {"journal": "CoRR", "volume": "abs/2109.01652"}),
        ("scholar", {"journal": "arXiv preprint arXiv:2109.01652"}),
        ("semantic-scholar", {"journal": "ArXiv", "volume": "abs/2109.01652"}),
        ("eprint", {"eprint": "2109.01652", "archivePrefix": "arXiv", "primaryClass": FLAN["primary_category"]}),
        ("url", {"url": "https://arxiv.org/pdf/2109.01652v5"}),
        ("doi", {"doi": "10.48550/arXiv.2109.01652"}),
    ],
)
def test_bibtex_arxiv_forms(form: str, fields: dict[str, str]) -> None:
    """The forms BibTeX exporters give an arXiv id in, on the real record of 2109.01652."""
    record = {"title": FLAN["title"], "author": FLAN_AUTHORS, "year": "2021", **fields}
    text = "% " + form + "\n" + _bib("article", "wei2021finetuned", record)
    imported = read("refs.bib", text)
    (paper,) = imported.papers
    version = 5 if form == "url" else None
    expected = (2, Identifier("arxiv", "2109.01652", version), None, FLAN["title"])
    assert (paper.line, paper.arxiv, paper.acl, paper.title) == expected
    assert paper.fields == {"key": "wei2021finetuned"} and imported.skipped == []


def test_bibtex_published_version_is_kept_as_overrides() -> None:
    """A preprint cited as published elsewhere (FLAN at ICLR 2022) keeps that venue; an Anthology id needs none."""
    text = _bib("inproceedings", "wei2022flan", {
        "title": FLAN["title"], "author": FLAN_AUTHORS, "booktitle": FLAN["published_venue"], "year": "2022",
        "eprint": "2109.01652", "archivePrefix": "arXiv",
    })
    (paper,) = read("refs.bib", text).papers
    assert paper.arxiv == parse_id("2109.01652")
    assert paper.fields == {"key": "wei2022flan", "venue": "ICLR 2022", "year": 2022}

    anthology = (FIXTURES / "acl-anthology" / "examples.bib").read_text(encoding="utf-8")
    entry = re.search(r"@inproceedings\{wang-etal-2022-super,.*?\n\}", anthology, re.DOTALL)
    assert entry
    eprint = '    eprint = "2204.07705",\n    archivePrefix = "arXiv",\n'
    (paper,) = read("refs.bib", entry[0].replace("    month = dec,", eprint + "    month = dec,")).papers
    expected = (parse_id("2204.07705"), parse_id("2022.emnlp-main.340"), {"key": "wang-etal-2022-super"})
    assert (paper.arxiv, paper.acl, paper.fields) == expected


def test_bibtex_problems_are_reported_with_lines() -> None:
    slice_text = (IMPORT / "dblp-slice.bib").read_text(encoding="utf-8")
    entries = [e.strip() + "\n" for e in re.split(r"\n(?=@)", slice_text)]
    cvpr = next(e for e in entries if e.startswith("@inproceedings{DBLP:conf/cvpr/000100LS23,"))
    jmlr = next(e for e in entries if e.startswith("@article{DBLP:journals/jmlr/0001HW20,"))
    # A cut-off entry, a repeated key, a key repeated in another case, an entry without title.
    cut = cvpr.rstrip("}\n")
    text = "@comment{exported from DBLP}\n" + cut + "\n\n" + jmlr + "\n" + jmlr + "\n"
    text += jmlr.replace("0001HW20", "0001hw20")
    text += "\n@misc{DBLP:no-title,\n  year = {2020}\n}\n"
    imported = read("refs.bib", text)
    jmlr_lines = [i for i, line in enumerate(text.splitlines(), 1) if line.startswith("@article{")]
    assert [p.line for p in imported.papers] == [jmlr_lines[0], jmlr_lines[2]]
    first = jmlr_lines[0]
    assert imported.skipped == [
        (2, "block not parsed: Unexpected block start: `@article`. Was still looking for field-value closing `}`"),
        (jmlr_lines[1], f"duplicate key 'DBLP:journals/jmlr/0001HW20' (first at line {first}): this entry is left out"),
        (jmlr_lines[2], f"key 'DBLP:journals/jmlr/0001hw20' repeats the key at line {first} (ignoring case); left out"),
        (_line(text, "@misc{DBLP:no-title"), "entry 'DBLP:no-title' has no arXiv or Anthology id and no title; left out"),
    ]
    assert "key" not in imported.papers[1].fields


def test_bibtex_string_macros_and_months() -> None:
    """@string macros (alone and concatenated with #) are expanded; month macros become numbers."""
    slice_text = (IMPORT / "dblp-slice.bib").read_text(encoding="utf-8")
    cvpr = re.search(r"@inproceedings\{DBLP:conf/cvpr/000100LS23,.*?\n\}", slice_text, re.DOTALL)
    assert cvpr
    # The booktitle says "June 17-24, 2023"; the publisher is IEEE.
    entry = cvpr[0].replace("{{IEEE}}", "ieee # { Computer Society}").replace("  year ", "  month        = jun,\n  year ")
    imported = read("refs.bib", "@string{ieee = {IEEE}}\n" + _without_dblp(entry))
    (paper,) = imported.papers
    assert paper.fields["publisher"] == "IEEE Computer Society"
    assert (paper.fields["year"], paper.fields["month"]) == (2023, 6)
    assert paper.line == 2 and imported.skipped == []


# -- Dispatch and names -----------------------------------------------------------------------


def test_read_chooses_by_suffix() -> None:
    assert read("LIST.MARKDOWN", "# X\n").meta == {"heading": "X"}
    assert read("refs.BIB", "").papers == []
    with pytest.raises(ExporterError, match=r"^papers\.txt: cannot import a '\.txt' file"):
        read("papers.txt", "")
    with pytest.raises(ExporterError, match=r"^README: cannot import a file without a suffix"):
        read("README", "")


def test_author_value_as_the_toml_writes_it() -> None:
    # From sources/papers.toml: a particle stays with the family name; a double surname needs a table.
    assert author_value(split_name("Teven Le Scao")) == "Teven Le Scao"
    assert author_value(Name("Jiménez Gutiérrez", "Bernal")) == {"family": "Jiménez Gutiérrez", "given": "Bernal"}

