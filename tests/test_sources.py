"""The sources file: schema, and one-line errors naming file, line and entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from exporter.errors import SourceError
from exporter.sources import load

GOOD = """\
[list]
heading = "My list"

[[papers]]
arxiv = "https://arxiv.org/abs/2109.01652v2"
tags = ["flan"]

[[papers]]
acl = "2022.acl-long.244"
arxiv = "2104.08773"
key = "mishra2022natural"
section = "Datasets"
title = "Natural Instructions"
authors = ["Swaroop Mishra", {family = "Khashabi", given = "Daniel"}]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "papers.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_loads_with_defaults_and_overrides(tmp_path: Path) -> None:
    src = load(write(tmp_path, GOOD))
    first, second = src.entries
    assert src.meta.heading == "My list"
    assert (first.index, first.line, first.uid, first.section) == (1, 4, "arxiv:2109.01652v2", "Papers")
    assert first.tags == ("flan",)
    assert second.uid == "arxiv:2104.08773" and second.acl is not None and second.acl.id == "2022.acl-long.244"
    assert second.key == "mishra2022natural" and second.section == "Datasets"
    assert second.overrides["title"] == "Natural Instructions"


BAD = [
    # (file text, expected message: file:line: entry: what)
    ('[[papers]]\narxiv = "2109.0165"\n', r"papers.toml:2: entry 1 \(arxiv = '2109.0165'\): '2109.0165' is not an arXiv id"),
    ('[[papers]]\nacl = "ACL 2022"\n', r"papers.toml:2: entry 1 \(acl = 'ACL 2022'\): 'ACL 2022' is not an ACL Anthology id"),
    ('[[papers]]\narxiv = "2109.01652"\nyear = "2021"\n', r"papers.toml:3: entry 1 \(arxiv = '2109.01652'\): 'year' must be an integer, not str"),
    ('[[papers]]\narxiv = "2109.01652"\nvenu = "ACL"\n', r"papers.toml:3: entry 1 \(arxiv = '2109.01652'\): unknown key 'venu'"),
    ('[[papers]]\nsection = "A"\n', r"papers.toml:1: entry 1: needs an identifier \('arxiv', 'acl' or 'dblp'\), or a 'title'"),
    # Manual entries: a title is their identity; type and month are checked.
    ('[[papers]]\ntitle = "  "\n', r"papers.toml:1: entry 1 \(title = '  '\): needs an identifier \('arxiv', 'acl' or 'dblp'\)"),
    ('[[papers]]\ntitle = "Alpaca"\nauthors = ["Rohan Taori"]\nyear = 2023\ntype = "blog"\n',
     r"papers.toml:5: entry 1 \(title = 'Alpaca'\): type 'blog' must be one of paper-conference, "),
    ('[[papers]]\ntitle = "Alpaca"\nauthors = ["Rohan Taori"]\nyear = 2023\ntype = "article"\n',
     r"papers.toml:5: entry 1 \(title = 'Alpaca'\): type 'article' must be one of paper-conference, "),
    ('[[papers]]\ntitle = "Alpaca"\nauthors = ["Rohan Taori"]\nmonth = 3\n',
     r"papers.toml:1: entry 1 \(title = 'Alpaca'\): a manual entry needs 'authors' .* and 'year'"),
    ('[[papers]]\narxiv = "2109.01652"\nmonth = 13\n', r"papers.toml:3: entry 1 \(arxiv = '2109.01652'\): month 13 must be 1 to 12"),
    ('[[papers]]\ntitle = "Alpaca: A Strong Model"\nauthors = ["Rohan Taori"]\nyear = 2023\n\n'
     '[[papers]]\ntitle = "ALPACA -- a strong model"\nauthors = ["Rohan Taori"]\nyear = 2023\n',
     r"papers.toml:7: entry 2 \(manual:alpaca-a-strong-model\): duplicate title 'ALPACA -- a strong model', already used by entry 1 \(line 1\)"),
    ('[[papers]]\narxiv = "2109.01652"\n\n[[papers]]\narxiv = "arXiv:2109.01652v2"\n',
     r"papers.toml:5: entry 2 \(arxiv:2109.01652v2\): duplicate arxiv '2109.01652', already used by entry 1 \(line 1\)"),
    ('[[papers]]\narxiv = "2109.01652"\nkey = "Wei"\n\n[[papers]]\narxiv = "2110.08207"\nkey = "wei"\n',
     r"papers.toml:7: entry 2 \(arxiv:2110.08207\): duplicate key 'wei', already used by entry 1"),
    ('[[papers]]\narxiv = "2109.01652"\ndate = "2021-09"\n', r"papers.toml:3: entry 1 \(arxiv = '2109.01652'\): date '2021-09' must look like 2022.5"),
    ('[[papers]]\narxiv = "2109.01652\n', r"papers.toml:2: invalid TOML: "),
    ('[[papers]]\narxiv = "2109.01652"\ncode = "javascript:alert(1)"\n',
     r"papers.toml:3: entry 1 \(arxiv = '2109.01652'\): 'code' must be an http\(s\) URL without spaces"),
    ('[list]\nheading = 3\n', r"papers.toml:1: \[list\]: 'heading' must be a string"),
    ('paper = []\n', r"papers.toml:1: unknown top-level key 'paper'"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_input_is_one_precise_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as info:
        load(write(tmp_path, text))
    assert "\n" not in str(info.value)


def test_every_bad_entry_is_reported_in_one_run(tmp_path: Path) -> None:
    text = '[[papers]]\narxiv = "x"\n\n[[papers]]\narxiv = "2109.01652"\n\n[[papers]]\nacl = "y"\n'
    with pytest.raises(SourceError) as info:
        load(write(tmp_path, text))
    lines = str(info.value).splitlines()
    assert lines[0].endswith("2 problems:")
    assert lines[1].startswith(f"{tmp_path / 'papers.toml'}:2: entry 1")
    assert lines[2].startswith(f"{tmp_path / 'papers.toml'}:8: entry 3")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="papers.toml: file not found"):
        load(tmp_path / "papers.toml")


def test_committed_sources_hold_the_67_seed_papers_in_order() -> None:
    src = load(Path(__file__).parent.parent / "sources" / "papers.toml")
    assert len(src.entries) == 67
    first = src.entries[0]
    assert first.acl is not None and first.acl.id == "2022.acl-long.244"
    assert first.arxiv is not None and first.arxiv.id == "2104.08773"
    assert [e.arxiv.id for e in src.entries[1:3] if e.arxiv] == ["2109.01652", "2110.08207"]
    assert src.entries[-1].arxiv is not None and src.entries[-1].arxiv.id == "2305.09246"


def test_line_numbers_skip_multiline_strings_and_problems_come_in_line_order(tmp_path: Path) -> None:
    text = (
        '[list]\nintro = """\n[[papers]]\nis quoted here\n"""\n\n'
        '[[papers]]\narxiv = "2109.01652"\nyear = "x"\n\n[[papers]]\narxiv = "bad"\n'
    )
    with pytest.raises(SourceError) as info:
        load(write(tmp_path, text))
    lines = str(info.value).splitlines()[1:]
    assert [line.split(":")[1] for line in lines] == ["9", "12"]


def test_byte_order_mark_and_badge_types(tmp_path: Path) -> None:
    assert load(write(tmp_path, "\ufeff" + GOOD)).meta.heading == "My list"
    with pytest.raises(SourceError, match="'badges' must be a list of strings"):
        load(write(tmp_path, "[list]\nbadges = [1, 2]\n"))
