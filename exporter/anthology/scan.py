"""Scanning the dump: a fast reader for the Anthology's regular BibTeX, streamed from the .gz."""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

from exporter.anthology.base import AnthologyCacheError, Paper
from exporter.text import decode_latex

# --- the dump: a scanner for the Anthology's regular BibTeX --------------------------------

_ENTRY = re.compile(r"^@[ \t]*([A-Za-z]+)[ \t]*[{(][ \t]*([^,\s]*)", re.M)
_FIELD = re.compile(r"[ \t\r\n]*([A-Za-z][\w\-:.]*)[ \t\r\n]*=[ \t\r\n]*")
_BARE = re.compile(r"[^\s,#{}\"()=]+")
_SKIPPED_TYPES = frozenset({"proceedings", "book", "string", "comment", "preamble"})
_WANTED = frozenset({"title", "author", "booktitle", "journal", "year", "url"})
_ANTHOLOGY_URL = re.compile(
    r"^\s*https?://(?:www\.)?(?:aclanthology\.org|aclweb\.org/anthology(?:-new)?)/"
    r"(?:[A-Z]/[A-Z][0-9]{2}/)?"  # old aclweb paths: /anthology/P/P19/P19-1001.pdf
    r"([0-9]{4}\.[a-z0-9][a-z0-9\-]*\.[0-9]+|[A-Z][0-9]{2}-[0-9]{4})(?:\.pdf)?/?\s*$"
)
_AND = re.compile(r"\s+and\s+")
_BRACE_OR_AND = re.compile(r"[{}]|\s+and\s+")
_YEAR = re.compile(r"[0-9]{4}")


def _depth(text: str, start: int, end: int) -> int:
    """Braces opened minus closed in `text[start:end]`; escaped ones (\\{ \\}) do not count."""
    opened, closed = text.count("{", start, end), text.count("}", start, end)
    if text.find("\\", start, end) >= 0:
        opened -= text.count("\\{", start, end)
        closed -= text.count("\\}", start, end)
    return opened - closed


def _value_end(text: str, start: int, end: int) -> tuple[str, int] | None:
    """The raw value starting at `text[start]` and the position after it; None if malformed."""
    if start >= end:
        return None
    opener = text[start]
    if opener == '"':
        # The Anthology never puts a " inside "..." (it switches to braces), but BibTeX
        # allows one inside a brace group: the closing quote is the first at brace depth 0.
        position = start + 1
        while True:
            close = text.find('"', position, end)
            if close < 0:
                return None
            if _depth(text, start, close) == 0:
                return text[start + 1:close], close + 1
            position = close + 1
    if opener == "{":
        depth, position = 1, start + 1
        while depth:
            close = text.find("}", position, end)
            if close < 0:
                return None
            depth += _depth(text, position, close)
            if text[close - 1] != "\\":  # \} is an escaped brace, not a closing one
                depth -= 1
            position = close + 1
        return text[start + 1:position - 1], position
    match = _BARE.match(text, start, end)
    if match is None:
        return None
    return match[0], match.end()


def _fields(text: str, start: int, end: int) -> dict[str, str]:
    """The wanted fields of one entry body, `text[start:end]` after the key; stops at the first
    malformed value (what came before it is kept)."""
    fields: dict[str, str] = {}
    position = start
    while True:
        comma = text.find(",", position, end)
        if comma < 0:
            return fields
        match = _FIELD.match(text, comma + 1, end)
        if match is None:
            return fields
        name = match[1].lower()
        parts: list[str] = []
        position = match.end()
        while True:  # a value may be a concatenation: "28--30 " # may
            found = _value_end(text, position, end)
            if found is None:
                return fields
            parts.append(found[0])
            position = found[1]
            while position < end and text[position] in " \t\r\n":
                position += 1
            if position < end and text[position] == "#":
                position += 1
                while position < end and text[position] in " \t\r\n":
                    position += 1
                continue
            break
        if name in _WANTED:
            fields[name] = "".join(parts)


def _names(value: str) -> list[str]:
    """The names of a BibTeX name list: split at "and" outside braces."""
    names = _AND.split(value)
    if "{" not in value or all(n.count("{") == n.count("}") for n in names):
        return names
    names, depth, start = [], 0, 0  # an "and" inside braces ({Barnes and Noble}): scan
    for match in _BRACE_OR_AND.finditer(value):
        token = match[0]
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            names.append(value[start:match.start()])
            start = match.end()
    names.append(value[start:])
    return names


def _family(name: str) -> str:
    """The family name of a BibTeX name: `Last, First` → `Last`. A name without a comma is
    taken whole: the Anthology writes a comma whenever there is a first name."""
    if "," in name:
        if "{" in name:
            depth = 0
            for i, char in enumerate(name):
                if char == "{":
                    depth += 1
                elif char == "}":
                    depth -= 1
                elif char == "," and depth == 0:
                    name = name[:i]
                    break
        else:
            name = name[: name.index(",")]
    return decode_latex(name)


def _paper(entry_type: str, fields: dict[str, str]) -> Paper | None:
    url = fields.get("url")
    if url is None or entry_type in _SKIPPED_TYPES:
        return None
    match = _ANTHOLOGY_URL.match(url)
    if match is None:
        return None
    authors = fields.get("author", "").strip()
    families = tuple(f for f in map(_family, _names(authors)) if f) if authors else ()
    year_match = _YEAR.search(fields.get("year", ""))
    return Paper(
        id=match[1],
        title=decode_latex(fields.get("title", "")),
        families=families,
        year=int(year_match[0]) if year_match else None,
        booktitle=decode_latex(fields.get("booktitle") or fields.get("journal") or ""),
    )


def _parse_text(text: str) -> Iterator[Paper]:
    starts = [(m.start(), m.end(), m[1].lower()) for m in _ENTRY.finditer(text)]
    for i, (_, body, entry_type) in enumerate(starts):
        if entry_type in _SKIPPED_TYPES:
            continue
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        paper = _paper(entry_type, _fields(text, body, end))
        if paper is not None:
            yield paper


def parse_dump(text: str) -> Iterator[Paper]:
    """The papers of the Anthology's BibTeX export, in file order.

    A scanner for this known, regular format: `@proceedings` (and journal front matter,
    `@book`) and entries without an Anthology `url` are skipped, and a malformed entry loses
    at most its own fields after the fault, never the entries around it.
    """
    return _parse_text(text)


def parse_dump_file(path: Path, block_size: int = 1 << 23) -> Iterator[Paper]:
    """`parse_dump` over a gzipped dump read in blocks, so the whole text is never in memory."""
    try:
        with gzip.open(path, "rb") as handle:
            rest = b""
            while True:
                block = handle.read(block_size)
                if not block:
                    break
                data = rest + block
                # Parse whole entries only (up to the last "@type" at a line start); the rest
                # waits for the next block.
                cut = data.rfind(b"\n@")
                while cut >= 0 and not data[cut + 2:cut + 3].isalpha():
                    cut = data.rfind(b"\n@", 0, cut)
                if cut < 0:
                    rest = data
                    continue
                rest = data[cut + 1:]
                yield from _parse_text(data[:cut + 1].decode("utf-8", errors="replace"))
            if rest:
                yield from _parse_text(rest.decode("utf-8", errors="replace"))
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise AnthologyCacheError(
            f"{path}: cannot read the cached Anthology dump ({exc}); delete it and run again"
        ) from exc
