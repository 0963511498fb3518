"""Read and validate `sources/papers.toml`: the list's front matter and its papers.

Every problem is reported with file, line and entry, all of them in one run.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from exporter.errors import IdentifierError, SourceError
from exporter.ids import KINDS, Identifier, parse_id
from exporter.model import Work, same_work, split_name
from exporter.text import normalise_title, strip_controls, strip_controls_in

# Per-paper keys and their types. Overrides replace resolved fields of the record.
OVERRIDES: dict[str, type | tuple[type, ...]] = {
    "type": str,
    "title": str,
    "authors": list,
    "editors": list,
    "venue": str,
    "year": int,
    "month": int,
    "doi": str,
    "url": str,
    "abstract": str,
    "pages": str,
    "volume": str,
    "issue": str,
    "publisher": str,
    # Kept from a .bib and written where each format has a place for them (see the README's table).
    "edition": str,
    "series": str,
    "chapter": str,
    "isbn": str,
    "issn": str,
    "bibnote": str,  # a note printed in the reference (BibTeX `note`); `note` is the list's own comment
}
# Besides these, one key per identifier kind (`arxiv`, `acl`, ...: exporter.ids.KINDS).
PAPER_KEYS: dict[str, type | tuple[type, ...]] = {
    "key": str,
    "section": str,
    "tags": list,
    "note": str,
    "code": str,
    "date": str,
    "upgrade": bool,
    **OVERRIDES,
}
LIST_KEYS: dict[str, type | tuple[type, ...]] = {
    "heading": str,
    "badges": list,
    "intro": str,
    "footer": str,
    "section": str,
    "template": str,
    # How this list is built, so that build, check, add and CI agree without options:
    "bibtex_dialect": str,  # "bibtex" or "biblatex" (--bibtex-dialect)
    "bibtex_unicode": bool,  # --bibtex-unicode
    "upgrade": bool,  # false: --no-upgrade
    "outputs": list,  # the formats `build` writes and `check` compares (exporter.writers.WRITERS names)
    "finders": list,  # the published-version finders, in order (exporter.finders.FINDERS names)
}
# CSL types a paper can be given with `type` (a manual entry's kind, or a correction).
TYPES = ("paper-conference", "article-journal", "chapter", "report", "webpage", "book", "thesis", "document")
KEY_RE = re.compile(r"^[A-Za-z0-9_:\-.+/]+$")
_DATE_RE = re.compile(r"^\d{4}\.(?:[1-9]|1[0-2])$|^$")
# A TOML escape other than \t \n \r \" \\ and a line-ending backslash: the ones (\b \f \u \U) that can spell
# a control character. A text with none of them and no control character holds none once parsed.
_CONTROL_ESCAPE = re.compile(r'\\(?<!\\\\)(?:\\\\)*[^tnr"\\\s]')  # an odd run of backslashes, then that letter


@dataclass(frozen=True)
class Entry:
    """One paper of the list, as the user wrote it."""

    index: int
    line: int
    ids: dict[str, Identifier] = field(default_factory=dict)  # by kind, in exporter.ids.KINDS order
    key: str | None = None
    section: str = ""
    tags: tuple[str, ...] = ()
    note: str = ""
    code: str = ""
    date: str | None = None
    upgrade: bool = True  # may the Anthology version of this preprint replace it?
    overrides: dict[str, Any] = field(default_factory=dict)
    distinct: str = ""  # what tells a manual entry from other works of its title in the list (`_distinguish`)

    @property
    def arxiv(self) -> Identifier | None:
        """The entry's arXiv id (the preprint the published-version finders start from)."""
        return self.ids.get("arxiv")

    @property
    def acl(self) -> Identifier | None:
        """The entry's ACL Anthology id."""
        return self.ids.get("acl")

    @property
    def manual(self) -> bool:
        """A paper with no identifier, written in full in the TOML."""
        return not self.ids

    @cached_property  # keys, the lock and duplicate checks ask often; a manual entry's normalises its title
    def uid(self) -> str:
        """Stable identity of the entry: its first id in exporter.ids.KINDS order, else its title.

        A manual entry is `manual:` plus its normalised title (`manual:gpt-4-technical-report`); when the
        list has several works of that title, each adds what tells it apart (`manual:dynamic-programming@1966`).
        """
        for ident in self.ids.values():
            return str(ident)
        return "manual:" + title_slug(self.overrides.get("title", "")) + (f"@{self.distinct}" if self.distinct else "")

    @property
    def work(self) -> Work:
        """The year, type and first author the TOML gives the entry, as `model.same_work` compares them (for a
        paper with ids, what its overrides say: "" or None where they say nothing)."""
        o = self.overrides
        family = family_of(o["authors"][0]) if o.get("authors") else ""
        return o.get("year"), o.get("type") or (manual_type(o) if self.manual else ""), family

    @property
    def label(self) -> str:
        """How messages name the entry: `entry 3 (arxiv:2110.08207)`."""
        return f"entry {self.index} ({self.uid})"


@dataclass(frozen=True)
class ListMeta:
    """The list's own front matter, reproduced around the papers in the Markdown output."""

    heading: str = ""
    badges: tuple[str, ...] = ()
    intro: str = ""
    footer: str = ""
    section: str = "Papers"
    template: str | None = None
    template_text: str | None = None  # the user's template, read from `template`
    bibtex_dialect: str = "bibtex"
    bibtex_unicode: bool = False
    upgrade: bool = True
    outputs: tuple[str, ...] | None = None  # None: the default formats
    finders: tuple[str, ...] | None = None  # None: every registered finder, in registry order
    key_lines: dict[str, int] = field(default_factory=dict, compare=False)  # line of each [list] key, for messages

    def bibtex(self, dialect: str | None = None, unicode: bool | None = None) -> tuple[str, bool]:
        """The refs.bib dialect and unicode options: as given (on the command line), else the list's."""
        return dialect or self.bibtex_dialect, self.bibtex_unicode if unicode is None else unicode

    def upgrades(self, upgrade: bool | None = None) -> bool:
        """Whether preprints become their published versions: as given, else the list's."""
        return self.upgrade if upgrade is None else upgrade


@dataclass(frozen=True)
class Sources:
    """The parsed sources file."""

    path: Path
    meta: ListMeta
    entries: tuple[Entry, ...]


def _open_string_after(line: str, delimiter: str | None) -> str | None:
    """The multi-line string delimiter still open at the end of `line` (None: none), given the one
    open at its start. Comments and one-line strings are skipped: triple quotes there open nothing."""
    # Fast paths, for the common lines: none can open a multi-line string, or the open one goes on.
    if delimiter is None and '"""' not in line and "'''" not in line:
        return None
    if delimiter is not None and delimiter not in line:
        return delimiter
    i = 0
    while i < len(line):
        if delimiter is not None:
            end = line.find(delimiter, i)
            if end < 0:
                return delimiter
            i, delimiter = end + 3, None
        elif line.startswith(('"""', "'''"), i):
            delimiter, i = line[i:i + 3], i + 3
        elif line[i] == "#":
            return None
        elif line[i] in "\"'":
            quote, i = line[i], i + 1
            while i < len(line) and line[i] != quote:
                i += 2 if quote == '"' and line[i] == "\\" else 1
            i += 1
        else:
            i += 1
    return delimiter


class _Lines:
    """Line numbers of `[[papers]]` blocks and of keys inside them (tomllib gives none).

    Lines inside multi-line strings are skipped, so an intro that quotes `[[papers]]`
    does not shift the count.
    """

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.code: list[bool] = []  # per line: does it start outside a multi-line string?
        if '"""' not in text and "'''" not in text:  # no multi-line string: every line is
            self.code = [True] * len(self.lines)
        else:
            delimiter: str | None = None
            for line in self.lines:
                self.code.append(delimiter is None)
                delimiter = _open_string_after(line, delimiter)
        # Only lines with a `[` can be headers: the others are not matched at all (10,000 papers: 100,000 lines).
        papers, table = re.compile(r"^\s*\[\[\s*papers\s*\]\]"), re.compile(r"^\s*\[\s*list\s*\]")
        self.headers = [i + 1 for i, line in enumerate(self.lines) if "[" in line and self.code[i] and papers.match(line)]
        self.list_header = next(
            (i + 1 for i, line in enumerate(self.lines) if "[" in line and self.code[i] and table.match(line)), None
        )

    def top_key(self, key: str) -> int | None:
        """Line of a top-level `key = ...` (before any table header), or of its `[key]` / `[[key]]` header."""
        pattern = re.compile(rf"^\s*(?:{re.escape(key)}\s*=|\[\[?\s*{re.escape(key)}\s*\]\]?)")
        return next((i + 1 for i, line in enumerate(self.lines) if self.code[i] and pattern.match(line)), None)

    def list_key(self, key: str) -> int | None:
        """Line of `key = ...` inside the [list] table (the header's line if not found)."""
        if self.list_header is None:
            return None
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(self.list_header + 1, len(self.lines) + 1):
            line = self.lines[number - 1]
            if self.code[number - 1] and re.match(r"^\s*\[", line):
                break
            if self.code[number - 1] and pattern.match(line):
                return number
        return self.list_header

    def entry(self, index: int) -> int | None:
        return self.headers[index - 1] if index - 1 < len(self.headers) else None

    def key(self, index: int, key: str) -> int | None:
        start = self.entry(index)
        if start is None:
            return None
        end = self.headers[index] if index < len(self.headers) else len(self.lines) + 1
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start + 1, end):
            if self.code[number - 1] and pattern.match(self.lines[number - 1]):
                return number
        return start


def family_of(author: str | dict[str, str]) -> str:
    """The family name of a `[[papers]]` table's author (a string or a table), normalised as `same_work`
    compares it; "" if none."""
    if isinstance(author, dict):
        return normalise_title(author.get("family", ""))
    return normalise_title(split_name(author).family) if author else ""


def manual_type(overrides: dict[str, Any]) -> str:
    """The CSL type of a manual entry that names none: a paper in a venue, else a document."""
    return "paper-conference" if "venue" in overrides else "document"


@lru_cache(maxsize=1 << 16)  # each manual entry's uid, on every parse (`import` parses the list several times)
def title_slug(title: str) -> str:
    """A title reduced for comparison, as one token: `GPT-4 Technical Report` → `gpt-4-technical-report`."""

    return normalise_title(title).replace(" ", "-")


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {str: "a string", list: "a list", int: "an integer", bool: "true or false"}
    kinds = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def read_text(path: Path) -> str:
    """The sources file's text with its line ends as they are (a byte-order mark dropped).

    SourceError if it cannot be read.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(str(path), None, None, f"file not found (looked in {path.absolute().parent}); run exporter "
                          "in the list's folder, pass --sources, or start one with 'exporter add' or "
                          "'exporter import'") from None
    except IsADirectoryError:
        raise SourceError(str(path), None, None, "is a folder, not a papers.toml file") from None
    except OSError as exc:
        raise SourceError(str(path), None, None, f"cannot read: {exc.strerror or exc}") from exc
    return decode_utf8(data, str(path))


def decode_utf8(data: bytes, name: str) -> str:
    """`data` as UTF-8 (a byte-order mark dropped); SourceError naming the line and column of a bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceError(name, line, None, f"not UTF-8 (byte 0x{data[exc.start]:02x} at column {column}); "
                          "save the file as UTF-8") from None


def load(path: Path) -> Sources:
    """Read and validate the sources file; raise SourceError naming every bad entry."""
    return parse(read_text(path), path)


def parse(text: str, path: Path) -> Sources:
    """Validate the text of a sources file (`path` names it in messages and anchors the template)."""
    display = str(path)
    try:
        data = tomllib.loads(text)
        if strip_controls(text) != text or _CONTROL_ESCAPE.search(text):
            data = strip_controls_in(data)  # TOML escapes can spell any character (\u0000, \u202e)
    except RecursionError:
        raise SourceError(display, None, None, "invalid TOML: nested too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        line = int(m[1]) if m else None
        raise SourceError(display, line, None, f"invalid TOML: {message}") from exc
    return _checked(data, text, path)


def _checked(data: dict[str, Any], text: str, path: Path) -> Sources:
    """`parse` once the TOML is read: every check, on `data` (what `text` reads as)."""
    display = str(path)
    problems: list[SourceError] = []
    lines = _Lines(text)
    for key in data:
        if key not in ("list", "papers"):
            problems.append(SourceError(display, lines.top_key(key), None,
                                        f"unknown top-level key {key!r} (expected [list] and [[papers]])"))
    meta = _load_meta(data.get("list", {}), display, lines.list_header or lines.top_key("list"), problems)
    if isinstance(data.get("list"), dict):
        meta = replace(meta, key_lines={k: n for k in data["list"] if (n := lines.list_key(k))})
    if meta.template:
        template_path = path.parent / meta.template
        try:
            meta = replace(meta, template_text=decode_utf8(template_path.read_bytes(), str(template_path)))
        except SourceError as exc:
            problems.append(exc)
        except OSError as exc:
            problems.append(SourceError(display, lines.list_key("template"), "[list]",
                                        f"cannot read template {str(template_path)!r}: {exc.strerror or exc}"))
    papers = data.get("papers", [])
    if not isinstance(papers, list):
        problems.append(SourceError(display, lines.top_key("papers"), None,
                                    "'papers' must be an array of tables ([[papers]])"))
        papers = []
    entries = []
    for index, raw in enumerate(papers, start=1):
        entry = _load_entry(index, raw, display, lines, meta, problems)
        if entry is not None:
            entries.append(entry)
    entries = _distinguish(entries)
    _check_duplicates(entries, display, lines, problems)
    problems.sort(key=lambda p: p.line or 0)
    if problems:
        if len(problems) == 1:
            raise problems[0]
        error = SourceError(display, None, None, f"{len(problems)} problems:\n" + "\n".join(map(str, problems)))
        error.problems = problems
        raise error
    return Sources(path, meta, tuple(entries))


def parse_appended(text: str, path: Path, head: str, tables: list[tuple[str, dict[str, Any] | None]]) -> Sources:
    """`parse(text, path)` for a `text` that is `head` (a list without papers: a new list's front matter) followed
    by new `[[papers]]` tables (`editing.append_papers`), each given as its TOML and, where the caller knows it,
    the table that TOML reads as (None: read it; the Entries share the tables' lists, which the caller leaves
    as they are). The same Sources or SourceError, without tomllib reading the tables given (10,000 take it
    seconds). Any other text, or one that `parse` would clean of control characters, is parsed in full."""
    rest, tomls = text[len(head):], [toml for toml, _ in tables]
    if not tables or not text.startswith(head) or rest.lstrip("\n") != "\n".join(tomls) \
            or not (not head or head.endswith("\n") or rest.startswith("\n")) or re.search(r"(?m)^\s*\[\[", head) \
            or "\r" in text or strip_controls(text) != text or _CONTROL_ESCAPE.search(text):
        return parse(text, path)
    try:
        data = tomllib.loads(head)
        papers = [table if table is not None else _one_table(toml) for toml, table in tables]
    except (ValueError, RecursionError):  # tomllib.TOMLDecodeError is a ValueError
        return parse(text, path)
    if "papers" in data:
        return parse(text, path)
    return _checked({**data, "papers": papers}, text, path)


def _one_table(toml: str) -> dict[str, Any]:
    """The one `[[papers]]` table `toml` holds; ValueError if it holds anything else."""
    data = tomllib.loads(toml)
    if list(data) != ["papers"] or not isinstance(data["papers"], list) or len(data["papers"]) != 1:
        raise ValueError("not one [[papers]] table")
    return data["papers"][0]  # type: ignore[no-any-return]


def _load_meta(raw: Any, display: str, line: int | None, problems: list[SourceError]) -> ListMeta:
    if not isinstance(raw, dict):
        problems.append(SourceError(display, line, None, "'list' must be a table"))
        return ListMeta()
    values: dict[str, Any] = {}
    for key, value in raw.items():
        expected = LIST_KEYS.get(key)
        if expected is None:
            problems.append(SourceError(display, line, "[list]", f"unknown key {key!r}; allowed: {', '.join(LIST_KEYS)}"))
        elif not isinstance(value, expected) or (key == "badges" and not all(isinstance(b, str) for b in value)):
            kind = "a list of strings" if key == "badges" else _type_name(expected)
            problems.append(SourceError(display, line, "[list]", f"{key!r} must be {kind}"))
        elif key == "finders" and not (all(isinstance(v, str) for v in value) and len(set(value)) == len(value)):
            problems.append(SourceError(display, line, "[list]", "'finders' must list published-version finders, "
                                        "each once, in the order they run (e.g. [\"acl\"]; [] for none)"))
        elif key == "outputs" and not (value and all(isinstance(v, str) for v in value)
                                       and len(set(value)) == len(value)):
            problems.append(SourceError(display, line, "[list]", "'outputs' must list output formats, each once "
                                        "(e.g. [\"bibtex\", \"csljson\", \"ris\", \"markdown\", \"hayagriva\"])"))
        elif key == "bibtex_dialect" and value not in ("bibtex", "biblatex"):
            problems.append(SourceError(display, line, "[list]", f"'bibtex_dialect' must be \"bibtex\" or "
                                        f"\"biblatex\", not {value!r}"))
        else:
            values[key] = tuple(value) if key in ("badges", "outputs", "finders") else value
    return ListMeta(**values)


def _load_entry(
    index: int, raw: Any, display: str, lines: _Lines, meta: ListMeta, problems: list[SourceError]
) -> Entry | None:
    def fail(key: str | None, message: str) -> None:
        label = f"entry {index}"  # made only for a message: the title's repr takes a while
        if isinstance(raw, dict):
            named = [f"{k} = {raw[k]!r}" for k in (*KINDS, "title") if isinstance(raw.get(k), str)]
            label += f" ({named[0]})" if named else ""
        line = lines.key(index, key) if key else lines.entry(index)
        problems.append(SourceError(display, line, label, message, index))

    if not isinstance(raw, dict):
        fail(None, "must be a table")
        return None
    ok = True
    for key, value in raw.items():
        expected = str if key in KINDS else PAPER_KEYS.get(key)
        if expected is None:
            fail(key, f"unknown key {key!r}; allowed: {', '.join([*KINDS, *PAPER_KEYS])}")
            ok = False
        elif not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            fail(key, f"{key!r} must be {_type_name(expected)}, not {type(value).__name__}")
            ok = False
    if not ok:
        return None

    idents: dict[str, Identifier] = {}
    for kind in KINDS:
        if kind in raw:
            try:
                ident = parse_id(raw[kind], kind)
            except IdentifierError as exc:
                fail(kind, str(exc))
                ok = False
                continue
            if ident.kind != kind:  # DBLP's entry for an arXiv paper (journals/corr/abs-...)
                fail(kind, f"{raw[kind]!r} names {KINDS[ident.kind].label} {ident.id}: write "
                           f"{ident.kind} = \"{ident.full}\" instead")
                ok = False
                continue
            idents[kind] = ident
    manual = not any(kind in raw for kind in KINDS)
    if manual and not raw.get("title", "").strip():
        names = [f"'{k}'" for k in KINDS]
        fail(None, f"needs an identifier ({', '.join(names[:-1])} or {names[-1]}), or a 'title' (a manual entry "
                   "written in full)")
        return None
    if manual and (not raw.get("authors") or "year" not in raw):
        # BibTeX styles, biber and RIS readers all want an author and a year.
        fail(None, "a manual entry needs 'authors' (an organisation as one name: [\"OpenAI\"] or "
                   "[{family = \"The Vicuna Team\"}]) and 'year'")
        ok = False
    if manual and raw.get("type") in ("report", "thesis") and not (raw.get("publisher") or raw.get("venue")):
        fail("type", f"a {raw['type']} needs 'publisher': its {'institution' if raw['type'] == 'report' else 'school'}")
        ok = False
    if manual and not title_slug(raw["title"]):
        fail("title", f"title {raw.get('title')!r} has no letters or digits to tell the paper by")
        ok = False
    if "type" in raw and raw["type"] not in TYPES:
        fail("type", f"type {raw['type']!r} must be one of {', '.join(TYPES)}")
        ok = False
    if "month" in raw and not 1 <= raw["month"] <= 12:
        fail("month", f"month {raw['month']} must be 1 to 12")
        ok = False
    if "key" in raw and not KEY_RE.match(raw["key"]):
        fail("key", f"citation key {raw['key']!r} may only contain letters, digits and _:-.+/")
        ok = False
    for key in ("code", "url"):
        if key in raw and not re.match(r"^https?://\S+$", raw[key]):
            fail(key, f"{key!r} must be an http(s) URL without spaces, not {raw[key]!r}")
            ok = False
    if "date" in raw and not _DATE_RE.match(raw["date"]):
        fail("date", f"date {raw['date']!r} must look like 2022.5 (year.month) or be empty")
        ok = False
    if "tags" in raw and not all(isinstance(t, str) for t in raw["tags"]):
        fail("tags", "'tags' must be a list of strings")
        ok = False
    for people in ("authors", "editors"):
        if people in raw and not all(
            isinstance(a, str) or (isinstance(a, dict) and set(a) <= {"family", "given", "suffix"} and "family" in a)
            for a in raw[people]
        ):
            fail(people, f"'{people}' must list names as strings or {{family = ..., given = ...}} tables")
            ok = False
    if not ok:
        return None
    return Entry(
        index=index,
        line=lines.entry(index) or 0,
        ids=idents,
        key=raw.get("key"),
        section=raw.get("section", meta.section),
        tags=tuple(raw.get("tags", ())),
        note=raw.get("note", ""),
        code=raw.get("code", ""),
        date=raw.get("date"),
        upgrade=raw.get("upgrade", True),
        overrides={k: raw[k] for k in OVERRIDES if k in raw},
    )


def _distinguish(entries: list[Entry]) -> list[Entry]:
    """Manual entries of one title that are different works (`model.same_work`: Bellman's 1957 book and his
    1966 article) each get a uid of their own, from their own fields: the title's, then their year, else also
    their first author, else also their type, as far as needed to tell the works of that title apart (so no
    uid changes when an entry moves, and a key remembered for one work never passes to another). A later entry
    that is the same work as an earlier one gets that one's uid: the duplicate check names it."""
    works: dict[str, list[Entry]] = {}  # the distinct works of each title, by its slug
    twins: dict[int, Entry] = {}  # entry index -> the earlier entry it is the same work as
    for entry in entries:
        if entry.manual:
            group = works.setdefault(title_slug(entry.overrides["title"]), [])
            twin = next((e for e in group if same_work(entry.work, e.work)), None)
            if twin is None:
                group.append(entry)
            else:
                twins[entry.index] = twin
    distinct: dict[int, str] = {}
    for group in works.values():
        if len(group) < 2:
            continue
        parts = [(str(e.work[0]), e.work[2].replace(" ", "-"), e.work[1]) for e in group]
        for entry, mine in zip(group, parts):
            for level in (1, 2, 3):
                if sum(p[:level] == mine[:level] for p in parts) == 1:
                    distinct[entry.index] = "-".join(x for x in mine[:level] if x)
                    break
            else:  # the same year, author and type: only the list's order tells them apart
                distinct[entry.index] = "-".join([*mine, str(group.index(entry) + 1)])
    out = []
    for entry in entries:
        source = twins.get(entry.index, entry)
        if source.index in distinct:
            entry = replace(entry, distinct=distinct[source.index])
        out.append(entry)
    return out


def _check_duplicates(entries: list[Entry], display: str, lines: _Lines, problems: list[SourceError]) -> None:
    seen: dict[str, Entry] = {}
    for entry in entries:
        # (token, TOML key, what the message calls it)
        checks: list[tuple[str, str, str]] = [
            (f"{i.kind}:{i.id}", i.kind, f"{i.kind} {i.id!r}") for i in entry.ids.values()]
        if entry.manual:
            checks.append((entry.uid, "title", f"title {entry.overrides['title']!r}"))
        if entry.key:
            # BibTeX, biber and pybtex compare keys case-insensitively.
            checks.append((f"key:{entry.key.lower()}", "key", f"key {entry.key!r}"))
        for token, what, name in checks:
            if token in seen:
                first = seen[token]
                problems.append(
                    SourceError(display, lines.key(entry.index, what), entry.label,
                                f"duplicate {name}, already used by entry {first.index} (line {first.line})",
                                entry.index)
                )
            else:
                seen[token] = entry
