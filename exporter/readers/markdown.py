"""Read a Markdown paper list (a README like the seed's, or a GitHub "awesome" list) into papers.

The text is cut into blocks: headings, list items with their continuation lines, table rows and
paragraphs. Each item, row or paragraph is read for links, a title, authors and a date. The papers
with an arXiv or Anthology link mark where the list is: what comes before the first one's section
is the front matter (heading, badges, intro), what comes from the first heading after the last one
is the footer, and in between every block that is no paper is reported.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from exporter.errors import IdentifierError
from exporter.ids import KINDS, Identifier, parse_id
from exporter.model import clean, split_name
from exporter.readers.base import Found, Imported, author_value

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_ITEM = re.compile(r"^([ \t]*)(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_ROW = re.compile(r"^[ \t]*\|")
_TABLE_SEP = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_REF_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:[ \t]*<?([^\s>]+)>?")
_HTML_ONLY = re.compile(r"^[ \t]*(?:<[^>]*>[ \t]*)+$")
_COMMENT = re.compile(r"^[ \t]*<!--")

_IMAGE = r"(?<!\\)!\[[^\]]*\]\([^)]*\)"
# Inline links in the order Markdown reads them: an image, [text](url) or [text][ref] (the text may
# hold one level of brackets: [[paper]](url), [![badge](img)](url)), <url>, then a bare URL.
_LINK = re.compile(
    rf"(?P<img>{_IMAGE})"
    r"|(?<!\\)\[(?P<text>(?:[^\[\]]|\\[\[\]]|\[[^\[\]]*\])*)\]"
    r"(?:\(\s*<?(?P<url>[^\s)>]*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)|\[(?P<ref>[^\]]*)\])"
    r"|<(?P<auto>https?://[^>\s]+)>"
    r"|(?P<bare>https?://[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\"*_])"
)
_BOLD = re.compile(r"(?<!\\)\*\*(?=\S)(.+?)(?<=\S)(?<!\\)\*\*|(?<![\\\w])__(?=\S)(.+?)(?<=\S)__(?!\w)")
_ITALIC = re.compile(
    r"(?<![\\*\w])\*(?=[^\s*])([^*]+?)(?<=[^\s\\])\*(?!\*)|(?<![\\_\w])_(?=[^\s_])([^_]+?)(?<=[^\s\\])_(?![_\w])"
)
_DATE = re.compile(r"(?<![\w./])((?:19|20)\d{2})[./](1[0-2]|0?[1-9])(?!\d|[./]\d)")  # 2021.4, 2023.10, [2023/04]
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
# A bold venue tag such as **ACL 2023** or **[NeurIPS'22]** is no title.
_VENUE_LIKE = re.compile(r"^[\[(]?[A-Za-z][A-Za-z&\-. ]{0,30}?[\s\-]*(?:(?:19|20)\d{2}|'\d{2})[\])]?$")
_BADGE = re.compile(rf"\[{_IMAGE}\]\([^)]*\)|{_IMAGE}")  # an image, or a linked image

# Link texts that name the kind of link, not the paper.
_GENERIC = frozenset(
    "paper papers pdf arxiv abs abstract html code link links project page projectpage github gitlab repo "
    "repository website homepage home blog demo data dataset datasets slides video poster openreview url "
    "huggingface hf model models doi official here bib bibtex citation acl anthology semantic scholar pwc "
    "with stars source".split()
)
_CODE_TEXTS = frozenset(
    {"code", "github", "gitlab", "project", "project page", "repo", "repository", "official code", "source code"}
)
_CODE_HOSTS = re.compile(r"^https?://(?:www\.)?(?:github\.com|gitlab\.com)/", re.IGNORECASE)
_WHAT = {"item": "list item", "row": "table row", "para": "paragraph"}  # the blocks that may be papers
_COLUMNS = {  # table header (lower case) -> what the column holds
    **dict.fromkeys(("title", "paper", "papers", "name", "paper title", "paper name"), "title"),
    **dict.fromkeys(("author", "authors"), "authors"),
    **dict.fromkeys(("venue", "conference", "journal", "publication", "published", "pub", "conf"), "venue"),
    **dict.fromkeys(("note", "notes", "description", "comment", "comments", "summary", "tl;dr", "tldr", "remarks"), "note"),
}


@dataclass
class _Block:
    kind: str  # heading, item, row, para, code, other (understood, never a paper), blank
    line: int  # 1-based
    content: list[tuple[int, str]]  # (line, text) with list marker and indentation removed
    indent: int = 0
    columns: list[str] = field(default_factory=list)  # a table row's header cells
    label: bool = False  # an item whose nested items are the papers


@dataclass
class _Link:
    line: int
    start: int
    end: int
    text: str
    url: str

    @property
    def web(self) -> bool:
        return bool(re.match(r"https?://", self.url, re.IGNORECASE))


@dataclass
class _Paper:
    """What one block says; `found` is built once its section is known."""

    ids: dict[str, Identifier] = field(default_factory=dict)  # by kind
    title: str = ""
    record: dict[str, Any] = field(default_factory=dict)  # a manual entry's full record
    code: str = ""
    note: str = ""
    list_date: str = ""
    problems: list[tuple[int, str]] = field(default_factory=list)


def read(text: str) -> Imported:
    """Read a Markdown paper list: its front matter, papers (with section, code, note, date) and what was not understood."""
    lines = text.splitlines()
    refs = {m[1].lower(): m[2] for line in lines if (m := _REF_DEF.match(line))}
    blocks = _group(_blocks(lines))
    read_blocks = [(b, _read_block(b, refs) if b.kind in _WHAT and not b.label else None) for b in blocks]
    # The papers with an id mark where the list is (a link list in the intro is no paper).
    with_id = [i for i, (_, p) in enumerate(read_blocks) if p and p.ids]
    anchors = with_id or [i for i, (_, p) in enumerate(read_blocks) if p]
    meta: dict[str, Any] = {}
    headings = [i for i, (b, _) in enumerate(read_blocks) if b.kind == "heading"]
    if not anchors:
        _front(lines, read_blocks, headings[0] if headings else None, len(lines) + 1, meta)
        return Imported(meta, [], [])
    first, last = anchors[0], anchors[-1]
    top = next((h for h in headings if h < first), None)
    section_heading = next((h for h in reversed(headings) if h < first and h != top), None)
    start = section_heading if section_heading is not None else first
    footer = next((h for h in headings if h > last), len(read_blocks))
    # Whole sections of papers without ids next to those (Blogs, Reports) belong to the list too.
    paperish = [bool(p and (p.ids or p.record.get("url"))
                     and not _BADGE.fullmatch(" ".join(t.strip() for _, t in b.content))) for b, p in read_blocks]
    while section_heading is not None:
        earlier = next((h for h in reversed(headings) if h < start and h != top), None)
        if earlier is None or not any(paperish[earlier:start]):
            break
        start = section_heading = earlier
    while footer < len(read_blocks):
        after = next((h for h in headings if h > footer), len(read_blocks))
        if not any(paperish[footer:after]):
            break
        footer = after
    _front(lines, read_blocks, top, read_blocks[start][0].line, meta)
    if footer < len(read_blocks):
        meta["footer"] = "\n".join(line.rstrip() for line in lines[read_blocks[footer][0].line - 1:]).strip("\n")

    papers: list[Found] = []
    skipped: list[tuple[int, str]] = []
    # Never silently: what reads as a paper but stands in the front matter or the footer.
    for i, (block, paper) in enumerate(read_blocks):
        if paperish[i] and not start <= i < footer and paper:
            where = "front matter" if i < start else "footer"
            skipped.append((block.line, f"{_WHAT[block.kind]} {paper.title!r} stands in the list's {where} (outside "
                                        "the sections with arXiv or Anthology papers): kept there, not imported"))
    section = ""
    for block, paper in read_blocks[start:footer]:
        if block.kind == "heading":
            section = _heading_text(block)
        elif paper:
            if not papers and section:
                meta["section"] = section
            papers.append(_found(block, paper, section, meta.get("section", "")))
            skipped.extend(paper.problems)
        elif block.kind == "code":
            skipped.append((block.line, "code block in the paper list, not read"))
        elif block.kind in _WHAT and not block.label and (bad := _bad_id_links(block, refs)):
            skipped.append((block.line, f"{_WHAT[block.kind]} links {bad[0]!r}, which is no arXiv or Anthology id"))
        elif block.kind in _WHAT and not block.label and not _navigation(block, refs):
            snippet = _plain(" ".join(t for _, t in block.content))[:70]
            skipped.append((block.line, f"{_WHAT[block.kind]} with no paper link or title: {snippet!r}"))
    return Imported(meta, papers, sorted(skipped))


# ---------------------------------------------------------------------------------------------
# Blocks


def _width(prefix: str) -> int:
    return len(prefix.expandtabs(4))


def _starts_block(line: str) -> bool:
    return bool(
        _HEADING.match(line) or _ITEM.match(line) or _FENCE.match(line) or _ROW.match(line)
        or _RULE.match(line) or _COMMENT.match(line)
    )


def _cells(row: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip().removeprefix("|").removesuffix("|"))]


def _blocks(lines: list[str]) -> list[_Block]:
    """Cut the text into blocks; an item keeps its indented (or lazy) continuation lines and blank lines inside it."""
    blocks: list[_Block] = []
    header: list[str] = []
    i, n = 0, len(lines)
    while i < n:
        line, start, indent, columns = lines[i], i, 0, []
        if not line.strip():
            kind, i = "blank", i + 1
        elif fence := _FENCE.match(line):
            i += 1
            while i < n and not lines[i].strip().startswith(fence[1]):
                i += 1
            kind, i = "code", min(i + 1, n)
        elif _COMMENT.match(line):
            while i < n and "-->" not in lines[i]:
                i += 1
            kind, i = "other", min(i + 1, n)
        elif _HEADING.match(line):
            kind, i = "heading", i + 1
        elif _RULE.match(line) or _REF_DEF.match(line) or _HTML_ONLY.match(line):
            kind, i = "other", i + 1
        elif item := _ITEM.match(line):
            indent, i = _width(item[1]), _item_end(lines, i, _width(item[1]))
            kind = "item"
        elif _ROW.match(line):
            if _TABLE_SEP.match(line):
                kind = "other"
            elif i + 1 < n and _TABLE_SEP.match(lines[i + 1]):
                kind, header = "other", [_plain(c).lower() for c in _cells(line)]
            else:
                kind, columns = "row", header
            i += 1
        else:
            i += 1
            while i < n and lines[i].strip() and not _starts_block(lines[i]):
                i += 1
            kind = "para"
        if kind not in ("row", "other"):
            header = []
        content = [(start + k + 1, text.strip()) for k, text in enumerate(lines[start:i])]
        if kind == "item":
            content[0] = (start + 1, line[_ITEM.match(line).end():].strip())  # type: ignore[union-attr]
        blocks.append(_Block(kind, start + 1, content, indent, columns))
    return blocks


def _item_end(lines: list[str], i: int, indent: int) -> int:
    """End (exclusive) of the item starting at line i: blank lines belong to it only before an indented line."""
    j, n = i + 1, len(lines)
    while j < n:
        if not lines[j].strip():
            k = j
            while k < n and not lines[k].strip():
                k += 1
            indented = k < n and _width(lines[k][: len(lines[k]) - len(lines[k].lstrip())]) > indent
            if indented and not _starts_block(lines[k]):
                j = k + 1
                continue
            break
        if _starts_block(lines[j]):
            break
        j += 1
    return j


def _group(blocks: list[_Block]) -> list[_Block]:
    """Nest items: a nested item with an arXiv or Anthology link is a paper of its own, others merge into their parent."""
    out: list[_Block] = []
    run: list[_Block] = []
    for block in [*blocks, _Block("end", 0, [])]:
        if block.kind == "item":
            run.append(block)
            continue
        if block.kind == "blank" and run:
            continue
        out.extend(_nest(run))
        run = []
        if block.kind != "end":
            out.append(block)
    return out


def _nest(items: list[_Block]) -> list[_Block]:
    out: list[_Block] = []
    i = 0
    while i < len(items):
        head, j = items[i], i + 1
        while j < len(items) and items[j].indent > head.indent:
            j += 1
        merged, papers = _Block("item", head.line, list(head.content), head.indent), []
        k = i + 1
        while k < j:
            m = k + 1
            while m < j and items[m].indent > items[k].indent:
                m += 1
            subtree = items[k:m]
            if any(_ids_in(s) for s in subtree):
                papers.extend(_nest(subtree))
            else:
                for sub in subtree:
                    merged.content += [(sub.line, ""), *sub.content]
            k = m
        merged.label = bool(papers) and not _ids_in(merged)
        out += [merged, *papers]
        i = j
    return out


def _heading_text(block: _Block) -> str:
    m = _HEADING.match(block.content[0][1])
    return _plain(m[2] or "") if m else ""


def _front(
    lines: list[str], read_blocks: list[tuple[_Block, _Paper | None]], top: int | None, end: int, meta: dict[str, Any]
) -> None:
    """Heading, badges and intro from the lines before `end` (1-based, exclusive)."""
    skip = -1
    badges: list[str] = []
    if top is not None:
        block = read_blocks[top][0]
        meta["heading"], skip = _heading_text(block), block.line
        badges += _BADGE.findall(block.content[0][1])  # `# Awesome X [![Awesome](badge.svg)](link)`
    intro: list[str] = []
    for number, line in enumerate(lines[: end - 1], start=1):
        if number == skip:
            continue
        found = _BADGE.findall(line)
        if found and not _BADGE.sub("", line).strip():
            badges += found
        else:
            intro.append(line.rstrip())
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(intro)).strip("\n")
    if badges:
        meta["badges"] = badges
    if text:
        meta["intro"] = text


# ---------------------------------------------------------------------------------------------
# Inside one block


def _links(content: list[tuple[int, str]], refs: dict[str, str]) -> tuple[str, list[_Link]]:
    """The block's text (lines joined) and its links; images are no links."""
    text, links, offset = "", [], 0
    for number, line in content:
        for m in _LINK.finditer(line):
            if m["img"]:
                continue
            if m["text"] is not None:
                url = m["url"] if m["url"] is not None else refs.get((m["ref"] or m["text"]).lower(), "")
                links.append(_Link(number, offset + m.start(), offset + m.end(), m["text"], url))
            else:
                links.append(_Link(number, offset + m.start(), offset + m.end(), "", m["auto"] or m["bare"]))
        text += line + "\n"
        offset = len(text)
    return text, links


def _ident(url: str) -> Identifier | None:
    try:
        return parse_id(url)
    except IdentifierError:
        return None


_ID_HOSTS = re.compile(r"^https?://(?:www\.|export\.)?(?:arxiv\.org|aclanthology\.org|aclweb\.org"
                       r"|(?:dblp\.org|dblp\.uni-trier\.de)/rec)/", re.IGNORECASE)


def _bad_id_links(block: _Block, refs: dict[str, str]) -> list[str]:
    """Links to arXiv or the Anthology that name no paper there (a mistyped id): a typo, not a web page."""
    return [link.url for link in _links(block.content, refs)[1]
            if link.web and _ID_HOSTS.match(link.url) and _ident(link.url) is None
            and not re.search(r"(?i)\.(?:png|jpe?g|gif|svg)$|/(?:list|search|events|volumes?|people|venues)/", link.url)]


def _ids_in(block: _Block) -> bool:
    return any(_ident(link.url) for link in _links(block.content, {})[1] if link.web)


def _navigation(block: _Block, refs: dict[str, str]) -> bool:
    """A block whose only links point inside the page (`[back to top](#contents)`)."""
    links = _links(block.content, refs)[1]
    return bool(links) and all(link.url.startswith("#") for link in links)


def _generic(text: str) -> bool:
    """Link text that names the kind of link (`[[paper]]`, `PDF`, `Code`), not the paper."""
    plain = _plain(text)
    if re.fullmatch(r"\[.*\]", plain) or re.match(r"https?://", plain):
        return True
    words = re.sub(r"[^\w\s]", " ", plain.lower()).split()
    return all(w in _GENERIC for w in words)


def _is_code(link: _Link) -> bool:
    return bool(_CODE_HOSTS.match(link.url)) or re.sub(r"[^\w\s]", "", _plain(link.text)).strip().lower() in _CODE_TEXTS


def _title(text: str, links: list[_Link]) -> tuple[str, str]:
    """(title, venue tag): the first bold text, else the first specific link text, else the text before the first link."""
    venue = ""
    for m in _BOLD.finditer(text):
        plain = _plain(m[1] or m[2])
        if _VENUE_LIKE.match(plain):
            venue = venue or plain.strip("[]()")
        elif plain and not _generic(m[1] or m[2]):
            return plain, venue
    for link in links:
        if not link.url.startswith("#") and not _generic(link.text):
            return _plain(link.text), venue
    web = [link for link in links if link.web]
    return (_lead(text[: web[0].start]) if web else ""), venue


def _lead(text: str) -> str:
    """The title in the text before an item's first link: `[2023/04] Title (ICLR 2022). Authors.`"""
    lead = _plain(_ITALIC.sub(" ", text))  # italics are the authors
    lead = re.split(r"(?<=[a-z0-9)]{2})\.(?:\s|$)", lead)[0]  # `Title. Authors. URL`
    lead = re.sub(r"^(?:\[[^\]]*\]\s*)+", "", lead)  # tags before the title: `[2023/04]`, `[ACL 2023]`
    lead = re.sub(r"\s*[(\[][^()\[\]]*\b(?:19|20)\d{2}[)\]]$", "", lead.strip())  # a venue after it: `(ICLR 2022)`
    return lead.strip(" -\u2013\u2014:|,.([{")


def _read_block(block: _Block, refs: dict[str, str]) -> _Paper | None:
    """The paper a list item, table row or paragraph names, or None."""
    text, links = _links(block.content, refs)
    paper = _Paper()
    for link in links:
        if not link.web or (ident := _ident(link.url)) is None:
            continue
        kept = paper.ids.get(ident.kind)
        if kept is None:
            paper.ids[ident.kind] = ident
        elif kept.id != ident.id:
            name = KINDS[ident.kind].label
            message = f"second {name} id {ident.full} in the same {_WHAT[block.kind]} ignored (kept {kept.full})"
            paper.problems.append((link.line, message))
    cells = dict(zip(block.columns, _cells(text))) if block.kind == "row" else {}
    column = {_COLUMNS[name]: value for name, value in cells.items() if name in _COLUMNS}
    if "title" in column:  # a table's title column holds the title, with or without a link
        paper.title, venue = _title(column["title"], _links([(block.line, column["title"])], refs)[1])
        paper.title = paper.title or _plain(column["title"])
    else:
        paper.title, venue = _title(text, links)
    has_id = bool(paper.ids)
    if not has_id and _bad_id_links(block, refs):
        return None  # a mistyped arXiv or Anthology link: reported, never a manual entry
    web = [link for link in links if link.web]
    if block.kind == "para" and not has_id and not (web and _BOLD.search(text) or any(not _generic(w.text) for w in web)):
        return None  # a paragraph is a manual entry only with a title and a web link
    if not paper.title and not has_id:
        return None

    rest = text
    for link in reversed(links):  # links out, keeping offsets of what precedes them
        rest = rest[: link.start] + " " * (link.end - link.start) + rest[link.end :]
    rest = _BOLD.sub(" ", rest)
    if m := _DATE.search(rest):
        paper.list_date = f"{m[1]}.{int(m[2])}"
    code = next((link for link in web if _is_code(link)), None)
    paper.note = _plain(column["note"]) if "note" in column else _note(block)
    if has_id:
        paper.code = code.url if code else ""
        return paper

    italics = [_plain(m[1] or m[2]) for m in _ITALIC.finditer(rest)]
    italics = [i for i in italics if i and i != paper.title]
    authors = _plain(column["authors"]) if "authors" in column else (italics[0] if italics else "")
    venue = _plain(column["venue"]) if "venue" in column else (italics[1] if len(italics) > 1 else venue)
    url = next((link.url for link in web if not _is_code(link)), web[0].url if web else "")
    record: dict[str, Any] = {"title": paper.title}
    names = [a.strip() for a in re.split(r",|;|\band\b|&", authors) if a.strip(" .")]
    names = [n for n in names if not re.fullmatch(r"(?i)et\.? al\.?|etc\.?|others", n)]
    if names:
        record["authors"] = [author_value(split_name(n)) for n in names]
    is_pdf = bool(re.search(r"(?i)\.pdf(?:[?#]|$)|/pdf/", url))
    record["type"] = "webpage" if url and not is_pdf and not venue else "document"
    if venue:
        record["venue"] = venue
    if paper.list_date:
        record["year"], record["month"] = map(int, paper.list_date.split("."))
    elif year := _YEAR.search(venue):
        record["year"] = int(year[0])
    if url:
        record["url"] = url
    paper.record = record
    paper.code = code.url if code and code.url != url else ""
    return paper


def _note(block: _Block) -> str:
    """Paragraphs of an item after its first that hold plain text only (no link, no bold, not one italic run)."""
    paragraphs: list[list[str]] = [[]]
    for _, line in block.content:
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    notes = []
    for lines in paragraphs[1:]:
        text = " ".join(lines)
        if not text or any(not m["img"] for m in _LINK.finditer(text)) or _BOLD.search(text):
            continue
        if _ITALIC.fullmatch(text.strip()) or len(_plain(text).split()) < 2:
            continue
        notes.append(_plain(text))
    return " ".join(notes)


def _plain(text: str) -> str:
    """Markdown inline text as plain Unicode: links as their text, no images, emphasis, code marks, HTML or escapes."""

    def link(m: re.Match[str]) -> str:
        return m["text"] if m["text"] is not None else (m["auto"] or m["bare"] or "")

    text = _LINK.sub(link, re.sub(_IMAGE, "", text))
    text = re.sub(r"<[^>\s][^>]*>", " ", text)
    text = re.sub(r"(?<!\\)`+([^`]*)`+", r"\1", text)
    text = re.sub(r"(?<![\\\w*_])[*_]{1,3}(?=\S)|(?<=[^\s\\])[*_]{1,3}(?![\w*_])", "", text)
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)
    return clean(html.unescape(text))


def _found(block: _Block, paper: _Paper, section: str, first_section: str) -> Found:
    fields: dict[str, Any] = {}
    if section != first_section:
        fields["section"] = section
    fields.update(paper.record)
    if paper.code:
        fields["code"] = paper.code
    if paper.note:
        fields["note"] = paper.note
    return Found(block.line, paper.ids, paper.title, fields, paper.list_date)
