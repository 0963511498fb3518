"""Every writer on scenario cases built from the real committed lock, against golden files.

Each golden file is also re-read by a real client: bibtexparser and pybtex for BibTeX,
the official CSL-JSON schema for CSL-JSON, rispy for RIS, PyYAML and the Typst compiler for
Hayagriva. `pytest --update-golden` rewrites the golden files; review the diff.
Then the writers' one contract: the table, `render`, `render_all` and each row's record start.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from exporter import lock as lockfile
from exporter.model import Record, from_latex
from exporter.records import records
from exporter.sources import load
from exporter.writers import WRITERS, WriteOptions
from exporter.writers.markdown import escape

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden"
LOCK = lockfile.load(ROOT / "sources" / "papers.lock.json")
SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "csl" / "csl-data.json").read_text())
EXTENSIONS = {"bibtex": "bib", "biblatex": "biblatex.bib", "csljson": "json", "ris": "ris", "markdown": "md",
              "hayagriva": "yml"}


def render(fmt: str, recs: list[Record], meta: object) -> str:
    """Through the one contract: `write(records, meta, options)` of the format's row."""
    if fmt == "biblatex":
        return WRITERS["bibtex"].load()(recs, meta, WriteOptions(bibtex_dialect="biblatex"))  # type: ignore[arg-type]
    return WRITERS[fmt].load()(recs, meta, WriteOptions())  # type: ignore[arg-type]

MANUAL_ENTRIES = """\
[[papers]]
type = "webpage"
title = "Alpaca: A Strong, Replicable Instruction-Following Model"
authors = ["Rohan Taori", "Ishaan Gulrajani", "Tianyi Zhang", "Yann Dubois", "Xuechen Li", "Carlos Guestrin",
           "Percy Liang", "Tatsunori B. Hashimoto"]
venue = "Stanford CRFM Blog"
year = 2023
month = 3
url = "https://crfm.stanford.edu/2023/03/13/alpaca.html"
tags = ["blog"]

[[papers]]
type = "report"
title = "Language Models are Unsupervised Multitask Learners"
authors = ["Alec Radford", "Jeffrey Wu", "Rewon Child", "David Luan", "Dario Amodei", "Ilya Sutskever"]
publisher = "OpenAI"
year = 2019
url = "https://cdn.openai.com/better-language-models/language_models_are_unsupervised_multitask_learners.pdf"

[[papers]]
type = "book"
title = "Speech and Language Processing: An Introduction to Natural Language Processing, Computational Linguistics, and Speech Recognition"
authors = ["Daniel Jurafsky", "James H. Martin"]
publisher = "Prentice Hall"
year = 2009
key = "jurafsky2009speech"

[[papers]]
type = "thesis"
title = "Long Short-Term Memory in Recurrent Neural Networks"
authors = ["Felix Gers"]
publisher = "École Polytechnique Fédérale de Lausanne"
year = 2001
doi = "10.5075/epfl-thesis-2366"
"""

BIBLIOGRAPHIC_FIELDS = """\
[[papers]]
type = "chapter"
title = "Nests in Hedgerows"
authors = ["Elena Sparrow"]
editors = ["Sofia Wren"]
venue = "Collected Notes on Hedges"
publisher = "Hedge Press"
year = 2003
chapter = "4"
pages = "45-60"
isbn = "978-0-00-000000-3"

[[papers]]
type = "book"
title = "A Field Guide to Fences"
authors = ["Daniel Lark"]
publisher = "Hedge Press"
year = 1999
series = "Garden Handbooks"
volume = "7"
edition = "2"
isbn = "978-0-00-000000-2"
bibnote = "Revised with new plates"

[[papers]]
type = "article-journal"
title = "Moth Flight at the Coast"
authors = ["Nadia Gull"]
venue = "Journal of Night Studies"
year = 2016
month = 4
volume = "17"
issue = "1"
pages = "1-9"
issn = "0000-0019"
bibnote = "Special issue on coasts"
"""

# Each case: the scenario it covers, as a papers.toml over ids in the committed lock.
CASES = {
    # The Anthology record leads; the arXiv id stays as eprint; editors, pages, month.
    "anthology-with-arxiv": '[[papers]]\nacl = "2022.acl-long.244"\narxiv = "2104.08773"\n',
    # A plain preprint: @misc with eprint fields, arXiv DOI, year of v1.
    # (upgrade = false: its published version, ICLR 2022, is the "dblp-venues" case.)
    "arxiv-preprint": '[[papers]]\narxiv = "2109.01652"\nupgrade = false\n',
    # Diacritics in names (Štefánik, Kadlčík) and a pinned key.
    "non-ascii-authors": '[[papers]]\narxiv = "2304.01922"\nkey = "stefanik2023resources"\n',
    # Acronyms and inner capitals that BibTeX styles would lowercase.
    "acronym-title": '[[papers]]\narxiv = "2212.12017"\n\n[[papers]]\narxiv = "2304.15010"\n\n[[papers]]\narxiv = "2210.11416"\n'
                     'upgrade = false\n',
    # A particle in a family name (Teven Le Scao) among 41 authors.
    "name-particles": '[[papers]]\narxiv = "2110.08207"\nupgrade = false\n',
    # Preprints upgraded to their DBLP records: ICLR (OpenReview, no pages), NeurIPS (editors, pages), a
    # JMLR article (volume, article-number pages), with the arXiv id kept and the preprint's abstract.
    "dblp-venues": '[[papers]]\narxiv = "2109.01652"\n\n[[papers]]\narxiv = "2203.02155"\n\n'
                   '[[papers]]\narxiv = "2210.11416"\n',
    # Author override from the TOML, a list date override, sections, a note and a code link.
    "overrides": (
        '[list]\nheading = "Overrides"\nbadges = ["![](https://img.shields.io/badge/x-y-green)"]\n'
        'intro = "Intro *text*."\nfooter = "## Footer"\n\n'
        '[[papers]]\narxiv = "2305.11159"\nauthors = ["Kai Zhang", {given = "Bernal", family = "Jiménez Gutiérrez"}, "Yu Su"]\n'
        'section = "Relation extraction"\ncode = "https://github.com/OSU-NLP-Group/QA4RE"\nnote = "Uses QA as the bridge."\n\n'
        '[[papers]]\narxiv = "2205.00049"\ndate = "2022.5"\nsection = "Consistency"\ntitle = "Prompt Consistency [renamed] for *Zero-Shot*"\n'
    ),
    # Manual entries (no arXiv or Anthology id), as their publishers show them: a blog post,
    # a technical report, a book and a thesis.
    "manual-entries": MANUAL_ENTRIES,
    # Fields .bib files carry (invented works): a chapter of an edited book, a book in a series with an
    # edition, an ISBN and a note, a journal article with an ISSN.
    "bibliographic-fields": BIBLIOGRAPHIC_FIELDS,
}


def case_records(tmp_path: Path, case: str) -> tuple[list[Record], object]:
    path = tmp_path / "papers.toml"
    path.write_text(CASES[case], encoding="utf-8")
    sources = load(path)
    return records(sources, LOCK), sources.meta


@pytest.mark.parametrize("fmt", sorted(EXTENSIONS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str, fmt: str, tmp_path: Path, update_golden: bool) -> None:
    recs, meta = case_records(tmp_path, case)
    text = render(fmt, recs, meta)
    golden = GOLDEN / f"{case}.{EXTENSIONS[fmt]}"
    if update_golden:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert golden.read_text(encoding="utf-8") == text
    READERS[fmt](golden, recs)


# biblatex entry types per record type (@techreport and @phdthesis are biblatex aliases of
# @report and @thesis that also set their `type`).
BIBLATEX_TYPES = {"paper-conference": "inproceedings", "article-journal": "article", "article": "online",
                  "webpage": "online", "chapter": "incollection",
                  "report": "techreport", "book": "book", "thesis": "phdthesis"}


def check_biblatex(path: Path, recs: list[Record]) -> None:
    import bibtexparser

    library = bibtexparser.parse_file(str(path))
    assert library.failed_blocks == []
    for entry, record in zip(library.entries, recs, strict=True):
        assert entry.entry_type == BIBLATEX_TYPES[record.type]
        assert entry["date"] == "-".join(f"{p:02d}" for p in record.issued)
        assert "year" not in entry.fields_dict and "archivePrefix" not in entry.fields_dict
        if record.arxiv:
            assert (entry["eprint"], entry["eprinttype"], entry["eprintclass"]) == (record.arxiv, "arxiv", record.arxiv_class)
    check_bibtex(path, recs, year=False)


def check_bibtex(path: Path, recs: list[Record], year: bool = True) -> None:
    import bibtexparser
    from pybtex.database import parse_file

    library = bibtexparser.parse_file(str(path))
    assert library.failed_blocks == []
    assert [e.key for e in library.entries] == [r.id for r in recs]
    pybtex_db = parse_file(str(path), bib_format="bibtex")
    for record in recs:
        entry = pybtex_db.entries[record.id]
        assert from_latex(entry.fields["title"]) == record.title
        families = [from_latex(" ".join(p.prelast_names + p.last_names)) for p in entry.persons["author"]]
        assert families == [a.family for a in record.author]
        assert entry.fields.get("doi", "") == record.DOI
        assert (entry.fields.get("volume", ""), entry.fields.get("number", "")) == (record.volume, record.issue)
        assert entry.fields.get("pages", "").replace("--", "-") == record.page
        if year:
            assert entry.fields["year"] == str(record.year)
        bibliographic = {"series": record.collection_title, "edition": record.edition, "chapter": record.chapter_number,
                         "isbn": record.ISBN, "issn": record.ISSN, "note": record.bibnote}
        assert {k: from_latex(entry.fields.get(k, "")) for k in bibliographic} == bibliographic


def check_csljson(path: Path, recs: list[Record]) -> None:
    import jsonschema

    items = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(items, SCHEMA)
    assert [(i["id"], i["title"], i.get("DOI", "")) for i in items] == [(r.id, r.title, r.DOI) for r in recs]
    assert [[a["family"] for a in i["author"]] for i in items] == [[a.family for a in r.author] for r in recs]
    # A report's number is CSL's number (Zotero's Report Number), every other type's is its issue.
    assert [(i.get("volume", ""), i.get("number" if r.type == "report" else "issue", "")) for i, r in zip(items, recs)] \
        == [(r.volume, r.issue) for r in recs]
    assert [(i.get("edition", ""), i.get("collection-title", ""), i.get("chapter-number", ""), i.get("ISBN", ""),
             i.get("ISSN", "")) for i in items] == [
        (r.edition, r.collection_title, r.chapter_number, r.ISBN, r.ISSN) for r in recs]


def check_ris(path: Path, recs: list[Record]) -> None:
    import rispy

    entries = rispy.load(io.StringIO(path.read_text(encoding="utf-8")))
    assert [(e["id"], e["title"], e.get("doi", "")) for e in entries] == [(r.id, r.title, r.DOI) for r in recs]
    assert [e["authors"] for e in entries] == [[f"{a.family}, {a.given}" for a in r.author] for r in recs]
    assert [(e.get("edition", ""), e.get("tertiary_title", ""), e.get("issn", ""), e.get("notes", [""])[0])
            for e in entries] == [(r.edition, r.collection_title, r.ISSN if r.type == "article-journal" else
                                   r.issue if r.type == "report" else r.ISBN, r.bibnote) for r in recs]


def check_markdown(path: Path, recs: list[Record]) -> None:
    text = path.read_text(encoding="utf-8")
    for record in recs:
        assert f"**{escape(record.title)}**" in text
        assert (f"[[paper]]({record.link})" in text) == bool(record.link)


# Hayagriva entry type and parent type per record type (docs/formats.md).
HAYAGRIVA_TYPES = {"paper-conference": ("article", "proceedings"), "article-journal": ("article", "periodical"),
                   "article": ("article", "repository"), "webpage": ("web", "web"), "report": ("report", None),
                   "book": ("book", None), "thesis": ("thesis", None), "document": ("misc", None),
                   "chapter": ("anthos", "anthology")}


def check_hayagriva(path: Path, recs: list[Record]) -> None:
    """Read back with PyYAML (fields, in the mapping of docs/formats.md), then compiled by Typst."""
    import shutil
    import tempfile

    import yaml

    from exporter import validate

    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert list(entries) == [r.id for r in recs]
    for record, entry in zip(recs, entries.values()):
        kind, parent_type = HAYAGRIVA_TYPES[record.type]
        assert entry["type"] == kind
        assert validate.hayagriva_text(entry["title"]) == record.title
        assert entry.get("author", []) == [
            {k: v for k, v in (("name", n.family), ("given-name", n.given), ("suffix", n.suffix)) if v}
            for n in record.author]
        assert entry.get("date") == "-".join(f"{p:02d}" if i else f"{p:04d}" for i, p in enumerate(record.issued))
        serial = entry.get("serial-number", {})
        assert (serial.get("doi", ""), serial.get("arxiv", ""), serial.get("serial", "")) == (
            record.DOI, record.arxiv, record.number)
        assert entry.get("url", "") == record.URL
        assert entry.get("page-range", "") == record.page
        assert validate.hayagriva_text(entry.get("abstract", "")) == record.abstract
        parent = entry.get("parent", {})
        if parent_type == "repository":  # a preprint: arXiv is its repository and its publisher
            assert (parent["type"], validate.hayagriva_text(parent["title"])) == ("repository", "arXiv")
            assert validate.hayagriva_text(entry["publisher"]["name"]) == "arXiv"
        elif parent_type:
            assert (parent["type"], validate.hayagriva_text(parent["title"])) == (parent_type, record.container_title)
        holder = parent if parent_type in ("proceedings", "periodical", "anthology") else entry
        publisher = holder.get("publisher", {})
        assert validate.hayagriva_text(publisher.get("location", "")) == record.publisher_place
        if parent_type in ("proceedings", "periodical", "web"):
            assert validate.hayagriva_text(publisher.get("name", "")) == record.publisher
        if record.type in ("paper-conference", "chapter"):
            assert [e["name"] for e in parent.get("editor", [])] == [n.family for n in record.editor]
        assert (entry.get("edition", ""), serial.get("isbn", ""), serial.get("issn", "")) == (
            record.edition, record.ISBN, record.ISSN)
    # The real client: Typst cites every entry and renders each with its title and first author.
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copyfile(path, Path(tmp) / "refs.yml")
        result = validate.CHECKS["typst"](Path(tmp))
    assert result.ok, result.detail


READERS = {"bibtex": check_bibtex, "biblatex": check_biblatex, "csljson": check_csljson, "ris": check_ris,
           "markdown": check_markdown, "hayagriva": check_hayagriva}


def test_no_unused_golden_files() -> None:
    expected = {f"{case}.{ext}" for case in CASES for ext in EXTENSIONS.values()}
    assert {p.name for p in GOLDEN.iterdir()} == expected


# --- one contract for every writer ------------------------------------------------------


def test_every_row_names_a_module_with_the_one_write(tmp_path: Path) -> None:
    import inspect

    recs, meta = case_records(tmp_path, "manual-entries")
    assert list(WRITERS) == ["bibtex", "csljson", "ris", "markdown", "hayagriva"]
    assert [w.filename for w in WRITERS.values()] == ["refs.bib", "refs.json", "refs.ris", "README.md", "refs.yml"]
    for fmt, row in WRITERS.items():
        write = row.load()
        assert list(inspect.signature(write).parameters)[:3] == ["records", "meta", "options"], fmt
        assert write(recs, meta, WriteOptions()) == write(recs, meta), fmt  # options default to WriteOptions()


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_record_start_matches_the_first_line_of_each_record(case: str, fmt: str, tmp_path: Path) -> None:
    """What `exporter check` counts to name the entry at a stale line: one match per record."""
    import re

    recs, meta = case_records(tmp_path, case)
    text = WRITERS[fmt].load()(recs, meta, WriteOptions())  # type: ignore[arg-type]
    assert len(re.findall(WRITERS[fmt].record_start, text, re.M)) == len(recs)


def test_record_starts_are_the_ones_check_used() -> None:
    # The patterns of exporter.check._RECORD_STARTS, moved into the rows (plus refs.yml).
    assert {w.filename: w.record_start for w in WRITERS.values()} == {
        "refs.bib": r"^@", "refs.ris": r"^TY  - ", "refs.json": r"^  \{", "README.md": r"^1\. ", "refs.yml": r'^"'}


def test_render_and_render_all_keep_their_signatures_and_results(tmp_path: Path) -> None:
    from exporter.writers import DEFAULT_FORMATS, render, render_all, write

    recs, meta = case_records(tmp_path, "non-ascii-authors")
    biblatex = WriteOptions(bibtex_dialect="biblatex", bibtex_unicode=True)
    assert render("bibtex", recs, meta, "biblatex", True) == write("bibtex", recs, meta, biblatex)
    assert render("bibtex", recs, meta, options=biblatex) == render("bibtex", recs, meta, "biblatex", True)
    assert "{\\v{S}}tef{\\'a}nik" in render("bibtex", recs, meta)
    assert "Štefánik" in render("bibtex", recs, meta, "biblatex", True)
    texts = render_all(recs, meta, "bibtex", False)
    assert DEFAULT_FORMATS == ("bibtex", "csljson", "ris", "markdown")
    assert list(texts) == ["refs.bib", "refs.json", "refs.ris", "README.md"]  # not refs.yml unless asked
    assert texts == {WRITERS[f].filename: render(f, recs, meta) for f in DEFAULT_FORMATS}
    assert render_all(recs, meta, options=biblatex)["refs.bib"] == write("bibtex", recs, meta, biblatex)
    assert list(render_all(recs, meta, formats=["hayagriva", "ris"])) == ["refs.yml", "refs.ris"]
    assert render_all(recs, meta, formats=()) == {}


def test_a_failing_template_is_the_markdown_writers_error_naming_file_and_line() -> None:
    from exporter.errors import ExporterError
    from exporter.sources import ListMeta
    from exporter.writers import render

    meta = ListMeta(template="my.j2", template_text="# List\n\n{{ 1/0 }}\n")
    with pytest.raises(ExporterError, match=r"^my\.j2:3: template error: ZeroDivisionError: division by zero$"):
        WRITERS["markdown"].load()([], meta, WriteOptions())
    with pytest.raises(ExporterError, match=r"^my\.j2:2: template error: unexpected '}'"):
        render("markdown", [], ListMeta(template="my.j2", template_text="x\n{{ } }}\n"), "bibtex", False)
    with pytest.raises(ExporterError, match=r"^the built-in template:1: template error: 'nope' is undefined"):
        WRITERS["markdown"].load()([], ListMeta(), WriteOptions(), template="{{ nope }}")


# --- Hayagriva --------------------------------------------------------------------------


def test_hayagriva_markup_and_yaml_specials_are_escaped() -> None:
    import yaml

    from exporter import validate
    from exporter.model import Name
    from exporter.writers import hayagriva

    title = 'A {brace} $x$ \\ "q" #1: - [x] & *y*\u2028NEL\x85end \x00 LLaMA'
    record = Record(id="a:b/c", type="article-journal", title=title, author=(Name("de la Cruz, Jr.", "Ana"),),
                    issued=(2020, 1), container_title="J {of} $", abstract="yes")
    text = hayagriva.write([record])
    assert text.startswith('"a:b/c":\n  type: "article"\n  title: "A \\\\{brace\\\\} \\\\$x\\\\$ \\\\\\\\ \\"q\\"')
    entry = yaml.safe_load(text)["a:b/c"]
    assert "{LLaMA}" in entry["title"]  # kept as written when a style changes case
    assert validate.hayagriva_text(entry["title"]) == record.title.replace("\u2028", " ").replace("\x85", " ")
    assert entry["author"] == [{"name": "de la Cruz, Jr.", "given-name": "Ana"}]  # parts as written, no re-splitting
    assert entry["date"] == "2020-01" and entry["abstract"] == "yes"  # a string, never YAML's boolean
    assert hayagriva.write([]) == "{}\n"


@pytest.mark.parametrize("url", ["www.example.org/x", "https://exa mple.org", "https://[::1/x", "https://ex|ample.org/",
                                 "https://example.org:99999/"])
def test_hayagriva_refuses_a_url_typst_cannot_read(url: str) -> None:
    from exporter.errors import ExporterError
    from exporter.writers import hayagriva

    record = Record(id="k", type="webpage", title="T", author=(), issued=(2020,), URL=url)
    with pytest.raises(ExporterError, match=r"^entry k: url .* cannot be read by Typst"):
        hayagriva.write([record])
    assert hayagriva.url_problem("https://example.org/a;b?c=[1]#x") == ""


# --- what real .bib files bring: forms LaTeX and BibTeX must still read -------------------------------


def test_combining_accents_particles_inside_family_names_and_edited_volumes() -> None:
    """A combining accent with no precomposed letter becomes a LaTeX accent (pdflatex cannot typeset it as
    UTF-8); a family name with a lowercase word inside is braced (BibTeX would read `Vázques de` as its von
    part); an edited volume's editors, already its authors, are written once (BibTeX styles refuse both)."""
    from pybtex.database.input.bibtex import Parser

    from exporter.model import Name
    from exporter.writers.bibtex import to_fields, write

    record = Record(id="k", type="book", title="Sp\u0328ores", author=(Name("C\u0328etinkaya", "Bekir"),
                    Name("V\u00e1zques de Parga", "Luis")), issued=(2000,), publisher="P",
                    editor=(Name("C\u0328etinkaya", "Bekir"), Name("V\u00e1zques de Parga", "Luis")))
    fields = dict(to_fields(record))
    assert fields["author"] == r"{{\k{C}}etinkaya, Bekir and {V{\'a}zques de Parga}, Luis}"
    assert fields["title"] == r"{S{\k{p}}ores}"
    assert "editor" not in fields
    person = Parser().parse_string(write([record])).entries["k"].persons["author"][1]
    assert (" ".join(person.prelast_names + person.last_names), person.first_names) == (
        r"{V{\'a}zques de Parga}", ["Luis"])


@pytest.mark.parametrize(("kind", "dialect", "entry", "number"), [
    ("chapter", "biblatex", "inbook", True),  # biblatex's @incollection requires editors: without, @inbook
    ("chapter", "bibtex", "incollection", True),
    ("document", "bibtex", "misc", False),  # biblatex's data model has no number for @misc, @online
    ("webpage", "biblatex", "online", False),
    ("report", "bibtex", "techreport", True),
])
def test_entry_types_keep_to_biblatex_data_model(kind: str, dialect: str, entry: str, number: bool) -> None:
    from exporter.model import Name
    from exporter.writers.bibtex import entry_type, to_fields

    record = Record(id="k", type=kind, title="T", author=(Name("Doe", "Jane"),), issued=(2000,),
                    container_title="Big Book", publisher="P", issue="7")
    assert entry_type(record, dialect).name == entry
    assert ("number" in dict(to_fields(record, dialect))) == number
