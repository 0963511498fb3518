"""The import's fast paths give what the slow ones give: `sources.parse_appended` what `sources.parse` gives
(Sources or the same error), and the .bib reader's cached name and value reading reports each problem for
every entry that has it."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from exporter.authoring import Candidate
from exporter.editing import append_papers
from exporter.readers.bibtex import read
from exporter.readers.bibvalues import _split
from exporter.sources import parse, parse_appended

HEADS = ["", "\n", "# a comment\n", "# no newline", '[list]\nsection = "Other"\n', '[list]\nheading = "H"\n# end',
         '[[papers]]\narxiv = "2101.00001"\n', '[list]\nintro = """\n[[papers]]\n"""\n', "papers = []\n",
         '[list]\r\nsection = "X"\r\n', "unknown = 1\n", '[list]\nbadges = [1]\n', 'x = "\\u0007"\n', "[list\n"]
TABLES: list[dict[str, Any]] = [
    {"title": "A Title", "authors": ["Ada Lovelace"], "year": 2020},
    {"title": "A Title", "authors": [{"family": "Lovelace", "given": "Ada"}], "year": 2021, "type": "book"},
    {"title": 'Quote " and back\\slash', "authors": ["B"], "year": 2020, "key": "k1"},
    {"title": "Control \x07 and bidi \u202e", "authors": ["C"], "year": 2020},
    {"title": "No authors", "year": 2020},
    {"title": "Bad month", "authors": ["D"], "year": 2020, "month": 13},
    {"arxiv": "2101.00001", "tags": ["x", "y"]},
    {"arxiv": "not an id"},
    {"title": "Same key", "authors": ["E"], "year": 2019, "key": "K1"},
    {"title": "Unknown key", "authors": ["F"], "year": 2019, "weird": "x"},
    {"title": "[[papers]]", "authors": ["G"], "year": 2018, "url": "https://example.org/a b"},
    {"title": "Tab\tand\nnewline", "authors": ["H"], "year": True},
]


def _outcome(call: Any) -> Any:
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - the error is the outcome compared
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize("head", HEADS)
def test_parse_appended_gives_what_parse_gives(head: str, tmp_path: Path) -> None:
    path = tmp_path / "papers.toml"
    for size in (1, 2, 3):
        for tables in itertools.combinations(TABLES, size):
            candidates = [Candidate("x", (), dict(t)) for t in tables]
            try:
                text = append_papers(head, [c.toml for c in candidates])
            except ValueError:  # papers written as an inline array
                continue
            expected = _outcome(lambda: parse(text, path))
            assert _outcome(lambda: parse_appended(text, path, head, [c.rendered for c in candidates])) == expected


@pytest.mark.parametrize("value", ["", "  ", "A and B", "A  AND\tB and  C", "A and", "and B", "A and and B",
                                   "A an and B", "Andrew and Anders", "A and\nB", "A\xa0and B", "A ~and~ B",
                                   " A and B ", "A, B and C, D", "{A and B} and C", "A \\and B"])
def test_name_lists_split_as_bibtexparser_splits_them(value: str) -> None:
    from bibtexparser.middlewares.names import split_multiple_persons_names

    assert _split(value) == split_multiple_persons_names(value)


def test_a_name_list_read_once_is_reported_for_each_entry() -> None:
    entry = "@article{{{key}, title = {{T {key}}}, author = {{Potts, Christopher, and Doe, Jane}}, year = {{2020}}}}\n"
    imported = read(entry.format(key="a1") + entry.format(key="b2"))
    assert imported.skipped == [(1, "entry 'a1': the stray comma in author 'Potts, Christopher,'"),
                                (2, "entry 'b2': the stray comma in author 'Potts, Christopher,'")]
    assert imported.papers[0].fields["authors"] == imported.papers[1].fields["authors"] == \
        ["Christopher Potts", "Jane Doe"]


def test_a_value_decoded_once_is_reported_for_each_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    import exporter.readers.bibvalues as bibvalues

    def decode_latex(value: str) -> str:
        if "\\boom" in value:
            raise IndexError("boom")
        return value

    monkeypatch.setattr(bibvalues, "decode_latex", decode_latex)
    first, second = bibvalues.Problems(1, "a"), bibvalues.Problems(2, "b")
    value = "Proceedings \\boom{of} a test of the cache"
    assert bibvalues.decode(value, "venue", first) == bibvalues.decode(value, "venue", second) == \
        "Proceedings of a test of the cache"
    assert [line for _, line in first.lines] == [line.replace("'b'", "'a'", 1) for _, line in second.lines]
    assert len(first.lines) == 1 and first.lines[0][0] == 1 and second.lines[0][0] == 2
