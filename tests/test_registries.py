"""A new source or format is one module and one row: a toy identifier kind, its resolver and its
converter, and a toy writer, registered from this test module alone (no edit of the package), go
through resolve, build, check, export, add and the duplicate rules like the built-in ones."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import pytest
from click.testing import CliRunner

from exporter import ids, model, resolvers, writers
from exporter.cli import main
from exporter.ids import IdKind, Identifier
from exporter.model import Converter, Record, split_name

# Every form users paste, and the bare id papers.toml holds (what add and import write).
TOY_ID = re.compile(r"^(?:toy:|https?://toy\.example/)?(?P<id>[0-9]+)$")
# What the toy service knows.
TOY_RECORDS = {
    "7": {"id": "7", "title": "Seven Ways to Tune an Instruction", "authors": ["Ada Lovelace", "Alan Turing"],
          "year": 2021},
    "8": {"id": "8", "title": "Eight Is Enough", "authors": ["Grace Hopper"], "year": 2022},
    "9": {"id": "9", "title": "Nine Lives of a Preprint", "authors": ["Edsger Dijkstra"], "year": 2023},
}


def parse_toy(value: str) -> Identifier | None:
    m = TOY_ID.match(value)
    return Identifier("toy", m["id"]) if m else None


def toy_record(data: Mapping[str, Any]) -> Record:
    return Record(id="", type="report", title=data["title"], author=tuple(split_name(a) for a in data["authors"]),
                  issued=(data["year"],), publisher="Toy Institute", URL=f"https://toy.example/{data['id']}")


def write(records: Sequence[Record], meta: Any = None, options: Any = None) -> str:
    """The toy format: one line per record, `key|title|year`."""
    return "".join(f"{r.id}|{r.title}|{r.year}\n" for r in records)


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[list[str]]:
    """Register the toy kind, resolver, converter and writer; returns the id batches the resolver was asked."""
    asked: list[list[str]] = []

    def fetch(batch: list[str], settings: Any, found: dict[str, dict[str, Any]],
              progress: Callable[[int], None] = lambda n: None) -> dict[str, str]:
        asked.append(list(batch))
        failures = {}
        for ident in batch:
            if ident in TOY_RECORDS:
                found[ident] = dict(TOY_RECORDS[ident])
            else:
                failures[ident] = "the toy service does not know it"
        progress(len(batch))
        return failures

    monkeypatch.setitem(ids.KINDS, "toy", IdKind(name="toy", label="Toy Archive", parse=parse_toy,
                                                 examples="toy:7, https://toy.example/7", published=False,
                                                 link="https://toy.example/{}"))
    monkeypatch.setitem(model.CONVERTERS, "toy", Converter(toy_record, {"title": lambda v: isinstance(v, str)}))
    monkeypatch.setitem(resolvers.RESOLVERS, "toy", fetch)
    monkeypatch.setitem(writers.WRITERS, "toylines", writers.Writer("refs.toy", "", r"^\S", function=write))
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "papers.toml").write_text(
        '[list]\nheading = "Toy list"\noutputs = ["bibtex", "toylines", "markdown"]\n\n'
        '[[papers]]\ntoy = "toy:7"\n\n[[papers]]\ntoy = "https://toy.example/8"\nnote = "The second."\n',
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EXPORTER_ARXIV_URL", "http://127.0.0.1:9/api/query")  # nothing else is asked
    monkeypatch.setenv("EXPORTER_ACL_URL", "http://127.0.0.1:9")
    return asked


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_toy_source_and_format_go_through_every_command(toy: list[list[str]], tmp_path: Path) -> None:
    code, _, err = run("resolve")
    assert code == 0, err
    assert toy == [["7", "8"]]  # one batch, through the registry
    assert "2 Toy Archive records fetched" in err
    lock = json.loads((tmp_path / "sources" / "papers.lock.json").read_text(encoding="utf-8"))
    assert set(lock["records"]) == {"toy"} and lock["records"]["toy"]["8"] == TOY_RECORDS["8"]
    assert lock["keys"] == {"toy:7": "lovelace2021seven", "toy:8": "hopper2022eight"}
    assert run("resolve") == (0, "", "") and len(toy) == 1  # nothing missing: nothing asked

    code, _, err = run("build", "--offline")
    assert code == 0, err
    assert (tmp_path / "outputs" / "refs.toy").read_text() == ("lovelace2021seven|Seven Ways to Tune an Instruction|"
                                                               "2021\nhopper2022eight|Eight Is Enough|2022\n")
    bib = (tmp_path / "outputs" / "refs.bib").read_text()
    assert "@techreport{hopper2022eight," in bib and "institution = {Toy Institute}" in bib
    readme = (tmp_path / "outputs" / "README.md").read_text()
    assert "[[paper]](https://toy.example/8)" in readme  # the kind's link
    assert sorted(p.name for p in (tmp_path / "outputs").iterdir()) == ["README.md", "refs.bib", "refs.toy"]

    assert run("check")[0] == 0
    code, out, _ = run("export", "--format", "toylines")
    assert code == 0 and out == (tmp_path / "outputs" / "refs.toy").read_text()
    # check compares the toy output too, and names the entry at a stale line.
    (tmp_path / "outputs" / "refs.toy").write_text("lovelace2021seven|x|2021\nhopper2022eight|Eight Is Enough|2022\n")
    code, out, _ = run("check")
    assert code == 1 and out.startswith("outputs/refs.toy:1: stale in entry 1 (toy:7), whose lock record is at line ")

    # add: every form the kind parses, duplicates refused by the registry's rules, failures reported.
    code, _, err = run("add", "https://toy.example/7", "--no-build")
    assert code == 1 and "already in the list as sources/papers.toml:5: entry 1 (toy:7)" in err \
        and "(the same Toy Archive id)" in err
    code, _, err = run("add", "toy:9", "--no-build")
    assert code == 0, err
    assert 'toy = "9"' in (tmp_path / "sources" / "papers.toml").read_text()
    code, _, err = run("add", "toy:13", "--no-build")
    assert code == 1 and "toy:13: not resolved: the toy service does not know it" in err


def test_a_toy_id_the_service_does_not_know_is_named_at_its_line(toy: list[list[str]], tmp_path: Path) -> None:
    path = tmp_path / "sources" / "papers.toml"
    path.write_text(path.read_text() + '\n[[papers]]\ntoy = "toy:13"\n', encoding="utf-8")
    code, _, err = run("resolve")
    assert code == 1
    assert err.splitlines()[-1] == ("Error: sources/papers.toml:12: entry 3 (toy:13): not resolved: the toy service "
                                    "does not know it (2 records fetched and kept in the lock)")
    # An id of no kind the registry knows is refused with every kind named.
    path.write_text(path.read_text().replace('toy = "toy:13"', 'toy = "x13"'), encoding="utf-8")
    code, _, err = run("build", "--offline")
    assert code == 1 and "'x13' is not a Toy Archive id, URL or DOI (e.g. toy:7, https://toy.example/7)" in err
