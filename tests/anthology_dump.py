"""Build the test copy of the ACL Anthology's complete BibTeX export (`anthology.bib.gz`).

The dump holds, in the Anthology's export format (per-paper format without abstracts, plus
an `@proceedings` entry per volume):

* the real Anthology papers of ``fixtures/acl-anthology/papers.xml``, exactly as
  ``fakeserver.anthology_bibtex`` renders them, abstract left out;
* real DBLP entries (``fixtures/anthology-dump/dblp-distractors.bib``) rewritten into that
  format under fake Anthology ids ``<year>.dblp-<venue>.<n>``;
* near misses derived from the real papers: the same title (or its words) with other
  people's names, and the same authors with another paper's title, under fake ids
  ``<year>.nearmiss-title.<n>`` and ``<year>.nearmiss-authors.<n>``.

Everything follows from the fixture files in file order: no randomness, no clock. Rewrite
the committed dump with ``python tests/anthology_dump.py``; ``--check`` compares instead.
The benchmark (``benchmarks/anthology_index.py``) uses the same conversion for 100,000
DBLP entries.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from fakeserver import (  # noqa: E402  (the path above first)
    AnthologyPaper,
    _name,
    anthology_bibtex,
    bibtex_month,
    latex_encode,
    load_anthology_papers,
    markup_latex,
)

DUMP_DIR = TESTS_DIR / "fixtures" / "anthology-dump"
DUMP_PATH = DUMP_DIR / "anthology.bib.gz"
DBLP_PATH = DUMP_DIR / "dblp-distractors.bib"
SHARED_DBLP = TESTS_DIR.parent.parent / "shared" / "data" / "corpus" / "dblp-sample-10k.bib"

DISTRACTORS = 3000  # DBLP entries rewritten as Anthology papers
DONORS = 52  # the next DBLP entries lend names and titles to the near misses (2 per real paper)
ANTHOLOGY = "https://aclanthology.org/{}/"


# --- plain records ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A name split as the Anthology stores it."""

    family: str
    given: str = ""

    def bibtex(self) -> str:
        """``Last, First`` LaTeX-encoded, as the Anthology writes names."""
        return latex_encode(f"{self.family}, {self.given}" if self.given else self.family)


@dataclass(frozen=True)
class DumpEntry:
    """One paper as the test dump holds it: the plain-Unicode truth and how it is written."""

    anthology_id: str
    kind: str  # "real", "dblp", "title-twin", "title-variant" or "same-authors"
    title: str  # plain Unicode
    families: tuple[str, ...]
    year: int
    booktitle: str  # plain Unicode
    origin: str  # the real Anthology id or DBLP key it comes from
    bibtex: str = field(repr=False, default="")


@dataclass(frozen=True)
class DblpRecord:
    """The fields of one DBLP entry that the conversion uses, decoded to plain Unicode."""

    key: str
    entry_type: str  # "inproceedings", or "article" (booktitle is then the journal)
    venue: str
    title: str
    authors: tuple[Person, ...]
    booktitle: str
    year: int
    publisher: str
    pages: str


# --- DBLP --------------------------------------------------------------------------------------

_SUFFIXES = frozenset({"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"})
_PARTICLES = frozenset("van von de der den del della di da dos das du la le ter ten zu el al bin".split())


def split_dblp_name(name: str) -> Person:
    """DBLP writes ``Given Family`` with a homonym number (``Wei Wang 0001``): drop the number;
    the family name is the last word plus the lower-case particles before it (``Hoang van
    der Ven`` → ``van der Ven``; DBLP does not mark particles otherwise), and a ``Jr.`` is dropped."""
    words = re.sub(r"\s+\d{4}$", "", " ".join(name.split())).split(" ")
    if len(words) > 2 and words[-1] in _SUFFIXES:  # "Roberto J. Bayardo Jr.": the suffix is dropped
        words = words[:-1]
    cut = len(words) - 1
    while cut > 0 and words[cut - 1] in _PARTICLES:
        cut -= 1
    return Person(" ".join(words[cut:]), " ".join(words[:cut]))


def dblp_records(text: str, decode: Callable[[str], str],
                 types: tuple[str, ...] = ("inproceedings",)) -> list[DblpRecord]:
    """The entries of these types with authors, title and year of a DBLP BibTeX file, in order."""
    import bibtexparser

    records = []
    for entry in bibtexparser.parse_string(text).entries:
        fields = {f.key.lower(): str(f.value) for f in entry.fields}
        entry_type = entry.entry_type.lower()
        if entry_type not in types or not {"author", "title", "year"} <= fields.keys():
            continue
        venue = entry.key.split("/")[1] if entry.key.count("/") >= 2 else "conf"
        records.append(
            DblpRecord(
                key=entry.key,
                entry_type=entry_type,
                venue=re.sub(r"[^a-z0-9]", "", venue.lower()) or "conf",
                title=decode(fields["title"]),
                authors=tuple(split_dblp_name(decode(n)) for n in re.split(r"\s+and\s+", fields["author"].strip())),
                booktitle=decode(fields.get("booktitle") or fields.get("journal") or ""),
                year=int(fields["year"][:4]),
                publisher=decode(fields.get("publisher", "")),
                pages=fields.get("pages", "").replace("{-}", "-"),
            )
        )
    return records


def select_dblp(text: str, count: int) -> str:
    """The first `count` @inproceedings entries with an author field, verbatim, in file order
    (what ``fixtures/anthology-dump/dblp-distractors.bib`` holds)."""
    chunks = re.split(r"\n(?=@)", text)
    kept = [c.strip() + "\n" for c in chunks if c.startswith("@inproceedings{") and re.search(r"^\s*author\s*=", c, re.M)]
    return "\n".join(kept[:count])


# --- writing entries in the Anthology's format ----------------------------------------------


def encode_title(title: str) -> str:
    """A plain title as the Anthology writes it: LaTeX-encoded, with the capitals of words that
    have capitals after their first letter brace-protected (``{BERT}``, ``{C}o{E}d{IT}``), as
    its ``<fixed-case>`` markup does."""
    out = []
    for piece in re.findall(r"[A-Za-z0-9]+|[^A-Za-z0-9]+", title):
        if piece[0].isalnum() and re.search(r"[A-Z]", piece[1:]):
            out.append(re.sub(r"[A-Z]+", lambda m: "{" + m[0] + "}", piece))
        else:
            out.append(latex_encode(piece))
    return "".join(out)


class UnbalancedError(ValueError):
    """A value whose braces do not balance, counted as the Anthology counts them (every brace)."""


def balanced(text: str) -> bool:
    """Whether the braces of `text` balance, as the Anthology's `has_unbalanced_braces` checks."""
    depth = 0
    for char in text:
        depth += (char == "{") - (char == "}")
        if depth < 0:
            return False
    return depth == 0


def render_entry(entry_type: str, key: str, fields: Sequence[tuple[str, str | None]]) -> str:
    """An entry as the Anthology's ``make_bibtex_entry`` writes it: 4-space indent, ``"..."``
    unless the value holds a ``"``, month as a bare macro, no comma after the last field."""
    lines = [f"@{entry_type}{{{key},"]
    for name, value in fields:
        if not value:
            continue
        if not balanced(value):  # the Anthology refuses to write these
            raise UnbalancedError(f"{key}: unbalanced braces in {name}: {value}")
        quoted = value if name == "month" else (f'"{value}"' if '"' not in value else f"{{{value}}}")
        lines.append(f"    {name} = {quoted},")
    lines[-1] = lines[-1][:-1]
    return "\n".join(lines + ["}"]) + "\n"


def without_abstract(bibtex: str) -> str:
    """A per-paper export without its abstract (the complete dump carries none)."""
    lines = [line for line in bibtex.rstrip("\n").split("\n") if not line.startswith("    abstract = ")]
    if lines[-2].endswith(","):
        lines[-2] = lines[-2][:-1]
    return "\n".join(lines) + "\n"


def _bibkey(people: Sequence[Person], year: int, title: str, taken: set[str]) -> str:
    """An Anthology-style key (``wang-etal-2023-self``), not among `taken` (the caller adds it)."""

    def slug(text: str) -> str:
        folded = unicodedata.normalize("NFKD", text)
        return re.sub(r"[^a-z0-9]+", "", "".join(c for c in folded if not unicodedata.combining(c)).lower())

    names = [slug(p.family) or "anonymous" for p in people] or ["anonymous"]
    who = names[0] if len(names) == 1 else f"{names[0]}-{names[1]}" if len(names) == 2 else f"{names[0]}-etal"
    words = [w for w in (slug(w) for w in title.split()) if w and w not in {"a", "an", "the", "on", "of"}]
    key = f"{who}-{year}-{words[0] if words else 'paper'}"
    n = 1
    while key in taken:
        n += 1
        key = f"{who}-{year}-{words[0] if words else 'paper'}-{n}"
    return key


def _proceedings(volume_id: str, key: str, title: str, year: int, publisher: str) -> str:
    return render_entry("proceedings", key, [
        ("title", encode_title(title)), ("year", str(year)), ("publisher", latex_encode(publisher)),
        ("url", ANTHOLOGY.format(f"{volume_id}.0")),
    ])


def _paper_entry(entry: DumpEntry, author_latex: str, key: str, publisher: str, pages: str,
                 title_latex: str | None = None, entry_type: str = "inproceedings") -> DumpEntry:
    # Journal papers are @article with `journal`, as the Anthology exports CL and TACL.
    container = "journal" if entry_type == "article" else "booktitle"
    bibtex = render_entry(entry_type, key, [
        ("title", title_latex if title_latex is not None else encode_title(entry.title)),
        ("author", author_latex),
        (container, encode_title(entry.booktitle)),
        ("year", str(entry.year)),
        ("publisher", latex_encode(publisher)),
        ("url", ANTHOLOGY.format(entry.anthology_id)),
        ("pages", re.sub(r"(?<=[0-9])(-|–|—)+(?=[0-9])", "--", pages)),
    ])
    return replace(entry, bibtex=bibtex)


def _authors(people: Sequence[Person]) -> str:
    return "  and\n      ".join(p.bibtex() for p in people)


# --- the three kinds of entries --------------------------------------------------------------


def _plain(element: ET.Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def real_entries(papers: Iterable[AnthologyPaper]) -> list[DumpEntry]:
    """The real papers, as the per-paper export writes them, abstract left out."""
    out = []
    for paper in papers:
        out.append(DumpEntry(
            anthology_id=paper.anthology_id, kind="real", title=_plain(paper.paper.find("title")),
            families=tuple((a.findtext("last") or "").strip() for a in paper.paper.findall("author")),
            year=int(paper.meta.findtext("year") or 0), booktitle=_plain(paper.meta.find("booktitle")),
            origin=paper.anthology_id, bibtex=without_abstract(anthology_bibtex(paper)),
        ))
    return out


def real_proceedings(papers: Iterable[AnthologyPaper]) -> dict[str, str]:
    """One @proceedings entry per volume of papers.xml, as the Anthology writes front matter."""
    volumes: dict[str, str] = {}
    for paper in papers:
        volume_id = paper.anthology_id.rsplit(".", 1)[0]
        if volume_id in volumes:
            continue
        meta = paper.meta
        year, rest = volume_id.split(".", 1)
        venue, _, part = rest.partition("-")
        month = (meta.findtext("month") or "").strip()
        volumes[volume_id] = render_entry("proceedings", f"{venue}-{year}-{part}".rstrip("-"), [
            ("title", markup_latex(meta.find("booktitle"))),  # type: ignore[arg-type]
            ("editor", "  and\n      ".join(_name(e) for e in meta.findall("editor"))),
            ("month", bibtex_month(month) if month else None),
            ("year", (meta.findtext("year") or "").strip()),
            ("address", latex_encode((meta.findtext("address") or "").strip())),
            ("publisher", latex_encode((meta.findtext("publisher") or "").strip())),
            ("url", ANTHOLOGY.format(f"{volume_id}.0")),
            ("ISBN", (meta.findtext("isbn") or "").strip()),
        ])
    return volumes


def dblp_entries(records: Sequence[DblpRecord], taken: set[str]) -> tuple[list[DumpEntry], dict[str, str]]:
    """DBLP records as Anthology papers under fake ids ``<year>.dblp-<venue>.<n>``, numbered
    in file order within each (year, venue) volume, with an @proceedings per volume.

    A record the Anthology could not write (unbalanced braces once encoded, such as a
    lone ``}`` in a title) is left out, as the Anthology's exporter would refuse it.
    """
    entries: list[DumpEntry] = []
    volumes: dict[str, str] = {}
    numbers: dict[str, int] = {}
    for record in records:
        volume_id = f"{record.year}.dblp-{record.venue}"
        entry = DumpEntry(f"{volume_id}.{numbers.get(volume_id, 0) + 1}", "dblp", record.title,
                          tuple(p.family for p in record.authors), record.year, record.booktitle, record.key)
        key = _bibkey(record.authors, record.year, record.title, taken)
        try:
            made = _paper_entry(entry, _authors(record.authors), key, record.publisher, record.pages,
                                entry_type=record.entry_type)
            proceedings = volumes.get(volume_id) or _proceedings(
                volume_id, f"dblp-{record.year}-{record.venue}", record.booktitle or record.venue.upper(),
                record.year, record.publisher)
        except UnbalancedError:
            continue
        taken.add(key)
        numbers[volume_id] = numbers.get(volume_id, 0) + 1
        volumes[volume_id] = proceedings
        entries.append(made)
    return entries, volumes


def title_variant(title: str) -> str:
    """The same title words as another paper would use them: the subtitle alone when there is
    one (``X: Scaling Prompts`` → ``Scaling Prompts``), else ``Revisiting`` + the title."""
    head, colon, tail = title.partition(": ")
    return tail if colon and len(tail.split()) >= 3 else f"Revisiting {title}"


def near_misses(real: Sequence[AnthologyPaper], donors: Sequence[DblpRecord],
                taken: set[str]) -> tuple[list[DumpEntry], dict[str, str]]:
    """Near misses derived from the real papers (``fixtures/anthology-dump/README.md``):

    * ``title-twin`` (even-numbered real papers): the exact title, other people's names
      (from donor i), the donor's year and booktitle;
    * ``title-variant`` (odd-numbered): `title_variant` of the title, other people's names;
    * ``same-authors`` (every real paper): its exact author list, the title, year and
      booktitle of donor 26 + i.
    """
    entries: list[DumpEntry] = []
    volumes: dict[str, str] = {}
    numbers: dict[str, int] = {}
    half = len(real)

    def add(kind: str, volume: str, year: int, title: str, people: Sequence[Person], booktitle: str,
            origin: str, publisher: str, title_latex: str | None = None,
            author_latex: str | None = None) -> None:
        volume_id = f"{year}.nearmiss-{volume}"
        numbers[volume_id] = numbers.get(volume_id, 0) + 1
        if volume_id not in volumes:
            volumes[volume_id] = _proceedings(volume_id, f"nearmiss-{year}-{volume}",
                                              f"Near Misses {year}: {volume}", year, publisher)
        entry = DumpEntry(f"{volume_id}.{numbers[volume_id]}", kind, title, tuple(p.family for p in people),
                          year, booktitle, origin)
        key = _bibkey(people, year, title, taken)
        taken.add(key)
        # Twins keep the real entry's own spelling of the title, same-author misses its names.
        entries.append(_paper_entry(entry, author_latex or _authors(people), key, publisher, "", title_latex))

    for i, paper in enumerate(real):
        title_element = paper.paper.find("title")
        title = _plain(title_element)
        donor = donors[i]
        if i % 2 == 0:
            add("title-twin", "title", donor.year, title, donor.authors, donor.booktitle, paper.anthology_id,
                donor.publisher, title_latex=markup_latex(title_element))  # type: ignore[arg-type]
        else:
            add("title-variant", "title", donor.year, title_variant(title), donor.authors, donor.booktitle,
                paper.anthology_id, donor.publisher)
    for i, paper in enumerate(real):
        donor = donors[half + i]
        authors = paper.paper.findall("author")
        people = [Person((a.findtext("last") or "").strip(), (a.findtext("first") or "").strip()) for a in authors]
        year = int(paper.meta.findtext("year") or donor.year)
        add("same-authors", "authors", year, donor.title, people, donor.booktitle, paper.anthology_id,
            donor.publisher, author_latex="  and\n      ".join(_name(a) for a in authors))
    return entries, volumes


# --- the dump --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dump:
    """The dump's text and the truth about every paper in it."""

    text: str
    entries: tuple[DumpEntry, ...]
    proceedings: int  # @proceedings entries

    def by_kind(self, kind: str) -> list[DumpEntry]:
        return [e for e in self.entries if e.kind == kind]


def build(dblp_text: str | None = None, decode: Callable[[str], str] | None = None) -> Dump:
    """The test dump: volumes sorted by id, each @proceedings followed by its papers in order."""
    from exporter.model import from_latex  # pylatexenc: independent of the code under test

    dblp_text = dblp_text if dblp_text is not None else DBLP_PATH.read_text(encoding="utf-8")
    records = dblp_records(dblp_text, decode or from_latex)
    if len(records) != DISTRACTORS + DONORS:
        raise ValueError(f"{DBLP_PATH}: {len(records)} usable DBLP entries, expected {DISTRACTORS + DONORS}")
    papers = list(load_anthology_papers().values())
    taken = {p.bibkey for p in papers}
    real = real_entries(papers)
    volumes = real_proceedings(papers)
    distractors, more = dblp_entries(records[:DISTRACTORS], taken)
    volumes.update(more)
    misses, more = near_misses(papers, records[DISTRACTORS:], taken)
    volumes.update(more)
    entries = real + distractors + misses
    by_volume: dict[str, list[DumpEntry]] = {}
    for entry in entries:
        by_volume.setdefault(entry.anthology_id.rsplit(".", 1)[0], []).append(entry)
    blocks = []
    for volume_id in sorted(volumes):
        blocks.append(volumes[volume_id])
        blocks.extend(e.bibtex for e in by_volume.get(volume_id, []))
    return Dump("\n".join(blocks), tuple(entries), len(volumes))


def gzip_bytes(text: str) -> bytes:
    """The dump gzipped reproducibly (no file name, no time stamp)."""
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed dump instead of writing it")
    parser.add_argument("--copy-dblp", action="store_true",
                        help=f"first re-copy the DBLP entries from {SHARED_DBLP} (verbatim subset)")
    args = parser.parse_args(argv)
    if args.copy_dblp:
        DBLP_PATH.write_text(select_dblp(SHARED_DBLP.read_text(encoding="utf-8"), DISTRACTORS + DONORS),
                             encoding="utf-8")
    dump = build()
    if args.check:
        current = gzip.decompress(DUMP_PATH.read_bytes()).decode("utf-8")
        if current != dump.text:
            print(f"{DUMP_PATH} is out of date: run python tests/anthology_dump.py", file=sys.stderr)
            return 1
        print(f"{DUMP_PATH}: up to date")
        return 0
    DUMP_PATH.write_bytes(gzip_bytes(dump.text))
    kinds: dict[str, int] = {}
    for entry in dump.entries:
        kinds[entry.kind] = kinds.get(entry.kind, 0) + 1
    print(f"wrote {DUMP_PATH}: {len(dump.entries)} papers {kinds}, {dump.proceedings} @proceedings, "
          f"{DUMP_PATH.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
