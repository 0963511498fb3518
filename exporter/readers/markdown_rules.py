"""The paper-list rules of the Markdown reader: what one list item, paragraph, heading block or table row says.

markdown-it-py has already parsed the Markdown; its inline tokens (or a table cell's HTML) arrive here as
`Inline`: plain text with the spans of links, bold and italics. The rules then read a title, ids, authors,
a venue, a year or a date, a code link and a note, as paper lists write them.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any, Sequence

from exporter.errors import IdentifierError
from exporter.ids import KINDS, Identifier, parse_id
from exporter.model import clean, split_name
from exporter.readers.base import author_value

# Link texts that name the kind of link, not the paper.
_GENERIC = frozenset(
    "paper papers pdf arxiv abs abstract html code link links project page projectpage github gitlab repo "
    "repository website homepage home blog demo data dataset datasets slides video poster openreview url "
    "huggingface hf model models doi official here bib bibtex citation acl anthology semantic scholar pwc "
    "with stars source codebase doc docs".split()
)
_CODE_TEXTS = frozenset(
    {"code", "github", "gitlab", "project", "project page", "repo", "repository", "official code", "source code"}
)
_CODE_HOSTS = re.compile(r"^https?://(?:www\.)?(?:github\.com|gitlab\.com)/", re.IGNORECASE)
_BARE_URL = re.compile(r"https?://[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\"*_]")
_DATE = re.compile(r"(?<![\w./])((?:19|20)\d{2})[./](1[0-2]|0?[1-9])(?!\d|[./]\d)")  # 2021.4, 2023.10, [2023/04]
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
_DAY_DATE = re.compile(r"\b(?:\d{1,2}\s+)?(" + "|".join(_MONTHS) + r")[a-z]*\.?,?\s+((?:19|20)\d{2})\b", re.IGNORECASE)
_YEAR = re.compile(r"(?<![\w.])(?:19|20)\d{2}(?![\w.]\d)")
# A venue and year as plain text: `ICLR 2020.`, `(NeurIPS'22)`, `ACM Computing Surveys, 2022`, `CVPR' 14`.
_VENUE_YEAR = re.compile(
    r"(?P<venue>[A-Za-z][\w&+\-]*(?:[ \-][A-Za-z&+][\w&+\-]*){0,6}?)[ ,]*"
    r"(?:(?P<year>(?:19|20)\d{2})|['\u2019]\s?(?P<yy>\d{2}))(?![\w.]\d|\d)"
)
# A bold venue tag such as **ACL 2023** or **[NeurIPS'22]** is no title.
_VENUE_LIKE = re.compile(r"^[\[(]?[A-Za-z][A-Za-z&\-. ]{0,30}?[\s\-]*(?:(?:19|20)\d{2}|['\u2019]\s?\d{2})[\])]?$")
_NEWS = re.compile(r"^\W*(?:19|20)\d{2}[-/.]\d{1,2}\b")  # `2024-09-26 Our paper ...`: news, not a title
_QUOTES = {'"': '"', "\u201c": "\u201d", "'": "'", "\u2018": "\u2019", "\u00ab": "\u00bb"}

WHAT = {"item": "list item", "row": "table row", "para": "paragraph", "head": "heading"}  # blocks that may be papers
COLUMNS = {  # table header (lower case) -> what the column holds
    **dict.fromkeys(("title", "paper", "papers", "name", "paper title", "paper name"), "title"),
    **dict.fromkeys(("author", "authors"), "authors"),
    **dict.fromkeys(("venue", "conference", "journal", "publication", "published", "pub", "conf", "published in"),
                    "venue"),
    **dict.fromkeys(("note", "notes", "description", "comment", "comments", "summary", "tl;dr", "tldr", "remarks"),
                    "note"),
}
ID_HOSTS = re.compile(r"^https?://(?:www\.|export\.|browse\.|aps\.)?(?:arxiv\.org|aclanthology\.org|aclweb\.org"
                      r"|(?:dblp\.org|dblp\.uni-trier\.de)/rec)/", re.IGNORECASE)


@dataclass
class Link:
    line: int
    start: int
    end: int
    text: str  # plain
    url: str

    @property
    def web(self) -> bool:
        return bool(re.match(r"https?://", self.url, re.IGNORECASE))


@dataclass
class Inline:
    """Plain text (line breaks as newlines) with its links, bold and italic spans (offsets into `text`)."""

    text: str = ""
    line: int = 1
    links: list[Link] = field(default_factory=list)
    strong: list[tuple[int, int]] = field(default_factory=list)
    em: list[tuple[int, int]] = field(default_factory=list)
    images: int = 0
    breaks: list[int] = field(default_factory=list)  # offsets where a new source line starts

    def line_at(self, offset: int) -> int:
        return self.line + bisect_right(self.breaks, offset)

    def add_text(self, text: str, in_link: bool) -> None:
        start = len(self.text)
        self.text += text
        if not in_link:
            for m in _BARE_URL.finditer(text):
                self.links.append(Link(self.line_at(start), start + m.start(), start + m.end(), "", m[0]))

    def newline(self) -> None:
        self.text += "\n"
        self.breaks.append(len(self.text))

    def extend(self, other: Inline, separator: str = "\n\n") -> None:
        """Append another paragraph of the same block."""
        if self.text:
            self.text += separator
        shift = len(self.text)
        if not self.breaks and not self.links and not self.text.strip():
            self.line = other.line
        self.text += other.text
        self.links += [Link(k.line, k.start + shift, k.end + shift, k.text, k.url) for k in other.links]
        self.strong += [(s + shift, e + shift) for s, e in other.strong]
        self.em += [(s + shift, e + shift) for s, e in other.em]
        self.images += other.images


def from_tokens(children: Sequence[Any], line: int) -> Inline:
    """An `Inline` from markdown-it's inline children (`line`: 1-based line of the block's first line)."""
    out = Inline(line=line)
    opened: list[tuple[str, int, str]] = []  # (kind, start, href)
    for tok in children:
        kind = tok.type
        if kind in ("text", "code_inline"):
            out.add_text(tok.content, any(k == "link" for k, _, _ in opened))
        elif kind in ("softbreak", "hardbreak"):
            out.newline()
        elif kind == "link_open":
            opened.append(("link", len(out.text), str(tok.attrs.get("href", ""))))
        elif kind in ("strong_open", "em_open"):
            opened.append((kind[:-5], len(out.text), ""))
        elif kind in ("link_close", "strong_close", "em_close"):
            _close(out, opened, kind[:-6], line)
        elif kind == "image":
            out.images += 1
        elif kind == "html_inline":
            _html_tag(out, opened, tok.content, line)
    return out


def from_html(text: str, line: int) -> Inline:
    """An `Inline` from an HTML fragment (a table cell): <a href>, <b>/<strong>, <i>/<em>, <br>, <img>."""
    out = Inline(line=line)
    opened: list[tuple[str, int, str]] = []
    pos = 0
    for m in re.finditer(r"<[^>]*>", text):
        _html_text(out, text[pos:m.start()], opened)
        _html_tag(out, opened, m[0], line)
        pos = m.end()
    _html_text(out, text[pos:], opened)
    return out


def _html_text(out: Inline, text: str, opened: list[tuple[str, int, str]]) -> None:
    parts = html.unescape(text).split("\n")
    for i, part in enumerate(parts):
        if i:
            out.newline()
        out.add_text(re.sub(r"\s+", " ", part), any(k == "link" for k, _, _ in opened))


def _html_tag(out: Inline, opened: list[tuple[str, int, str]], tag: str, line: int) -> None:
    m = re.match(r"<(/?)([a-zA-Z][\w-]*)", tag)
    if not m:
        return
    closing, name = m[1] == "/", m[2].lower()
    kind = {"a": "link", "b": "strong", "strong": "strong", "i": "em", "em": "em"}.get(name)
    if name == "br":
        out.text += " "
    elif name == "img":
        out.images += 1
    elif kind and closing:
        _close(out, opened, kind, line)
    elif kind:
        href = re.search(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", tag, re.IGNORECASE)
        url = html.unescape(next((g for g in href.groups() if g is not None), "")) if href else ""
        opened.append((kind, len(out.text), url))


def _close(out: Inline, opened: list[tuple[str, int, str]], kind: str, line: int) -> None:
    for i in range(len(opened) - 1, -1, -1):
        if opened[i][0] == kind:
            _, start, href = opened.pop(i)
            end = len(out.text)
            if kind == "link":
                out.links.append(Link(out.line_at(start), start, end, clean(out.text[start:end]), href))
            else:
                (out.strong if kind == "strong" else out.em).append((start, end))
            return


# ---------------------------------------------------------------------------------------------
# What a block says


@dataclass
class Paper:
    """What one block says; its `Found` is built once its section is known."""

    ids: dict[str, Identifier] = field(default_factory=dict)  # by kind
    title: str = ""
    record: dict[str, Any] = field(default_factory=dict)  # a manual entry's full record
    code: str = ""
    note: str = ""
    list_date: str = ""
    problems: list[tuple[int, str]] = field(default_factory=list)
    refused: str = ""  # why a paper without ids cannot be a manual entry (reported, never a Found)


def ident(url: str) -> Identifier | None:
    try:
        return parse_id(url)
    except IdentifierError:
        return None


def bad_id_links(inline: Inline) -> list[str]:
    """Links to arXiv or the Anthology that name no paper there (a mistyped id): a typo, not a web page."""
    return [link.url for link in inline.links
            if link.web and ID_HOSTS.match(link.url) and ident(link.url) is None
            and not re.search(r"(?i)\.(?:png|jpe?g|gif|svg)$|/(?:list|search|events|volumes?|people|venues|a)/",
                              link.url)]


def has_ids(inline: Inline) -> bool:
    return any(link.web and ident(link.url) for link in inline.links)


def generic(text: str) -> bool:
    """Link text that names the kind of link (`[paper]`, `PDF`, `Code`), not the paper."""
    plain = clean(text)
    if re.fullmatch(r"\[.*\]", plain) or re.match(r"https?://", plain):
        return True
    words = re.sub(r"[^\w\s]", " ", plain.lower()).split()
    return all(w in _GENERIC for w in words)


def paperlike(inline: Inline) -> bool:
    """A known id, or a title-like link text to a web page that is no code repository."""
    return has_ids(inline) or any(link.web and not generic(link.text) and not is_code(link) for link in inline.links)


def navigation(inline: Inline) -> bool:
    """Only links inside the page (`[back to top](#contents)`)."""
    return bool(inline.links) and all(link.url.startswith("#") for link in inline.links)


def is_code(link: Link) -> bool:
    return bool(_CODE_HOSTS.match(link.url)) or re.sub(r"[^\w\s]", "", link.text).strip().lower() in _CODE_TEXTS


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def title_text(text: str) -> str:
    """A title as lists show it, without a trailing full stop or wrapping quotes."""
    title = clean(text).strip(" :|,;-\u2013\u2014")
    for _ in range(2):
        if len(title) > 2 and title[0] in _QUOTES and title.endswith(_QUOTES[title[0]]):
            title = title[1:-1].strip()
        if title.endswith(".") and not title.endswith("..") and not re.search(r"\b[A-Z]\.$|\bet al\.$", title):
            title = title[:-1].rstrip()
    return title


def _title(inline: Inline, web: list[Link]) -> tuple[str, str]:
    """(title, venue tag): the first bold text, else the first specific link text, else the text before the first link."""
    venue = ""
    for start, end in sorted(inline.strong):
        plain = clean(inline.text[start:end])
        if _VENUE_LIKE.match(plain):
            venue = venue or plain.strip("[]()")
        elif plain and not generic(plain) and not _NEWS.match(plain):
            return title_text(plain), venue
    for link in inline.links:
        if not link.url.startswith("#") and not generic(link.text):
            return title_text(link.text), venue
    lead = _blank(inline.text, inline.em)[: web[0].start] if web else ""
    return _lead(lead), venue


def _lead(text: str) -> str:
    """The title in the text before an item's first link: `[2023/04] Title (ICLR 2022). Authors.`"""
    lead = clean(text)
    lead = re.split(r"(?<=[a-z0-9)]{2})\.(?:\s|$)| \| ", lead)[0]  # `Title. Authors. URL`, `Title | venue | links`
    lead = re.sub(r"^(?:\[[^\]]*\]\s*)+", "", lead)  # tags before the title: `[2023/04]`, `[ACL 2023]`
    lead = re.sub(r"\s*[(\[][^()\[\]]*\b(?:19|20)\d{2}[)\]]$", "", lead.strip())  # a venue after it: `(ICLR 2022)`
    return title_text(lead.strip(" -\u2013\u2014:|,.([{"))


def _venue_year(text: str) -> tuple[str, int | None]:
    """A venue and year written as plain text (`ICLR 2020.`, `(NeurIPS'22)`), or just a year."""
    for clause in re.split(r"[.;|()\[\]\n]+(?:\s|$)|[()\[\]|;\n]", text):
        clause = clause.strip(" ,")
        if m := _VENUE_YEAR.search(clause):
            year = int(m["year"]) if m["year"] else 2000 + int(m["yy"]) if int(m["yy"]) < 50 else 1900 + int(m["yy"])
            venue = clause[m.start():m.end()].strip()
            if re.fullmatch(r"(?i)(?:in|and|on|at|the|of|\d+)", m["venue"]):
                venue = ""
            return venue, year
    year_match = _YEAR.search(text)
    return "", int(year_match[0]) if year_match else None


def read_paper(kind: str, inline: Inline, paragraphs: Sequence[Inline], column: dict[str, Inline]) -> Paper | None:
    """The paper a block names, or None. `column`: a table row's cells by what they hold (title, authors, ...)."""
    links = inline.links
    paper = Paper()
    for link in links:
        if not link.web or (found := ident(link.url)) is None:
            continue
        kept = paper.ids.get(found.kind)
        if kept is None:
            paper.ids[found.kind] = found
        elif kept.id != found.id:
            name = KINDS[found.kind].label
            paper.problems.append((link.line, f"second {name} id {found.full} in the same {WHAT[kind]} ignored "
                                              f"(kept {kept.full})"))
    web = [link for link in links if link.web]
    if "title" in column:  # a table's title column holds the title, with or without a link
        cell = column["title"]
        paper.title, venue = _title(cell, [k for k in cell.links if k.web])
        paper.title = paper.title or title_text(cell.text)
    else:
        paper.title, venue = _title(inline, web)
    has_id = bool(paper.ids)
    if not has_id and bad_id_links(inline):
        return None  # a mistyped arXiv or Anthology link: reported, never a manual entry
    if kind == "para" and not has_id and not (web and inline.strong or any(not generic(w.text) for w in web)):
        return None  # a paragraph is a manual entry only with a title and a web link
    if not paper.title and not has_id:
        return None

    rest = _blank(_blank(inline.text, [(k.start, k.end) for k in links]), inline.strong)
    if m := _DATE.search(rest):
        paper.list_date = f"{m[1]}.{int(m[2])}"
    elif m := _DAY_DATE.search(_blank(rest, inline.em)):
        paper.list_date = f"{m[2]}.{_MONTHS.index(m[1][:3].lower()) + 1}"
    code = next((link for link in web if is_code(link)), None)
    paper.note = clean(column["note"].text) if "note" in column else note(paragraphs)
    if has_id:
        paper.code = code.url if code else ""
        return paper

    italics = [clean(rest[s:e]) for s, e in sorted(inline.em)]
    italics = [i for i in italics if i and i != paper.title]
    authors = clean(column["authors"].text) if "authors" in column else (italics[0] if italics else "")
    plain = _blank(rest, inline.em)
    if paper.list_date:
        plain = _DATE.sub(" ", plain)
        plain = _DAY_DATE.sub(" ", plain)
    shown_venue, shown_year = _venue_year(plain)
    if "venue" in column:
        venue = clean(column["venue"].text)
    elif not venue:
        venue = italics[1] if len(italics) > 1 else shown_venue
    url = next((link.url for link in web if not is_code(link)), web[0].url if web else "")
    record: dict[str, Any] = {"title": paper.title}
    names = [re.sub(r"(?i)\s*\bet\.? al\.?$", "", a.strip()).strip(" .") for a in re.split(r",|;|\band\b|&", authors)]
    names = [n for n in names if n and not re.fullmatch(r"(?i)et\.? al|etc|others", n)]
    if names:
        record["authors"] = [author_value(split_name(n)) for n in names]
    is_pdf = bool(re.search(r"(?i)\.pdf(?:[?#]|$)|/pdf/", url))
    record["type"] = "webpage" if url and not is_pdf and not venue else "document"
    if venue:
        record["venue"] = venue
    if paper.list_date:
        record["year"], record["month"] = map(int, paper.list_date.split("."))
    elif (year := _YEAR.search(venue)) or shown_year:
        record["year"] = int(year[0]) if year else shown_year
    if url:
        record["url"] = url
    missing = [what for what, key in (("authors", "authors"), ("year", "year")) if key not in record]
    if missing:
        paper.refused = (f"{WHAT[kind]} {paper.title!r} has no arXiv or Anthology id and shows no "
                         f"{' and no '.join(missing)}: a manual entry needs them; not imported")
    paper.record = record
    paper.code = code.url if code and code.url != url else ""
    return paper


def note(paragraphs: Sequence[Inline]) -> str:
    """Paragraphs of an item after its first that hold plain text only (no link, no bold, not one italic run)."""
    notes = []
    for para in paragraphs[1:]:
        text = clean(para.text)
        if not text or para.links or para.strong or para.images:
            continue
        if any(clean(para.text[s:e]) == text for s, e in para.em) or len(text.split()) < 2:
            continue
        notes.append(text)
    return " ".join(notes)
