"""What Zotero's importers make of the outputs: each mapping of the README's Zotero table, asserted on the
committed outputs (read back with bibtexparser, rispy and json) and on the writers for every record type.

How Zotero reads each format is taken from its translators (BibTeX.js, RIS.js, CSL JSON with
`itemFromCSLJSON`): CSL `event-title` is the conference name, `note` is Extra, a preprint's `number` its
archive ID; RIS `M2` is Extra for every type while `M1` is a journal article's issue; BibTeX `eventtitle`
is the conference name, `day` keeps the day, `--` in pages becomes an en dash, `\\{ \\}` decode and
`{\\textbraceleft}` does not.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from exporter.model import Name, Record, from_latex
from exporter.sources import TYPES
from exporter.venues import conference_name
from exporter.writers import WriteOptions, bibtex, csljson, ris

OUTPUTS = Path(__file__).parent.parent / "outputs"


def _bib_entries() -> dict[str, dict[str, str]]:
    import bibtexparser

    return {e.key: {f.key: f.value for f in e.fields} for e in bibtexparser.parse_file(str(OUTPUTS / "refs.bib")).entries}


def _csl_items() -> dict[str, dict]:
    return {i["id"]: i for i in json.loads((OUTPUTS / "refs.json").read_text(encoding="utf-8"))}


def _ris_records() -> dict[str, dict]:
    import rispy

    return {r["id"]: r for r in rispy.load(io.StringIO((OUTPUTS / "refs.ris").read_text(encoding="utf-8")))}


def test_committed_csljson_carries_what_zotero_keeps() -> None:
    bib, items = _bib_entries(), _csl_items()
    conferences = preprints = 0
    for key, item in items.items():
        eprint = bib[key].get("eprint")
        # Every paper with an arXiv id has it in Extra, as Zotero's own arXiv import writes it.
        assert item.get("note") == (f"arXiv: {eprint}" if eprint else None), key
        if item["type"] == "paper-conference":
            conferences += 1
            assert item["event-title"] == conference_name(item["container-title"]) and item["event-title"], key
        else:
            assert "event-title" not in item, key
        if item["type"] == "article":  # a Zotero preprint: repository arXiv, archive ID arXiv:ID
            preprints += 1
            assert (item["publisher"], item["number"]) == ("arXiv", f"arXiv:{eprint}"), key
    assert conferences >= 26 and preprints >= 30  # the seed list: its Anthology and DBLP papers, its preprints


def test_committed_ris_puts_the_arxiv_id_in_extra_for_every_type() -> None:
    bib, records = _bib_entries(), _ris_records()
    text = (OUTPUTS / "refs.ris").read_text(encoding="utf-8")
    assert not re.search(r"^M1  - ", text, re.MULTILINE)  # a journal article's issue in Zotero
    for key, record in records.items():
        eprint = bib[key].get("eprint")
        assert record.get("unknown_tag", {}).get("M2") == ([f"arXiv: {eprint}"] if eprint else None), key
        if record["type_of_reference"] == "CPAPER":  # T2: Zotero's conferenceName; C3 the proceedings
            assert record["secondary_title"] == conference_name(record["custom3"]), key


def test_committed_bibtex_as_zotero_reads_it() -> None:
    bib, items = _bib_entries(), _csl_items()
    days = 0
    for key, fields in bib.items():
        item = items[key]
        date = item["issued"]["date-parts"][0]
        # The day where it is known (Zotero's BibTeX import reads it beside the month).
        assert fields.get("day") == (str(date[2]) if len(date) > 2 else None), key
        days += len(date) > 2
        if "pages" in fields:  # one hyphen: Zotero turns `--` into an en dash
            assert "--" not in fields["pages"] and fields["pages"] == item["page"], key
        if item["type"] == "paper-conference":
            assert from_latex(fields["eventtitle"]) == item["event-title"], key
        abstract = fields.get("abstract", "")
        # Only the characters no escape spells for both Zotero and biber keep LaTeX's macro for them (~ \ ^).
        assert not re.search(r"\\text(?:braceleft|braceright)", abstract), key
        assert ("textasciicircum" in abstract) == ("^" in item.get("abstract", "")), key
        assert ("textasciitilde" in abstract) == ("~" in item.get("abstract", "")), key
        assert ("textbackslash" in abstract) == ("\\" in item.get("abstract", "")), key
        assert from_latex(abstract) == item.get("abstract", ""), key
    assert days >= 30


# --- every record type the writers emit ----------------------------------------------------

PREPRINT = "2109.01652"


def _record(kind: str, arxiv: str = PREPRINT) -> Record:
    return Record(
        id="key1", type=kind, title="A Title", author=(Name("Doe", "Jane"),), issued=(2021, 9, 3),
        container_title="Proceedings of the 1st Workshop on Things (Volume 1: Long Papers)" if kind != "article" else "",
        publisher="arXiv" if kind == "article" else "Press", page="3-9" if kind != "article" else "",
        issue="12", ISBN="978-0-00-000000-2", ISSN="0000-0019", DOI="10.5555/x", URL="https://example.org/x",
        abstract="Sets {a, b} and x^2 -- ~3 units", number=arxiv if kind == "article" else "", arxiv=arxiv,
        arxiv_class="cs.CL" if arxiv else "",
    )


KINDS = ["article", *TYPES]


# (A preprint always has its arXiv id.)
@pytest.mark.parametrize(("kind", "arxiv"), [(k, a) for k in KINDS for a in (PREPRINT, "") if a or k != "article"])
def test_csljson_every_type(kind: str, arxiv: str) -> None:
    item = csljson.to_csl(_record(kind, arxiv))
    assert item.get("note") == (f"arXiv: {arxiv}" if arxiv else None)
    assert item.get("event-title") == ("1st Workshop on Things" if kind == "paper-conference" else None)
    assert item.get("number") == (f"arXiv:{arxiv}" if kind == "article" else "12" if kind == "report" else None)
    assert item.get("issue") == (None if kind == "report" else "12")


@pytest.mark.parametrize("kind", KINDS)
def test_ris_every_type(kind: str) -> None:
    lines = ris.to_lines(_record(kind))
    tags = [line[:2] for line in lines]
    assert "M1" not in tags and lines.count(f"M2  - arXiv: {PREPRINT}") == 1
    # SN: Zotero's ISSN of a journal article, number of a report, ISBN of anything else.
    sn = [line[6:] for line in lines if line.startswith("SN")]
    expected = {"article-journal": "0000-0019", "report": "12"}.get(kind, "978-0-00-000000-2")
    assert sn == [expected]
    assert ("IS" in tags) == (kind != "report")  # a report's number is its SN


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dialect", ["bibtex", "biblatex"])
def test_bibtex_every_type(kind: str, dialect: str) -> None:
    fields = dict(bibtex.to_fields(_record(kind), dialect))
    assert fields["eprinttype"] == "{arxiv}" and fields["eprint"] == "{2109.01652}"  # Zotero's Extra: arXiv: ID
    if dialect == "bibtex":
        assert (fields["month"], fields["day"], fields["year"]) == ("sep", "{3}", "{2021}")
    else:
        assert fields["date"] == "{2021-09-03}" and "day" not in fields
    # The conference name for Zotero; biblatex styles would print it after the booktitle it repeats.
    assert ("eventtitle" in fields) == (kind == "paper-conference" and dialect == "bibtex")
    if "pages" in fields:
        assert fields["pages"] == "{3-9}"
    # Balanced braces as \{ \} (Zotero decodes them); ~ and ^ have no spelling Zotero decodes that biber keeps.
    assert fields["abstract"] == r"{Sets \{a, b\} and x{\textasciicircum}2 -{}- {\textasciitilde}3 units}"
    assert from_latex(fields["abstract"][1:-1]) == "Sets {a, b} and x^2 -- ~3 units"


def test_unbalanced_braces_keep_the_safe_macros() -> None:
    """One brace alone would unbalance BibTeX's count: the macros stay (Zotero shows them as written)."""
    record = _record("report")
    for abstract, written in [("a } b", r"a {\textbraceright} b"), ("{ a", r"{\textbraceleft} a"),
                              ("} a {", r"{\textbraceright} a {\textbraceleft}")]:
        fields = dict(bibtex.to_fields(Record(**{**record.__dict__, "abstract": abstract}), "bibtex"))
        assert fields["abstract"] == "{" + written + "}"
    text = bibtex.write([Record(**{**record.__dict__, "abstract": "} a {"})], options=WriteOptions())
    from pybtex.database.input.bibtex import Parser

    assert from_latex(Parser().parse_string(text).entries["key1"].fields["abstract"]) == "} a {"
