"""BibTeX field values as plain data: LaTeX decoded, name lists split, dates, pages and URLs read.

Real files hold what BibTeX itself tolerates: a stray comma in an author list, `\\href` in a title,
TeX logos, `year = {January 1978}`. Each is read as BibTeX would print it or, when it cannot be,
reported for its entry (`Problems`); nothing here raises.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable

from exporter.model import MONTHS, Name
from exporter.text import decode_latex  # as model.from_latex, fast on plain brace groups


class Problems:
    """What could not be read of one entry, as `(line, reason)` pairs for `Imported.skipped`."""

    def __init__(self, line: int, key: str) -> None:
        self.line, self.key = line, key
        self.lines: list[tuple[int, str]] = []

    def add(self, message: str, plain: bool = False) -> None:
        """Report `message` for the entry (`plain`: the message names the entry itself)."""
        self.lines.append((self.line, message if plain else f"entry {self.key or '?'!r}: {message}"))


# Macros pylatexenc does not know (it drops them, or fails on \href's arguments), written as LaTeX prints
# them. A control word eats the spaces after it: `{\TeX book}` is "TeXbook", `\TeX{} book` "TeX book".
_LOGOS = {"TeX": "TeX", "LaTeX": "LaTeX", "LaTeXe": "LaTeX2\u03b5", "BibTeX": "BibTeX", "XeTeX": "XeTeX",
          "XeLaTeX": "XeLaTeX", "LuaTeX": "LuaTeX", "LuaLaTeX": "LuaLaTeX", "pdfTeX": "pdfTeX",
          "pdfLaTeX": "pdfLaTeX", "ConTeXt": "ConTeXt", "AmS": "AMS", "METAFONT": "METAFONT",
          "hyphen": "-", "protect": "", "relax": ""}
_MACRO = re.compile(r"\\(" + "|".join(sorted(_LOGOS, key=len, reverse=True)) + r")(?![A-Za-z])(?:\{\}|\s*)")
_GROUP = r"\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}"  # a brace group, two levels of nesting inside
_HREF = re.compile(r"\\href\s*\{[^{}]*\}\s*" + _GROUP)
_URL = re.compile(r"\\url\s*" + _GROUP)
_ANY_MACRO = re.compile(r"\\[A-Za-z]+\*?|\\.")


def decode(value: str, what: str, problems: Problems) -> str:
    """A field value as plain Unicode; LaTeX that cannot be decoded is reported and read as plain text."""
    if not value:
        return ""
    if len(value) > 300:  # an abstract, say: not worth keeping
        return _decode(value, what, problems)
    text, reported = _decoded(value, what)
    for line in reported:
        problems.add(*line)
    return text


@lru_cache(maxsize=1 << 16)
def _decoded(value: str, what: str) -> tuple[str, tuple[tuple[str, bool], ...]]:
    """`decode`, once per value (a proceedings volume's title and publisher recur on each of its papers): the text
    and what it reports."""
    reported = _Reported()
    return _decode(value, what, reported), tuple(reported.lines)  # type: ignore[arg-type]


def _decode(value: str, what: str, problems: Problems) -> str:
    if "\\" in value:
        value = _MACRO.sub(lambda m: _LOGOS[m[1]], value)
        value = _URL.sub(lambda m: m[1], _HREF.sub(lambda m: m[1], value))
    try:
        return decode_latex(value)
    except Exception:  # noqa: BLE001 - pylatexenc fails on some macros' arguments (IndexError, ...)
        plain = " ".join(_ANY_MACRO.sub(" ", value).replace("{", "").replace("}", "").split())
        problems.add(f"the LaTeX in its {what} ({_short(value)!r}): read as plain text {_short(plain)!r}")
        return plain


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."


_AND = re.compile(r"(?i)\s+and\s+")
_BRACES = re.compile(r"[{}]")


def names(value: str, what: str, problems: Problems, first_only: bool = False) -> list[Name]:
    """A BibTeX name list (`Jim{\\'e}nez, Bernal and ...`) as Names, LaTeX decoded.

    A stray comma (`Potts, Christopher, and ...`) is dropped, and names separated by commas instead
    of `and` (`Miller, D., Firby, J.`) are read as such; each repair is reported. `first_only`: the first
    name alone (for telling works apart), read faster.
    """
    if not value.strip():
        return []
    return _names_in(value, what, first_only, problems=problems)


class _Reported:
    """What a reading reports (as `Problems` takes it), to be reported for each entry that has the same value."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, bool]] = []

    def add(self, message: str, plain: bool = False) -> None:
        self.lines.append((message, plain))


class _Unread(Exception):
    """A reading that raised (`__cause__`), and what it had reported."""

    def __init__(self, lines: tuple[tuple[str, bool], ...]) -> None:
        super().__init__()
        self.lines = lines


def _once(read: Callable[..., list[Name]]) -> Callable[..., list[Name]]:
    """`read(*values, problems)` done once per values (name lists and names recur: a proceedings volume's
    editors, an author's papers); what it reported is reported again each time, and what it raised is raised."""

    @lru_cache(maxsize=1 << 16)
    def reading(*values: Any) -> tuple[tuple[Name, ...], tuple[tuple[str, bool], ...]]:
        reported = _Reported()
        try:
            return tuple(read(*values, reported)), tuple(reported.lines)
        except Exception as exc:
            raise _Unread(tuple(reported.lines)) from exc

    def run(*values: Any, problems: Problems) -> list[Name]:
        try:
            found, lines = reading(*values)
        except _Unread as unread:
            for line in unread.lines:
                problems.add(*line)
            raise unread.__cause__ from None  # type: ignore[misc]
        for line in lines:
            problems.add(*line)
        return list(found)

    return run


# BibTeX's ` and ` between names, as bibtexparser finds it outside braces (its white space: no other).
_SEPARATOR = re.compile(r"[ \r\n\t]+[aA][nN][dD][ \r\n\t]+")


def _split(value: str) -> list[str]:
    """bibtexparser's `split_multiple_persons_names`, the same split done by a pattern where it is one: a value
    without braces or backslashes (most)."""
    from bibtexparser.middlewares.names import split_multiple_persons_names

    if "{" in value or "}" in value or "\\" in value:
        return split_multiple_persons_names(value)  # type: ignore[no-any-return]
    value = value.strip(" \r\n\t")
    return _SEPARATOR.split(value) if value else []


def _read_names(value: str, what: str, first_only: bool, problems: Problems) -> list[Name]:
    if first_only and (cut := _AND.search(value)) and not _BRACES.search(value, 0, cut.start()):
        return _names(value[:cut.start()], what, problems=problems)
    try:
        raws = _split(value)
    except Exception:  # noqa: BLE001 - unbalanced braces and the like
        problems.add(f"its {what} list {_short(value)!r} (it cannot be split into names)")
        return []
    out = []
    for raw in raws[:1] if first_only else raws:
        out += _names(raw, what, problems=problems)
    return out


def _read_name(raw: str, what: str, problems: Problems) -> list[Name]:
    from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts

    try:
        return [_name(parse_single_name_into_parts(raw), problems)]
    except InvalidNameError:
        pass
    trimmed = raw.strip().strip(",").strip()
    try:
        name = _name(parse_single_name_into_parts(trimmed), problems)
        problems.add(f"the stray comma in {what} {raw.strip()!r}")
        return [name]
    except InvalidNameError:
        pass
    pieces = [p.strip() for p in _top_level_commas(trimmed) if p.strip()]
    if len(pieces) >= 4 and len(pieces) % 2 == 0:  # Family, Given, Family, Given
        groups = [f"{pieces[i]}, {pieces[i + 1]}" for i in range(0, len(pieces), 2)]
    elif all(" " in p for p in pieces):  # Given Family, Given Family, ...
        groups = pieces
    else:
        problems.add(f"{what} {raw.strip()!r} (too many commas to tell its parts): kept whole as a family name")
        return [Name(decode(trimmed, what, problems))]
    problems.add(f"{what} {raw.strip()!r}: names separated by commas instead of 'and', read as "
                 f"{len(groups)} names")
    out = []
    for group in groups:
        try:
            out.append(_name(parse_single_name_into_parts(group), problems))
        except InvalidNameError:
            out.append(Name(decode(group, what, problems)))
    return out


_names_in = _once(_read_names)
_names = _once(_read_name)


def _name(parts: object, problems: Problems) -> Name:
    def part(words: list[str]) -> str:
        return decode(" ".join(words), "names", problems)

    return Name(part(parts.von + parts.last), part(parts.first), part(parts.jr))  # type: ignore[attr-defined]


def _top_level_commas(text: str) -> list[str]:
    """`text` split at the commas outside braces (`{Acme, Inc.}` is one part)."""
    pieces, depth, current = [], 0, []
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "," and depth == 0:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return pieces


_YEAR = re.compile(r"(?<![0-9])([0-9]{4})(?![0-9])")


def date_of(values: dict[str, str]) -> tuple[int | None, int | None]:
    """Year and month: from `year` (also `{January 1978}`) and `month`, else biblatex's `date` (`2008-06-01`,
    `2008/2010`)."""
    year_text, date = values.get("year", ""), values.get("date", "").strip()
    found = _YEAR.search(year_text) or _YEAR.match(date)
    if found is None:
        return None, None
    in_date = re.match(r"[0-9]{4}-([0-9]{2})", date)
    in_year = (m for w in re.findall(r"[A-Za-z]+", year_text) if (m := _month(w)))
    month = _month(values.get("month", "")) or (_month(in_date[1]) if in_date else None) or next(in_year, None)
    return int(found[1]), month


def _month(value: str) -> int | None:
    text = value.strip().lower().rstrip(".")
    if text.isdigit():
        return int(text) if 1 <= int(text) <= 12 else None
    if len(text) < 3:
        return None
    return next((i for i, name in enumerate(MONTHS, start=1) if text.startswith(name)), None)


def pages(value: str) -> str:
    """`1--10`, `1 – 10` → `1-10`."""
    return re.sub(r"\s*(?:-+|\u2013|\u2014)\s*", "-", value)


def url_of(value: str) -> str:
    """A URL as BibTeX writers escape it (`\\url{...}`, `paper\\_files`) made plain."""
    if "\\" not in value and "{" not in value:
        return value.strip()
    value = re.sub(r"^\s*\\url\{(.*)\}\s*$", r"\1", value.strip())
    # The tilde as Mendeley, JabRef and hand-written files spell it: {~}, \~{}, \textasciitilde{}, $\sim$.
    value = re.sub(r"\{~\}|\\~\{\}|\{?\\textasciitilde\}?(?:\{\})?|\$\\sim\$|\\~(?![a-zA-Z])", "~", value)
    return re.sub(r"\{?\\([_%&#$~])\}?", r"\1", value).strip()
