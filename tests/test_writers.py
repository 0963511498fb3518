"""Every writer on scenario cases built from the real committed lock, against golden files.

Each golden file is also re-read by a real client: bibtexparser and pybtex for BibTeX,
the official CSL-JSON schema for CSL-JSON, rispy for RIS. `pytest --update-golden`
rewrites the golden files; review the diff.
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
from exporter.writers import WRITERS
from exporter.writers.markdown import escape

ROOT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden"
LOCK = lockfile.load(ROOT / "sources" / "papers.lock.json")
SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "csl" / "csl-data.json").read_text())
EXTENSIONS = {"bibtex": "bib", "biblatex": "biblatex.bib", "csljson": "json", "ris": "ris", "markdown": "md"}


def render(fmt: str, recs: list[Record], meta: object) -> str:
    if fmt == "biblatex":
        return WRITERS["bibtex"].load()(recs, meta, dialect="biblatex")  # type: ignore[call-arg]
    return WRITERS[fmt].load()(recs, meta)

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

# Each case: the scenario it covers, as a papers.toml over ids in the committed lock.
CASES = {
    # The Anthology record leads; the arXiv id stays as eprint; editors, pages, month.
    "anthology-with-arxiv": '[[papers]]\nacl = "2022.acl-long.244"\narxiv = "2104.08773"\n',
    # A plain preprint: @misc with eprint fields, arXiv DOI, year of v1.
    "arxiv-preprint": '[[papers]]\narxiv = "2109.01652"\n',
    # Diacritics in names (Štefánik, Kadlčík) and a pinned key.
    "non-ascii-authors": '[[papers]]\narxiv = "2304.01922"\nkey = "stefanik2023resources"\n',
    # Acronyms and inner capitals that BibTeX styles would lowercase.
    "acronym-title": '[[papers]]\narxiv = "2212.12017"\n\n[[papers]]\narxiv = "2304.15010"\n\n[[papers]]\narxiv = "2210.11416"\n',
    # A particle in a family name (Teven Le Scao) among 41 authors.
    "name-particles": '[[papers]]\narxiv = "2110.08207"\n',
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
BIBLATEX_TYPES = {"paper-conference": "inproceedings", "article": "online", "webpage": "online",
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
        if year:
            assert entry.fields["year"] == str(record.year)


def check_csljson(path: Path, recs: list[Record]) -> None:
    import jsonschema

    items = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(items, SCHEMA)
    assert [(i["id"], i["title"], i.get("DOI", "")) for i in items] == [(r.id, r.title, r.DOI) for r in recs]
    assert [[a["family"] for a in i["author"]] for i in items] == [[a.family for a in r.author] for r in recs]


def check_ris(path: Path, recs: list[Record]) -> None:
    import rispy

    entries = rispy.load(io.StringIO(path.read_text(encoding="utf-8")))
    assert [(e["id"], e["title"], e.get("doi", "")) for e in entries] == [(r.id, r.title, r.DOI) for r in recs]
    assert [e["authors"] for e in entries] == [[f"{a.family}, {a.given}" for a in r.author] for r in recs]


def check_markdown(path: Path, recs: list[Record]) -> None:
    text = path.read_text(encoding="utf-8")
    for record in recs:
        assert f"**{escape(record.title)}**" in text
        assert (f"[[paper]]({record.link})" in text) == bool(record.link)


READERS = {"bibtex": check_bibtex, "biblatex": check_biblatex, "csljson": check_csljson, "ris": check_ris, "markdown": check_markdown}


def test_no_unused_golden_files() -> None:
    expected = {f"{case}.{ext}" for case in CASES for ext in EXTENSIONS.values()}
    assert {p.name for p in GOLDEN.iterdir()} == expected
