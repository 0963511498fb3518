"""`exporter import` of .bib shapes real files show: each fixture (written for these tests) is one shape.

Malformed names and macros are reported for their entry and never stop the import; crossref and
xdata are inherited; biblatex fields and entry types are kept; two works of one title are two papers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from exporter import sources
from exporter.cli import main
from exporter.ids import Identifier
from exporter.readers import Imported, read

IMPORT = Path(__file__).parent / "fixtures" / "import"


def _read(name: str) -> Imported:
    imported = read(name, (IMPORT / name).read_text(encoding="utf-8"))
    for paper in imported.papers:  # every table is one the sources schema takes
        for key, value in paper.fields.items():
            assert isinstance(value, sources.PAPER_KEYS[key]), (paper.line, key, value)
        assert paper.ids or (paper.fields["type"] in sources.TYPES and paper.fields["authors"])
    return imported


def _by_key(imported: Imported) -> dict[str, dict[str, object]]:
    return {p.fields.get("key", f"line {p.line}"): p.fields for p in imported.papers}  # type: ignore[misc]


def _import(tmp_path: Path, name: str) -> tuple[int, str, list[sources.Entry]]:
    target = tmp_path / "s" / "papers.toml"
    result = CliRunner().invoke(main, ["--sources", str(target), "import", str(IMPORT / name)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output and "internal error" not in result.stderr
    return result.exit_code, result.stderr, list(sources.load(target).entries) if target.exists() else []


def test_stray_commas_in_author_lists_are_repaired_and_reported(tmp_path: Path) -> None:
    imported = _read("stray-commas.bib")
    by_key = _by_key(imported)
    assert by_key["quill2019"]["authors"] == ["Ada Quill", "Ben Marlowe"]
    assert by_key["fenn1988"]["authors"] == ["D. Fenn", "J. Oakes"]
    assert by_key["vale1911"]["authors"] == ["Carmen de la Vale"]
    assert imported.skipped == [
        (2, "entry 'quill2019': the stray comma in author 'Quill, Ada,'"),
        (9, "entry 'fenn1988': author 'Fenn, D., Oakes, J.': names separated by commas instead of 'and', read as "
            "2 names"),
        (16, "entry 'vale1911': the stray comma in author 'de la Vale, Carmen,'"),
    ]
    code, err, entries = _import(tmp_path, "stray-commas.bib")
    assert code == 0 and len(entries) == 3
    assert f"{IMPORT / 'stray-commas.bib'}:2: not imported: entry 'quill2019': the stray comma" in err


def test_href_in_a_title_and_a_journal_is_its_text(tmp_path: Path) -> None:
    by_key = _by_key(_read("href-macros.bib"))
    assert by_key["reed2020"]["title"] == "The Toolkit for Sorting Shells"
    assert by_key["reed2020"]["venue"] == "Shell Review"
    code, _, entries = _import(tmp_path, "href-macros.bib")
    assert code == 0 and [e.key for e in entries] == ["reed2020", "reed2021"]


def test_crossref_and_xdata_are_inherited_and_editor_only_entries_kept() -> None:
    imported = _read("crossref-xdata.bib")
    by_key = _by_key(imported)
    # The parent's title is the child's booktitle; its year, publisher come along; pages stay the child's.
    assert by_key["holt1994"] == {
        "key": "holt1994", "title": "Shortest Paths Between Ponds", "authors": ["Iris Holt", "Omar Penn"],
        "type": "paper-conference", "venue": "Proceedings of the Pond Conference", "year": 1994, "pages": "10-19",
        "publisher": "Pond Society", "editors": ["Tomas Lark", "Sofia Wren"]}
    assert (by_key["moss2001"]["year"], by_key["moss2001"]["publisher"]) == (2001, "Hedge Press")
    # The proceedings themselves: editors only, not refused: its editors, and as who it is by.
    assert by_key["ponds94"]["editors"] == by_key["ponds94"]["authors"] == ["Tomas Lark", "Sofia Wren"]
    assert by_key["ponds94"]["type"] == "book" and imported.skipped == []
    assert "hedgepress" not in by_key  # @xdata is no paper


def test_biblatex_fields_and_entry_types() -> None:
    by_key = _by_key(_read("biblatex-fields.bib"))
    assert by_key["ash2015"] == {
        "key": "ash2015", "title": "Tides in Small Harbours: A Survey", "authors": ["Petra Ash"],
        "type": "article-journal", "venue": "Journal of Coastal Trivia", "year": 2015, "month": 3, "volume": "12",
        "issue": "4", "pages": "101-120"}
    assert (by_key["birch2009"]["type"], by_key["birch2009"]["publisher"], by_key["birch2009"]["year"]) == \
        ("report", "Garden Institute", 2009)
    assert (by_key["cedar1990"]["type"], by_key["cedar1990"]["venue"]) == ("chapter", "Small Plants")
    types = {k: f["type"] for k, f in by_key.items() if "type" in f}
    assert types == {"ash2015": "article-journal", "birch2009": "report", "cedar1990": "chapter",
                     "dale2005": "book", "elm2012": "thesis", "fir2018": "document", "gorse2022": "webpage"}
    assert (by_key["gorse2022"]["year"], by_key["gorse2022"]["month"]) == (2022, 7)
    # An old arXiv id given as eprint and eprintclass.
    (hazel,) = [p for p in _read("biblatex-fields.bib").papers if p.ids]
    assert hazel.ids == {"arxiv": Identifier("arxiv", "hep-th/9301001")}


def test_tex_logos_and_hyphen_are_decoded() -> None:
    by_key = _by_key(_read("tex-logos.bib"))
    assert by_key["ink1984"]["title"] == "The TeXbook of Small Things"
    assert by_key["ink1994"]["title"] == "LaTeX and BibTeX for Gardeners"
    assert by_key["ink2006"]["title"] == "Methodology-independent Counting"
    assert by_key["ink2006"]["venue"] == "Journal of TeX Trivia"


@pytest.mark.parametrize(("key", "arxiv"), [
    ("mendeley", "2109.01652"), ("prefix", "2212.10560"), ("scholar", "2110.08207"), ("corr", "2210.11416"),
    ("braces", "2104.08773"),
])
def test_arxiv_forms_of_reference_managers(key: str, arxiv: str) -> None:
    papers = {p.fields["key"]: p for p in _read("arxiv-forms.bib").papers}
    assert papers[key].ids == {"arxiv": Identifier("arxiv", arxiv)} and papers[key].fields == {"key": key}


def test_month_in_year_repeated_field_and_unusable_keys(tmp_path: Path) -> None:
    imported = _read("odd-entries.bib")
    fields = [p.fields for p in imported.papers]
    assert (fields[0]["year"], fields[0]["month"]) == (1978, 1)
    assert fields[1]["title"] == "Kites in Strong Wind"  # the first of a field given twice, as BibTeX
    assert [f["title"] for f in fields[2:]] == ["Grazing Patterns of Lambs", "Grazing Patterns of Sheep"]
    assert all("key" not in f for f in fields[2:])
    assert imported.skipped == [
        (9, "the second 'title' of entry 'kite1999' (a field given twice; the first is kept)"),
        (17, "citation key '????': it may only contain letters, digits and _:-.+/, so exporter assigns the entry one"),
        (24, "citation key '????': it may only contain letters, digits and _:-.+/, so exporter assigns the entry one"),
    ]
    code, _, entries = _import(tmp_path, "odd-entries.bib")
    assert code == 0 and len(entries) == 4 and [e.key for e in entries] == ["jay1978", "kite1999", None, None]


def test_two_works_of_one_title_are_two_papers(tmp_path: Path) -> None:
    code, err, entries = _import(tmp_path, "same-title-works.bib")
    assert code == 0, err
    bib = IMPORT / "same-title-works.bib"
    # The book given twice is one work; the author's later article, another author's article and someone
    # else's preprint of that title are other works: each an entry, a manual one told apart by its uid.
    assert [e.key for e in entries] == ["nook1957", "nook1966", "oak1966", "pine2021"]
    assert [e.uid for e in entries[:3]] == ["manual:dynamic-gardening@1957", "manual:dynamic-gardening@1966-nook",
                                            "manual:dynamic-gardening@1966-oak"]
    assert f"not imported: {bib}:26: the same paper as {bib}:3" in err
    assert err.count("not imported: ") == 1
    # Importing the file again: every work is there already, by its title or by its id.
    code, err, _ = _import(tmp_path, "same-title-works.bib")
    assert code == 1
    for line in (3, 10, 19, 26):
        assert f"not imported: {bib}:{line}: already in the list as " in err
    assert f"not imported: {bib}:33: already in the list as " in err and "(the same arXiv id)" in err


def test_manual_entries_of_one_title_are_one_work_or_told_apart(tmp_path: Path) -> None:
    """In the sources file: two manual entries of one title that are one work are a duplicate (named by
    line); works of one title get uids of their own fields, whatever their order (a remembered citation key
    never passes to another work when entries move or go)."""
    from exporter.errors import SourceError

    def table(year: int, kind: str, author: str) -> str:
        return (f'[[papers]]\ntitle = "Dynamic Gardening"\nauthors = ["{author}"]\ntype = "{kind}"\n'
                f'publisher = "Hedge Press"\nyear = {year}\n\n')

    path = tmp_path / "papers.toml"
    tables = [table(1957, "book", "Harold Nook"), table(1957, "report", "Harold Nook"), table(1957, "book", "Irene Oak")]
    path.write_text("".join(tables), encoding="utf-8")
    uids = [e.uid for e in sources.load(path).entries]
    assert uids == ["manual:dynamic-gardening@1957-nook-book", "manual:dynamic-gardening@1957-nook-report",
                    "manual:dynamic-gardening@1957-oak"]
    path.write_text("".join(reversed(tables)), encoding="utf-8")
    assert [e.uid for e in sources.load(path).entries] == list(reversed(uids))
    path.write_text(tables[0] + table(1966, "article-journal", "Harold Nook"), encoding="utf-8")
    assert [e.uid for e in sources.load(path).entries] == ["manual:dynamic-gardening@1957",
                                                          "manual:dynamic-gardening@1966"]
    path.write_text(table(1966, "article-journal", "Harold Nook"), encoding="utf-8")  # alone: its title's uid
    assert [e.uid for e in sources.load(path).entries] == ["manual:dynamic-gardening"]
    path.write_text(table(1957, "book", "Harold Nook") + table(1966, "article-journal", "Harold Nook")
                    + table(1958, "book", "H. Nook"), encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        sources.load(path)
    assert str(caught.value) == (f"{path}:16: entry 3 (manual:dynamic-gardening@1957): duplicate title "
                                 "'Dynamic Gardening', already used by entry 1 (line 1)")


def test_same_work_rule() -> None:
    """Same title: one work only with compatible year (±1), type and first author; a preprint precedes."""
    from exporter.model import same_work

    book, article = (1957, "book", "nook"), (1966, "article-journal", "nook")
    assert not same_work(book, article) and not same_work(book, (1957, "book", "oak"))
    assert same_work(book, (1958, "book", "nook")) and same_work(book, (None, "", ""))
    assert same_work((2021, "article", "pine"), (2023, "paper-conference", "pine"))  # preprint, then published
    assert not same_work((2021, "article", "pine"), (2015, "paper-conference", "pine"))


def test_manual_entries_keep_every_field_through_import_and_build(tmp_path: Path) -> None:
    """import -> build --offline: refs.bib keeps title, authors, year, venue, volume, number, pages, DOI and
    editors of each manual entry (read back by bibtexparser, compared with the file imported)."""
    import os
    import subprocess
    import sys

    import bibtexparser

    source = Path(__file__).parent / "fixtures" / "import" / "roundtrip.bib"
    env = {**os.environ, "EXPORTER_ARXIV_URL": "http://127.0.0.1:9/api/query", "EXPORTER_ACL_URL": "http://127.0.0.1:9"}
    for args in (["import", str(source)], ["build", "--offline"]):
        result = subprocess.run([sys.executable, "-m", "exporter", *args], cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    given = {e.key: e for e in bibtexparser.parse_file(str(source)).entries}
    written = {e.key: e for e in bibtexparser.parse_file(str(tmp_path / "outputs" / "refs.bib")).entries}
    assert set(written) == set(given)
    for key, entry in given.items():
        out = written[key]
        assert out.entry_type == entry.entry_type, key
        for name in ("title", "author", "editor", "journal", "booktitle", "year", "volume", "number", "doi",
                     "publisher", "edition", "series", "chapter", "isbn", "issn", "note"):
            if name == "editor" and "author" not in entry.fields_dict:  # an edited volume: its editors are
                assert out["author"] == entry["editor"], key                # its authors, written once
            elif name in entry.fields_dict:
                assert out[name] == entry[name], (key, name)
        if "pages" in entry.fields_dict:  # written with one hyphen, which BibTeX styles print as an en dash
            assert out["pages"] == entry["pages"].replace("--", "-"), key


def test_a_table_the_schema_refuses_makes_no_duplicate(tmp_path: Path) -> None:
    """A paper refused by the sources schema (month 13) is not 'seen': the same work given again, valid, is
    added, not refused as 'the same paper as' the refused one."""
    from exporter import sources
    from exporter.authoring import Candidate, screen
    from exporter.lock import Lock

    path = tmp_path / "papers.toml"
    path.write_text('[list]\nheading = "x"\n', encoding="utf-8")
    src = sources.load(path)
    table = {"title": "Counting Moths by Lamplight", "authors": ["Oliver Finch"], "type": "report",
             "publisher": "Night Lab", "year": 2011}
    bad = Candidate("refs.bib:1", (), {**table, "month": 13}, table["title"], 2011, "Finch")
    good = Candidate("refs.bib:9", (), {**table, "month": 3}, table["title"], 2011, "Finch")
    accepted, refused, _ = screen([bad, good], src, Lock())
    assert [c.given for c in accepted] == ["refs.bib:9"]
    assert refused == ["refs.bib:1: month 13 must be 1 to 12"]


def test_keywords_become_tags() -> None:
    """Zotero's and JabRef's keywords (`,` or `;` between them) are the entry's tags, each once."""
    by_key = _by_key(_read("roundtrip.bib"))
    assert by_key["owl2020"]["tags"] == ["owls", "night", "sound"]
    assert "tags" not in by_key["finch2011"]


def test_book_parts_editors_of_articles_and_howpublished(tmp_path: Path) -> None:
    """A chapter typed @book is a chapter; an article's editors, a @misc's howpublished and TeX's dashes
    are kept; and all of it reaches refs.bib (import -> build --offline)."""
    import bibtexparser

    by_key = _by_key(_read("book-parts.bib"))
    assert (by_key["moss:81"]["type"], by_key["moss:81"]["venue"], by_key["moss:81"]["editors"]) == (
        "chapter", "Studies in Small Plants", ["C. Reed"])
    assert by_key["lichen:75"]["title"] == "Rocks\u2013and Trees"  # `--` prints an en dash
    assert by_key["lichen:75"]["editors"] == ["E. Bark", "F. Root"]
    assert by_key["thyme11"]["venue"] == "From the IPC 2008 website"
    assert (by_key["sage12"].get("venue"), by_key["sage12"]["url"]) == (None, "https://example.org/tool")
    code, err, _ = _import(tmp_path, "book-parts.bib")
    assert code == 0, err
    result = CliRunner().invoke(main, ["--sources", str(tmp_path / "s" / "papers.toml"), "--outputs",
                                       str(tmp_path / "out"), "build", "--offline"])
    assert result.exit_code == 0, result.output
    written = {e.key: e for e in bibtexparser.parse_file(str(tmp_path / "out" / "refs.bib")).entries}
    assert (written["moss:81"].entry_type, written["moss:81"]["booktitle"], written["moss:81"]["editor"]) == (
        "incollection", "Studies in Small Plants", "Reed, C.")
    assert written["lichen:75"]["editor"] == "Bark, E. and Root, F."
    assert written["lichen:75"]["title"] == "Rocks{\\textendash}and Trees"
    assert written["thyme11"]["howpublished"] == "From the {IPC} 2008 website"



def test_different_ids_of_one_kind_are_never_the_same_paper(tmp_path: Path) -> None:
    """One title, one author, one year, but two arXiv ids: two papers (the title check is for papers that no id
    tells apart); the same id again is the same paper."""
    code, err, entries = _import(tmp_path, "two-ids-one-title.bib")
    assert code == 0, err
    assert [e.key for e in entries] == ["first", "second"]
    bib = IMPORT / "two-ids-one-title.bib"
    assert f"not imported: {bib}:18: the same paper as {bib}:2" in err and err.count("not imported: ") == 1


def test_comments_symbols_escaped_urls_aliases_and_macros() -> None:
    """`%` comment lines between fields (as biber skips them: the eprint after one was lost), TeX symbols and a
    bare percent sign (pylatexenc dropped them, or the rest of the title), a URL's escaped tilde, crossref through
    an `ids` alias, nested xdata, an undefined macro (reported), month macros joined with `#`, and Google
    Scholar's old-style arXiv ids."""
    imported = _read("comments-and-macros.bib")
    by_key = _by_key(imported)
    (fern,) = [p for p in imported.papers if p.fields.get("key") == "fern2021"]
    assert fern.ids == {"arxiv": Identifier("arxiv", "2106.09685")}
    gain = by_key["gain2020"]
    assert gain["title"] == "A 50% Gain in § 3 <b> €"
    assert (gain["url"], gain["bibnote"], gain["venue"]) == ("http://example.edu/~doe/gain.pdf", "Published January",
                                                             "IEEE_J_GARDEN")
    assert (10, "macro 'IEEE_J_GARDEN' in the journal of entry 'gain2020' is not defined in the file (an @string "
                "of another file?); read as its name") in imported.skipped
    assert (by_key["chapter1"]["type"], by_key["chapter1"]["venue"], by_key["chapter1"]["editors"]) == (
        "chapter", "The Collection", ["Cora Reed"])
    assert (by_key["nested"]["publisher"], by_key["nested"]["series"]) == ("Macmillan", "Big Series")
    (old,) = [p for p in imported.papers if p.fields.get("key") == "oldid"]
    assert old.ids == {"arxiv": Identifier("arxiv", "hep-th/9711200")}
