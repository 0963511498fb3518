"""Round trip of .bib files: `exporter import` then `build --offline`, and what refs.bib keeps of each entry.

    python benchmarks/bib_roundtrip.py ../shared/data/realworld/bib/ [--show N]

For each .bib file of the folder (read where it is, never copied): import it into a new, empty list
(a fresh process, offline), keep the manual entries (those with an arXiv, Anthology or DBLP id are
resolved online, so they are left to the resolver tests), build the outputs offline, then compare
every imported entry of the file (by its citation key, which import pins) with its entry in refs.bib:

- title (case and white space ignored; a biblatex subtitle may follow it),
- authors and editors (family names),
- year (the digits of `year`, or of `date`),
- venue (`journal`, `journaltitle` or `booktitle`), volume, number, pages (any dash), DOI.

Both files are read as exporter's .bib reader reads values (LaTeX and TeX logos decoded, stray
commas in name lists repaired: `tests/test_import_bib_shapes.py` checks those readings); only the
fields the input entry itself gives are compared (inherited `crossref` fields are the importer's to add). Prints per file: entries compared, and each field's mismatches; `--show N`
prints N mismatches per file.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from pathlib import Path

from exporter.editing import append_papers
from exporter.readers.bibvalues import Problems, decode, names

ENV = {**os.environ, "EXPORTER_ARXIV_URL": "http://127.0.0.1:9/api/query", "EXPORTER_ACL_URL": "http://127.0.0.1:9",
       "EXPORTER_DBLP_URL": "http://127.0.0.1:9"}
FIELDS = ("title", "author", "editor", "year", "venue", "volume", "number", "pages", "doi")


def exporter(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "exporter", *args], cwd=cwd, env=ENV, capture_output=True, text=True,
                          timeout=600)


def _text(value: str) -> str:
    text = decode(value, "", Problems(0, "")).replace("\u00ad", "")  # \- (a soft hyphen) is no character
    return " ".join(text.replace("{", "").replace("}", "").casefold().split())


def _families(value: str) -> list[str]:
    return [_text(n.family) for n in names(value, "", Problems(0, "")) if n.family.lower() != "others"]


def normalised(fields: dict[str, str]) -> dict[str, object]:
    """The compared fields of one entry (lower-case names), as comparable values; absent ones left out."""
    out: dict[str, object] = {}
    if fields.get("title"):
        out["title"] = _text(fields["title"])
    for role in ("author", "editor"):
        if fields.get(role):
            out[role] = _families(fields[role])
    year = re.search(r"\d{4}", fields.get("year") or fields.get("date") or "")
    if year:
        out["year"] = year[0]
    venues = {_text(fields[k]) for k in ("journal", "journaltitle", "booktitle", "howpublished") if fields.get(k)}
    venues.discard(out.get("title"))  # a collection's booktitle is its own title
    if venues:
        out["venue"] = venues
    for name in ("volume", "number"):
        if fields.get(name):
            out[name] = _text(fields[name])
    if fields.get("pages"):
        out["pages"] = re.sub(r"\s*(?:-+|\u2013|\u2014)\s*", "-", _text(fields["pages"]))
    if fields.get("doi"):
        out["doi"] = re.sub(r"(?i)^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", fields["doi"].strip()).lower()
    return out


def entries(path: Path) -> dict[str, dict[str, str]]:
    import bibtexparser

    library = bibtexparser.parse_string(path.read_text(encoding="utf-8", errors="replace"))
    # A value joined from macros and strings (`MCDERMOTT # { and ...}`): bibtexparser leaves it as written, so
    # it is not compared (exporter's reader joins it).
    return {e.key: {f.key.lower(): str(f.value) for f in e.fields
                    if not (f.enclosing == "no-enclosing" and "#" in str(f.value))} for e in library.entries}


def compare(given: dict[str, object], written: dict[str, object]) -> list[str]:
    """The compared fields where refs.bib differs from the input entry."""
    bad = []
    for name in FIELDS:
        if name not in given:
            continue
        want, got = given[name], written.get(name)
        if name == "title" and isinstance(got, str) and isinstance(want, str) and got.startswith(want):
            continue  # title: subtitle
        if name == "editor" and got is None and given.get("author") is None:
            continue  # an editor-only entry: its editors are its authors
        if name == "venue" and isinstance(want, set) and isinstance(got, set) and want & got:
            continue  # one of the venues given (a journal and a booktitle: the booktitle is kept)
        if got != want:
            bad.append(name)
    return bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--show", type=int, default=0)
    options = parser.parse_args()
    total: Counter[str] = Counter()
    compared_all = 0
    for bib in sorted(options.folder.rglob("*.bib")):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            result = exporter(["import", str(bib.resolve())], work)
            toml = work / "sources" / "papers.toml"
            if not toml.exists():
                print(f"{bib.name}: nothing imported ({result.returncode})")
                continue
            papers = tomllib.loads(toml.read_text(encoding="utf-8")).get("papers", [])
            manual = [p for p in papers if not ({"arxiv", "acl", "dblp"} & set(p))]
            text = toml.read_text(encoding="utf-8").split("\n[[papers]]")[0]
            toml.write_text(append_papers(text, manual), encoding="utf-8")
            built = exporter(["build", "--offline"], work)
            if built.returncode:
                print(f"{bib.name}: build failed: {built.stderr.strip().splitlines()[-1:]}")
                continue
            given, written = entries(bib), entries(work / "outputs" / "refs.bib")
        mismatches: Counter[str] = Counter()
        shown = 0
        compared = 0
        for paper in manual:
            key = paper.get("key")
            if key not in given or key not in written:
                continue
            compared += 1
            want, got = normalised(given[key]), normalised(written[key])
            for name in compare(want, got):
                mismatches[name] += 1
                if shown < options.show:
                    shown += 1
                    print(f"  {bib.name} {key}: {name}: {want.get(name)!r} -> {got.get(name)!r}")
        compared_all += compared
        total.update(mismatches)
        summary = ", ".join(f"{k} {v}" for k, v in sorted(mismatches.items())) or "all kept"
        print(f"{bib.name}: {compared} manual entries compared; {summary}")
    summary = ", ".join(f"{k} {v}" for k, v in sorted(total.items())) or "all kept"
    print(f"TOTAL: {compared_all} entries; fields not kept: {summary}")


if __name__ == "__main__":
    main()
