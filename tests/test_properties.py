"""Round-trip properties: every writer's output, read back by a real parser, gives the record's text.

Titles, names, venues and abstracts are drawn from all of Unicode (no surrogates: no UTF-8
file can hold them) mixed with the fragments that break formats: TeX specials and
unbalanced braces, TeX ligatures, newlines and Unicode line separators, lines that read as
RIS tags (`ER  - `) or BibTeX entries (`@misc{x,`), Markdown and HTML syntax.

The model collapses white space when it builds a record (`exporter.model.clean`, checked
idempotent below); a reader therefore owes back `clean(text)`. Records here carry the *raw*
text, so that newlines and RIS-looking lines reach the writers: RIS and Markdown collapse
white space themselves and the BibTeX writer writes it as TeX reads it (one space), while
CSL-JSON, which holds any string, must give back the raw text exactly. BibTeX names are the
exception: the model always cleans names and `bibtex.name_to_bibtex` relies on it.

Readers: bibtexparser v2 and pybtex (values decoded from LaTeX with pylatexenc, through
`exporter.model.from_latex`), json plus the official CSL-JSON schema, rispy, markdown-it-py
(CommonMark). Each writer gets 2,000 examples under the Hypothesis profile `ci`, the default and
what CI runs; `HYPOTHESIS_PROFILE=dev` runs a tenth (profiles: tests/conftest.py).

What a format cannot carry is left out of its strategy, and only that: U+0000 in Markdown
(CommonMark replaces it). TeX ligatures are not left out but checked separately (decoding
with pylatexenc does not always apply them), see TEX_LIGATURES.
"""

from __future__ import annotations

import json
import re
import string
import unicodedata
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exporter.model import ANTHOLOGY, ARXIV_ABS, Name, Record, apply_overrides, assign_keys, clean, from_latex
from exporter.sources import ListMeta
from exporter.venues import conference_name
from exporter.writers import bibtex, csljson, markdown, ris

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "csl" / "csl-data.json").read_text(encoding="utf-8"))

# The `ci` profile's max_examples (tests/conftest.py): the counts below are the ci counts.
CI_EXAMPLES = 2000


def examples(ci: int) -> int:
    """`ci` examples under the `ci` profile, scaled by the loaded profile's max_examples (dev: a tenth).

    An explicit max_examples overrides the profile, so the tests take theirs from here.
    """
    return max(1, ci * settings().max_examples // CI_EXAMPLES)


WRITER_SETTINGS = settings(
    max_examples=examples(2000),  # the acceptance criterion: at least 2,000 per writer, in CI (profile ci)
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- strategies ----------------------------------------------------------------------

# Fragments that have broken (or could break) one of the formats.
FRAGMENTS = [
    # TeX specials, escaped and unbalanced braces, a comment, math, a macro
    "{", "}", "{}", "%", "&", "#", "$", "_", "\\", "~", "^", "\\\\", "\\{", "\\}", "%comment",
    "$x^2$", "\\textbf{x}", "\\'e", "{\\'e}",
    # TeX ligatures that change meaning (OT1: -- --- `` '' ?` !`; T1 also << >> ,,)
    "--", "---", "``", "''", "?`", "!`", "<<", ">>", ",,", "`", "'", '"', "-",
    # white space, including what Python, RIS readers and CommonMark treat as line ends
    " ", "  ", "\n", "\n\n", "\r", "\r\n", "\t", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029",
    "\xa0", "\u2009", "\u3000", "\u200b", "\ufeff",
    # lines that read as RIS tags or BibTeX entries
    "\nER  - ", "ER  - ", "\nER  -\n", "\nTY  - JOUR\n", "\nTI  - x", "\n@misc{x,\n", "@misc{", "@comment{",
    "@string{a = b}", "\n}\n", "},\n",
    # what splits BibTeX name lists and names
    " and ", " AND ", "and", ",", ", ", "others", "von ", "de la ", "Jr.", "-",
    # Markdown, HTML and entities
    "**", "*", "_", "`", "[x](y)", "![a](b)", "[", "]", "<b>", "</b>", "<!--", "<http://x.y>", "&amp;", "&#65;",
    "&copy;", "\n1. ", "1. ", "\n- ", "- ", "+ ", "---", "===", "\n# ", "# ", "\n> ", "> ", "|", "\\*", "```",
    "~~~", "    ",
    # non-ASCII that encoders handle specially: accents, dotless-i fix, double acute, Greek, CJK, emoji
    "é", "í", "ı", "Ű", "ő", "ß", "Ø", "Ω", "Α", "α", "ﬁ", "²", "⁴", "…", "–", "“", "e\u0301", "中文", "😀",
]

# Exact family names with a meaning of their own in BibTeX name lists.
NASTY_FAMILIES = ["others", "and", "AND", "{", "}", "\\", "%", "von", "de la", "Jr.", ",", "-", "'"]


class Texts:
    """Text strategies over all of Unicode but lone surrogates and `exclude`.

    Built once, at import: building strategies inside a draw is slow.
    """

    def __init__(self, exclude: str = "") -> None:
        chars = st.characters(exclude_categories=("Cs",), exclude_characters=exclude)
        ascii_run = st.text(st.characters(codec="ascii", exclude_characters=exclude), max_size=6)
        # Runs of ASCII and of `chars` around two fragments: a fixed shape draws much faster than
        # a list of pieces, and still puts a fragment at the start, middle or end.
        fragment = st.one_of(st.just(""), st.sampled_from(FRAGMENTS))
        self.any = st.tuples(ascii_run, fragment, st.text(chars, max_size=4), fragment, ascii_run).map("".join)
        self.nonblank = self.any.filter(lambda s: not s.isspace() and s != "")
        self.optional = st.one_of(st.just(""), self.any)
        family = st.one_of(self.nonblank, st.sampled_from(NASTY_FAMILIES))
        name = st.builds(Name, family=family, given=self.optional)
        self.authors = st.lists(name, max_size=5).map(tuple)
        self.editors = st.lists(name, max_size=2).map(tuple)


ANY_TEXT = Texts()
# CommonMark replaces U+0000 with U+FFFD "for security reasons" (spec 2.3): Markdown cannot
# carry it, so Markdown records leave out that one character.
MARKDOWN_TEXT = Texts(exclude="\x00")
text, nonblank = ANY_TEXT.any, ANY_TEXT.nonblank

issued = st.one_of(
    st.just(()),
    st.tuples(st.integers(1900, 2100)),
    st.tuples(st.integers(1900, 2100), st.integers(1, 12)),
    st.tuples(st.integers(1900, 2100), st.integers(1, 12), st.integers(1, 28)),
)
# (from_regex would do, but is several times slower to draw from.)
arxiv_ids = st.one_of(
    st.builds("{:04d}.{:05d}{}".format, st.integers(0, 9999), st.integers(0, 99999), st.sampled_from(["", "v2"])),
    st.builds("{}/{:07d}".format, st.sampled_from(["hep-th", "cs"]), st.integers(0, 9999999)),
)
optional_arxiv_ids = st.one_of(st.just(""), arxiv_ids)
# Crossref's recommended DOI characters, plus the <> and # of old SICI DOIs.
_doi_chars = st.sampled_from(string.ascii_letters + string.digits + "-._;()/:<>#")
dois = st.one_of(st.just(""), st.builds("10.{}/{}".format, st.integers(1000, 999999999), st.text(_doi_chars, min_size=1, max_size=24)))
# Any characters a URL may hold unencoded (RFC 3986), `;` and `%` included.
_url_chars = st.sampled_from(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")
urls = st.one_of(st.just(""), st.text(_url_chars, max_size=30).map(lambda s: "https://example.org/" + s))
TYPES = ["article", "paper-conference", "article-journal", "report", "webpage", "book", "thesis", "document"]
KINDS = st.sampled_from([*TYPES, "chapter"])
ISBNS = st.sampled_from(["", "978-0-00-000000-2"])
ISSNS = st.sampled_from(["", "0000-0019"])
CHAPTERS = st.sampled_from(["", "4"])
ACL_IDS = st.sampled_from(["", "2022.acl-long.244", "P19-1001"])
PAGES = st.sampled_from(["", "7", "3470-3487"])
CLASSES = st.sampled_from(["", "cs.CL", "cs.LG", "hep-th"])
LIST_DATES = st.sampled_from(["", "2021.9", "2023.12"])
SECTIONS = st.sampled_from(["Papers", "Papers", "Other"])
CODE = st.sampled_from(["", "https://github.com/google-research/flan"])


@st.composite
def records(draw: st.DrawFn, texts: Texts = ANY_TEXT, raw_names: bool = True, kinds: Any = KINDS,
            bibliographic: bool = True) -> Record:
    """One record with raw (unclean) text; names cleaned when `raw_names` is false. `bibliographic`: with the
    fields .bib files bring (edition, series, chapter, ISBN, ISSN, a note)."""
    kind = draw(kinds)
    arxiv = draw(arxiv_ids if kind == "article" else optional_arxiv_ids)
    acl = draw(ACL_IDS)
    authors = draw(texts.authors)
    editors = draw(texts.editors) if kind in ("paper-conference", "chapter") else ()
    if not raw_names:
        authors, editors = _clean_names(authors), _clean_names(editors)
    return Record(
        id="",
        type=kind,
        title=draw(texts.nonblank),
        author=authors,
        issued=draw(issued),
        container_title=draw(texts.any),
        publisher=draw(texts.optional),
        publisher_place=draw(texts.optional),
        editor=editors,
        page=draw(PAGES),
        DOI=draw(dois),
        URL=draw(urls),
        abstract=draw(texts.any),
        number=arxiv if kind == "article" else "",
        arxiv=arxiv,
        arxiv_class=draw(CLASSES) if arxiv else "",
        acl=acl,
        link=ANTHOLOGY.format(acl) if acl else ARXIV_ABS.format(arxiv or "2109.01652"),
        list_date=draw(LIST_DATES),
        section=draw(SECTIONS),
        note=draw(texts.optional),
        code=draw(CODE),
        **(dict(edition=draw(texts.optional), collection_title=draw(texts.optional), chapter_number=draw(CHAPTERS),
                ISBN=draw(ISBNS), ISSN=draw(ISSNS), bibnote=draw(texts.optional)) if bibliographic else {}),
    )


def _clean_names(people: tuple[Name, ...]) -> tuple[Name, ...]:
    return tuple(Name(clean(n.family), clean(n.given), clean(n.suffix)) for n in people)


def with_keys(recs: list[Record]) -> list[Record]:
    """Citation keys from the real key logic (unique ignoring case)."""
    keys = assign_keys([(str(i), r) for i, r in enumerate(recs)], {})
    return [replace(r, id=keys[str(i)]) for i, r in enumerate(recs)]


# Two records are enough to see one leak into the next.
record_lists = st.lists(records(), min_size=1, max_size=2).map(with_keys)


# --- normalisation -------------------------------------------------------------------


@settings(max_examples=examples(1000), deadline=None)
@given(text)
def test_clean_is_idempotent(s: str) -> None:
    once = clean(s)
    assert clean(once) == once
    assert not re.search(r"\s\s|^\s|\s$", once)
    # The writers' own normalisation agrees with the model's.
    assert markdown.escape(s) == markdown.escape(once)
    assert ris._line("TI", s) == ris._line("TI", once)


@settings(max_examples=examples(500), deadline=None)
@given(title=text, venue=text, abstract=text, family=nonblank, given_name=text, full=nonblank)
def test_overrides_are_normalised(title: str, venue: str, abstract: str, family: str, given_name: str, full: str) -> None:
    """A record built from TOML overrides holds clean text, like one built from upstream data."""
    base = Record(id="k", type="article", title="T", author=(), issued=(2020,))
    rec = apply_overrides(base, {"title": title, "venue": venue, "abstract": abstract,
                                 "authors": [{"family": family, "given": given_name}, full]})
    assert (rec.title, rec.container_title, rec.abstract) == (clean(title), clean(venue), clean(abstract))
    assert (rec.author[0].family, rec.author[0].given) == (clean(family), clean(given_name))
    for part in (rec.author[1].family, rec.author[1].given, rec.author[1].suffix):
        assert part == clean(part)


# --- BibTeX --------------------------------------------------------------------------

# Character pairs that TeX fonts turn into another character: -- – , --- —, `` “, '' ”,
# ?` ¿, !` ¡ (OT1 and T1), << «, >> », ,, „ (T1). Field values must break them ({}).
TEX_LIGATURES = re.compile(r"--|``|''|[?!]`|<<|>>|,,")
TEXT_FIELDS = ("title", "author", "editor", "booktitle", "eventtitle", "journal", "journaltitle", "address", "location",
               "publisher", "institution", "school", "howpublished", "organization", "abstract", "series",
               "edition", "chapter", "isbn", "issn", "note")


def bibtex_fields(record: Record, dialect: str) -> dict[str, str]:
    """The text fields the writer emits for this record, as plain Unicode ("" when left out)."""
    from exporter.writers.bibtex import entry_type  # which field each type has: checked by validate and goldens

    expected = {"title": clean(record.title), "abstract": clean(record.abstract)}
    _, container, publisher, place, _, extras = entry_type(record, dialect)
    expected["note"] = clean(record.bibnote)  # every type has a note
    for name, value in (("series", record.collection_title), ("edition", record.edition),
                        ("chapter", record.chapter_number), ("isbn", record.ISBN), ("issn", record.ISSN)):
        if name in extras:  # only where biblatex's data model has the field
            expected[name] = clean(value)
    if record.type == "paper-conference" and dialect == "bibtex":  # Zotero's conferenceName
        expected["eventtitle"] = clean(conference_name(record.container_title))
    if container and container == publisher:
        expected[container] = clean(record.container_title or record.publisher)
    elif container:
        expected[container] = clean(record.container_title)
    if publisher and publisher != container:  # a report's institution may come from its venue
        expected[publisher] = clean(record.publisher or (record.container_title if not container else ""))
    if place:
        expected[place] = clean(record.publisher_place)
    return expected


def bibtex_names(record: Record, role: str) -> list[tuple[str, str]]:
    """The names the writer gives `role` (an edited volume's editors are its authors: written once), composed."""
    people = record.author if role == "author" else (
        record.editor if record.type not in ("report", "thesis") and record.editor != record.author else ())
    return [(unicodedata.normalize("NFC", n.family), unicodedata.normalize("NFC", n.given)) for n in people]


# Names are clean in every record the model builds (split_name, bibtex_names and the
# TOML overrides all apply `clean`), and bibtex.name_to_bibtex decides how to brace a name
# by looking for " " in it, so BibTeX records get clean names.
bibtex_record_lists = st.lists(records(raw_names=False), min_size=1, max_size=2).map(with_keys)


@WRITER_SETTINGS
@given(bibtex_record_lists, st.sampled_from(["bibtex", "biblatex"]), st.booleans())
def test_bibtex_round_trip(recs: list[Record], dialect: str, unicode: bool) -> None:
    import bibtexparser
    from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names
    from pybtex.database.input.bibtex import Parser  # parse_string() looks the plugin up: slow

    # Both parsers give the same raw values. LaTeX spells an accent one way: the text comes back composed (NFC).
    decode = lru_cache(maxsize=None)(lambda value: unicodedata.normalize("NFC", from_latex(value)))
    text = bibtex.write(recs, dialect=dialect, unicode=unicode)

    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    assert [e.key for e in library.entries] == [r.id for r in recs]
    db = Parser().parse_string(text)  # raises on unbalanced braces, as BibTeX itself fails
    assert list(db.entries.keys()) == [r.id for r in recs]

    for record, entry in zip(recs, library.entries):
        fields = {f.key: f.value for f in entry.fields}
        for key in TEXT_FIELDS:
            if key in fields:
                assert not TEX_LIGATURES.search(fields[key]), (key, fields[key])
        expected = {k: unicodedata.normalize("NFC", v) for k, v in bibtex_fields(record, dialect).items()}  # absent: ""
        assert {k: decode(fields.get(k, "")) for k in expected} == expected
        assert not set(fields) & (set(TEXT_FIELDS) - set(expected) - {"author", "editor"})
        for role in ("author", "editor"):
            people = []
            for raw in split_multiple_persons_names(fields[role]) if role in fields else []:
                assert raw.strip() != "others"  # BibTeX styles print `and others` as "et al."
                parts = parse_single_name_into_parts(raw)
                assert parts.jr == []
                people.append((decode(" ".join(parts.von + parts.last)), decode(" ".join(parts.first))))
            assert people == bibtex_names(record, role)
        assert fields.get("doi", "") == record.DOI
        assert fields.get("url", "") == record.URL
        assert fields.get("eprint", "") == record.arxiv

        pyb = db.entries[record.id]
        assert {k: decode(pyb.fields.get(k, "")) for k in expected} == expected
        for role in ("author", "editor"):
            people = [
                (decode(" ".join(p.prelast_names + p.last_names)), decode(" ".join(p.first_names + p.middle_names)))
                for p in pyb.persons.get(role, [])
            ]
            assert people == bibtex_names(record, role)
        assert pyb.fields.get("doi", "") == record.DOI
        assert pyb.fields.get("url", "") == record.URL


# --- CSL-JSON ------------------------------------------------------------------------


def _csl_validator() -> Any:
    import jsonschema

    cls = jsonschema.validators.validator_for(SCHEMA)
    cls.check_schema(SCHEMA)
    return cls(SCHEMA)


CSL_VALIDATOR = _csl_validator()


def csl_name(name: Name) -> dict[str, str]:
    return {k: v for k, v in (("family", name.family), ("given", name.given)) if v}


@WRITER_SETTINGS
@given(record_lists)
def test_csljson_round_trip(recs: list[Record]) -> None:
    items = json.loads(csljson.write(recs))
    CSL_VALIDATOR.validate(items)
    assert len(items) == len(recs)
    for item, record in zip(items, recs):
        # JSON holds any string: the raw text comes back exactly.
        carried = {
            "id": record.id, "type": record.type, "title": record.title, "container-title": record.container_title,
            "publisher": record.publisher, "publisher-place": record.publisher_place, "page": record.page,
            "DOI": record.DOI, "URL": record.URL, "abstract": record.abstract,
            # As Zotero reads them: a preprint's archive ID, every arXiv id in Extra, the conference name.
            "number": f"arXiv:{record.number}" if record.number and record.number == record.arxiv else record.number,
            "note": "\n".join(n for n in (record.bibnote, f"arXiv: {record.arxiv}" if record.arxiv else "") if n),
            "event-title": conference_name(record.container_title) if record.type == "paper-conference" else "",
            "edition": record.edition, "collection-title": record.collection_title,
            "chapter-number": record.chapter_number, "ISBN": record.ISBN, "ISSN": record.ISSN,
        }
        assert {k: item.get(k, "") for k in carried} == carried
        assert item.get("author", []) == [csl_name(n) for n in record.author]
        assert item.get("editor", []) == [csl_name(n) for n in record.editor]
        assert item.get("issued", {"date-parts": [[]]}) == {"date-parts": [list(record.issued)]}
        assert set(item) <= set(carried) | {"author", "editor", "issued"}


# --- RIS -----------------------------------------------------------------------------


def ris_name(name: Name) -> str:
    """`Family, Given` (just `Family` without a given name)."""
    return ", ".join(p for p in (clean(name.family), clean(name.given)) if p)


def ris_expected(record: Record) -> dict[str, Any]:
    """What rispy must read for a record: every tag the writer emits, nothing else."""
    first, _, last = record.page.partition("-")
    values: dict[str, Any] = {
        "type_of_reference": ris.TYPES.get(record.type, "GEN"),
        "id": record.id,
        "title": clean(record.title),
        "authors": [ris_name(n) for n in record.author],
        "year": str(record.issued[0]) if record.issued else "",
        "date": "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(record.issued)),
        "start_page": first,
        "end_page": last,
        "doi": record.DOI,
        # RIS separates several URLs in one UR with `;` (and rispy splits there), so the
        # writer percent-encodes a `;` inside a URL: the format cannot hold it otherwise.
        "urls": [record.URL.replace(";", "%3B")] if record.URL else [],
        "unknown_tag": {"M2": [f"arXiv: {record.arxiv}"]} if record.arxiv else {},  # Zotero's Extra, every type
        "abstract": clean(record.abstract),
    }
    # Where the venue goes depends on the type, as Zotero's RIS import reads it.
    if record.type == "paper-conference":
        values |= {
            "secondary_title": clean(conference_name(clean(record.container_title))),
            "custom3": clean(record.container_title),  # C3: the proceedings title
            "publisher": clean(record.publisher),
            "custom1": clean(record.publisher_place),  # C1: Zotero's place for conference papers
        }
    elif record.container_title or record.type != "article":
        values |= {"secondary_title": clean(record.container_title), "publisher": clean(record.publisher),
                   "place_published": clean(record.publisher_place)}
    else:
        values["secondary_title"] = clean(record.publisher)
    values["secondary_authors"] = [ris_name(n) for n in record.editor]
    values["keywords"] = [clean(t) for t in record.tags if clean(t)]
    values["tertiary_title"] = clean(record.collection_title)  # T3: the series
    values["edition"] = clean(record.edition)
    # SN: Zotero's ISSN of a journal article, number of a report, ISBN of anything else.
    values["issn"] = clean(record.ISSN if record.type == "article-journal" else
                           record.issue if record.type == "report" else record.ISBN)
    values["notes"] = [clean(record.bibnote)] if clean(record.bibnote) else []
    return {k: v for k, v in values.items() if v}


@WRITER_SETTINGS
@given(record_lists)
def test_ris_round_trip(recs: list[Record]) -> None:
    import rispy

    text = ris.write(recs)
    entries = rispy.loads(text)
    # One entry per record, and exactly the tags written: nothing injected by a value.
    assert len(entries) == len(recs)
    for entry, record in zip(entries, recs):
        assert entry == ris_expected(record)
    assert text.count("\nER  - ") + text.startswith("ER  - ") == len(recs)


# --- Markdown ------------------------------------------------------------------------

md_record_lists = st.lists(records(MARKDOWN_TEXT), min_size=1, max_size=2).map(with_keys)


def _inline_text(children: Sequence[Any]) -> str:
    """The plain text of inline tokens that must all be text (no code, links, HTML, breaks)."""
    kinds = {t.type for t in children}
    assert kinds <= {"text", "text_special"}, kinds
    return "".join(t.content for t in children)


def _between(children: Sequence[Any], open_type: str, close_type: str) -> tuple[list[Any], list[Any]]:
    """The tokens inside the span that opens `children`, and the tokens after it."""
    children = [t for t in children if t.content or t.type != "text"]  # markdown-it leaves empty ones
    assert children[0].type == open_type, [t.type for t in children]
    depth, end = 0, None
    for i, t in enumerate(children):
        depth += (t.type == open_type) - (t.type == close_type)
        if depth == 0:
            end = i
            break
    assert end is not None
    return list(children[1:end]), list(children[end + 1 :])


@WRITER_SETTINGS
@given(md_record_lists)
def test_markdown_structure(recs: list[Record]) -> None:
    from markdown_it import MarkdownIt

    text = markdown.write(recs, ListMeta(heading="Papers"))
    tokens = MarkdownIt("commonmark").parse(text)
    inline = [c for t in tokens if t.children for c in t.children]
    assert not [t for t in tokens + inline if t.type in ("html_block", "html_inline")]
    # Exactly one list item per record, none nested.
    assert [t.type for t in tokens].count("list_item_open") == len(recs)
    items: list[list[Any]] = []  # the inline children of each item's paragraphs
    inside = False
    for t in tokens:
        if t.type in ("list_item_open", "list_item_close"):
            inside = t.type == "list_item_open"
            items += [[]] if inside else []
        elif t.type == "inline" and inside:
            items[-1].append(t.children)
    for record, paragraphs in zip(recs, items):
        title, rest = _between(paragraphs[0], "strong_open", "strong_close")
        assert rest == []
        assert _inline_text(title) == clean(record.title)
        byline = paragraphs[1]
        if record.author:
            authors, rest = _between(byline, "em_open", "em_close")
            assert _inline_text(authors) == clean(", ".join(n.display for n in record.author))
        else:
            rest = byline
        assert [t.type for t in rest if t.type.startswith("link")] == ["link_open", "link_close"] * (
            2 if record.code else 1
        )
        assert next(t for t in rest if t.type == "link_open").attrGet("href") == record.link
        if clean(record.note):
            assert len(paragraphs) == 3
            assert _inline_text(paragraphs[2]) == clean(record.note)
        else:
            assert len(paragraphs) == 2


# --- control characters and bidi overrides -------------------------------------------

# What may never reach an output, defined independently of exporter.text: every control character
# (Unicode category Cc) but tab, LF and CR, and the bidi embedding, override and isolate marks.
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _unwanted(char: str) -> bool:
    import unicodedata

    return char in BIDI or unicodedata.category(char) == "Cc" and char not in "\t\n\r"


HOSTILE_CHARS = [chr(c) for c in range(0x20)] + ["\x7f"] + [chr(c) for c in range(0x80, 0xa0)] + list(BIDI)
# Text with control characters and bidi marks among ordinary (and any other) characters.
hostile = st.lists(st.one_of(st.sampled_from(HOSTILE_CHARS), st.sampled_from(["a", "b", " ", "é", "中"]), text),
                   min_size=1, max_size=6).map("".join)


@settings(max_examples=examples(1000), deadline=None)
@given(hostile)
def test_strip_controls_removes_exactly_the_unwanted_characters(s: str) -> None:
    from exporter.text import strip_controls

    assert strip_controls(s) == "".join(c for c in s if not _unwanted(c))


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=hostile, author=hostile, abstract=hostile, venue=hostile, note=hostile, section=hostile,
       comment=hostile, upstream_title=hostile)
def test_no_control_character_reaches_any_output(title: str, author: str, abstract: str, venue: str, note: str,
                                                  section: str, comment: str, upstream_title: str) -> None:
    """Whether from the TOML (as escapes: overrides, note, section) or from upstream (an arXiv record), every
    control character and bidi mark is gone from the record and from all four outputs, and the record is the
    one the same input without them gives: they are removed before names are split or white space folded."""
    from pathlib import Path

    from exporter.records import build_record
    from exporter.editing import render_table
    from exporter.sources import parse

    def drop(s: str) -> str:
        return "".join(c for c in s if not _unwanted(c))

    def built(clean: bool, overrides: bool) -> Record:
        f = drop if clean else (lambda s: s)
        arxiv = {"id": "2109.01652", "version": 5, "title": f(upstream_title) + "x",
                 "authors": [f(author) + "Wei", "Jason Wei"], "abstract": f(abstract),
                 "published": "2021-09-03T17:55:52Z", "updated": "2022-02-08T18:36:55Z", "comment": f(comment),
                 "journal_ref": None, "doi": None, "primary_category": "cs.CL", "categories": ["cs.CL"]}
        table: dict[str, Any] = {"arxiv": "2109.01652", "note": f(note), "section": f(section) + "S"}
        if overrides:
            table |= {"title": f(title) + "T", "venue": f(venue),
                      "authors": [f(author) + "Bosma", {"family": f(author) + "Le"}]}
        # Through the TOML as a user writes it: tomlkit spells control characters as \u escapes.
        entry = parse(render_table(table), Path("papers.toml")).entries[0]
        return build_record(entry, {"arxiv": arxiv}, key="wei2021")

    for overrides in (False, True):
        record = built(False, overrides)
        assert record == built(True, overrides)
        texts = [v for v in vars(record).values() if isinstance(v, str)]
        texts += [part for n in record.author for part in (n.family, n.given, n.suffix)]
        assert not any(_unwanted(c) for t in texts for c in t), record
        recs = [record]
        outputs = [bibtex.write(recs, ListMeta()), bibtex.write(recs, ListMeta(), dialect="biblatex", unicode=True),
                   csljson.write(recs, ListMeta()), ris.write(recs, ListMeta()), markdown.write(recs, ListMeta())]
        assert not any(_unwanted(c) for out in outputs for c in out.replace("\r\n", "\n")), outputs
        # CSL-JSON may not spell them as \u escapes either.
        assert not re.search(r"\\u00[01][0-9a-f]|\\u007f|\\u20(2[a-e]|6[6-9])", outputs[2]), outputs[2]
