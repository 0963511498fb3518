"""Read a Markdown paper list (a README like the seed's, or a GitHub "awesome" list) into papers.

markdown-it-py parses the text (CommonMark plus tables); its tokens are cut into blocks: headings,
list items (a nested item with a paper of its own is a block of its own), paragraphs, table rows
(Markdown and HTML `<tr>`), a heading that links a paper with the text below it. Each block is read by
the rules of `markdown_rules`. The papers with an arXiv or Anthology link mark where the list is: what
comes before the first one's section is the front matter (heading, badges, intro; a News section too),
what comes from the first heading after the last one is the footer, and in between every block that
looks like a paper ends as a paper or as a reported line, and every other block is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt

from exporter.model import clean
import exporter.readers.markdown_rules as rules
from exporter.readers.base import Found, Imported
from exporter.readers.markdown_rules import WHAT, Inline, Paper

_IMAGE = r"(?<!\\)!\[[^\]]*\]\([^)]*\)"
_BADGE = re.compile(rf"\[{_IMAGE}\]\([^)]*\)|{_IMAGE}")  # an image, or a linked image
# Sections that are the list's news or credits, never its papers.
_ASIDE = re.compile(r"(?i)\b(?:news|updates?|announcements?|changelog|citation|cite|contributors?|acknowledge?ments?"
                    r"|star history|contact|license)\b")
_MD = MarkdownIt("commonmark").enable("table")
_WRAPPER = re.compile(r"</?(?:div|p|center|section|span)\b[^>]*>", re.IGNORECASE)  # tags around a heading
_HTML_HEADING = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1\s*>", re.IGNORECASE | re.DOTALL)
# A section of the list's own works (`## Our works`), shown before its papers: never the list's default section.
_OWN = re.compile(r"(?i)\b(?:our|my) (?:own )?(?:\w+ )?(?:works?|papers?|surveys?|projects?|publications?)\b")


@dataclass
class _Block:
    kind: str  # heading, item, row, para, head, code, comment, other (understood, never a paper)
    line: int  # 1-based
    paragraphs: list[Inline] = field(default_factory=list)
    depth: int = 0  # a list item's nesting
    level: int = 0  # a heading's
    columns: list[str] = field(default_factory=list)  # a table row's header cells
    cells: list[Inline] = field(default_factory=list)
    raw: str = ""  # the source (comments, empty items)
    table: int = 0  # which table a row belongs to
    label: bool = False  # an item whose nested items are the papers
    titled: bool = False  # a heading whose plain text is the title of the paper below it

    @property
    def inline(self) -> Inline:
        whole = Inline(line=self.line)
        for para in self.paragraphs:
            whole.extend(para)
        return whole


def read(text: str) -> Imported:
    """Read a Markdown paper list: its front matter, papers (with section, code, note, date) and what was not understood."""
    lines = text.splitlines()
    blocks = _heading_papers(_label_groups(_nest(_blocks(_MD.parse(text), lines))))
    skipped: list[tuple[int, str]] = []
    read_blocks: list[tuple[_Block, list[Paper]]] = []
    for block in _tables(blocks):
        found = _read(block) if block.kind in WHAT and not block.label else []
        if found and all(paper.citation for paper in found):  # ids cited in a paragraph's prose: no papers
            skipped += [(block.line, paper.refused) for paper in found]
            found = []
        read_blocks.append((block, found))
    headings = [i for i, (b, _) in enumerate(read_blocks) if b.kind == "heading"]
    aside = _asides(read_blocks)
    # The papers with an id mark where the list is (a link in the intro or a News section is no paper).
    first_heading = (headings[1] if len(headings) > 1 else None) if headings and read_blocks[headings[0]][0].level == 1 \
        else (headings[0] if headings else None)
    in_body = [i for i in range(len(read_blocks)) if not aside[i] and (first_heading is None or i > first_heading)]
    with_id = [i for i in in_body if any(p.ids for p in read_blocks[i][1])]
    anchors = with_id or [i for i in in_body if read_blocks[i][1]]
    if not anchors:
        anchors = [i for i, (_, p) in enumerate(read_blocks) if any(x.ids for x in p)]
    meta: dict[str, Any] = {}
    if not anchors:
        _front(lines, read_blocks, headings[0] if headings else None, len(lines) + 1, meta)
        return Imported(meta, [], sorted(skipped))
    first, last = anchors[0], anchors[-1]
    top = next((h for h in headings if h < first), None)
    section_heading = next((h for h in reversed(headings) if h < first and h != top), None)
    start = section_heading if section_heading is not None else first
    footer = next((h for h in headings if h > last), len(read_blocks))
    # Whole sections of papers without ids next to those (Blogs, Reports) belong to the list too.
    paperish = [bool(p) and any(x.ids or x.record.get("url") for x in p) and not _badges_only(b)
                for b, p in read_blocks]
    while section_heading is not None:
        earlier = next((h for h in reversed(headings) if h < start and h != top), None)
        if earlier is None or aside[earlier] or not any(paperish[earlier:start]):
            break
        start = section_heading = earlier
    while footer < len(read_blocks):
        after = next((h for h in headings if h > footer), len(read_blocks))
        if aside[footer] or not any(paperish[footer:after]):
            break
        footer = after
    _front(lines, read_blocks, top, read_blocks[start][0].line, meta)
    if footer < len(read_blocks):
        meta["footer"] = "\n".join(line.rstrip() for line in lines[read_blocks[footer][0].line - 1:]).strip("\n")

    papers: list[Found] = []
    # Never silently: what reads as a paper but stands in the front matter or the footer.
    for i, (block, found) in enumerate(read_blocks):
        if found and not start <= i < footer and (paperish[i] or any(p.ids for p in found)):
            where = "front matter" if i < start else "footer"
            skipped.append((block.line, f"{WHAT[block.kind]} {found[0].title!r} stands in the list's {where} "
                                        "(outside the sections with arXiv or Anthology papers): kept there, not imported"))
    for block, _ in read_blocks:
        if block.kind == "comment" and (hidden := _hidden_ids(block)):
            skipped += [(line, f"{', '.join(urls)}: inside an HTML comment (hidden on the page), not imported")
                        for line, urls in hidden]
    section, own = "", False
    nothing = {line for line, _ in skipped}
    # The list's own works (`## Our works`) before its papers: never its default section, and a paper listed
    # again in the list's sections is imported there, in its section.
    listed: dict[tuple[str, str], list[int]] = {}  # id -> the lines of its papers outside such sections
    for block, found in read_blocks[start:footer]:
        if block.kind == "heading":
            own = bool(_OWN.search(clean(block.paragraphs[0].text) if block.paragraphs else ""))
        elif not own:
            for x in (x for paper in found if not paper.refused for x in paper.ids.values()):
                listed.setdefault((x.kind, x.id), []).append(block.line)
    own, decided = False, False
    for i, (block, found) in enumerate(read_blocks[start:footer], start=start):
        if block.kind == "heading":
            section = clean(block.paragraphs[0].text) if block.paragraphs else ""
            own = bool(_OWN.search(section))
        elif found:
            for paper in found:
                skipped.extend(paper.problems)
                if paper.refused:
                    skipped.append((block.line, paper.refused))
                    continue
                again = [n for x in paper.ids.values() for n in listed.get((x.kind, x.id), []) if n > block.line]
                if own and again:
                    skipped.append((block.line, f"{WHAT[block.kind]} {paper.title!r} in {section!r} (the list's own "
                                                f"works) is listed again at line {again[0]}: imported there"))
                    continue
                if not decided and not own:
                    decided = True
                    if section:
                        meta["section"] = section
                papers.append(_found(block.line, paper, section, meta.get("section", "")))
        elif block.kind == "table":
            skipped.append((block.line, "table without paper links (results or data, not papers), not read"))
        elif block.kind == "code" and block.depth == 0:
            skipped.append((block.line, "code block in the paper list, not read"))
        elif block.kind in WHAT and not block.label and (bad := rules.bad_id_links(block.inline)):
            skipped.append((block.line, f"{WHAT[block.kind]} links {bad[0]!r}, which is no arXiv or Anthology id"))
        elif block.kind in WHAT and not block.label and not rules.navigation(block.inline) and block.line not in nothing:
            snippet = clean(block.inline.text) or clean(block.raw)
            if snippet or block.kind != "row":
                nothing.add(block.line)
                skipped.append((block.line, f"{WHAT[block.kind]} with no paper link or title: {snippet[:70]!r}"))
    return Imported(meta, papers, sorted(set(skipped)))


# ---------------------------------------------------------------------------------------------
# Blocks


def _blocks(tokens: list[Any], lines: list[str]) -> list[_Block]:
    """Cut markdown-it's tokens into blocks; a list item keeps its paragraphs, its nested items follow it."""
    blocks: list[_Block] = []
    items: list[_Block] = []  # the open list items, innermost last
    depth, table, header, in_head = 0, 0, [], False
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        kind = tok.type
        line = tok.map[0] + 1 if tok.map else 0
        if kind == "heading_open":
            blocks.append(_Block("heading", line, [rules.from_tokens(tokens[i + 1].children or [], line)],
                                 level=int(tok.tag[1:])))
            i += 3
            continue
        if kind in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif kind == "list_item_open":
            first = lines[line - 1] if 0 < line <= len(lines) else ""
            raw = re.sub(r"^\s*(?:[-*+]|\d{1,9}[.)])\s*", "", first, count=1)
            items.append(_Block("item", line, depth=depth, raw=raw))
            blocks.append(items[-1])
        elif kind == "list_item_close":
            items.pop()
        elif kind == "paragraph_open":
            para = rules.from_tokens(tokens[i + 1].children or [], line)
            if items:
                items[-1].paragraphs.append(para)
            else:
                blocks.append(_Block("para", line, [para]))
            i += 3
            continue
        elif kind == "table_open":
            table += 1
        elif kind in ("thead_open", "thead_close"):
            in_head = kind == "thead_open"
        elif kind == "tr_open":
            cells: list[Inline] = []
            while tokens[i].type != "tr_close":
                if tokens[i].type == "inline":
                    cells.append(rules.from_tokens(tokens[i].children or [], line))
                i += 1
            if in_head:
                header = [clean(c.text).lower() for c in cells]
            else:
                blocks.append(_Block("row", line, depth=_inside(items), columns=header, cells=cells, table=table,
                                     raw=" ".join(c.text for c in cells)))
        elif kind in ("fence", "code_block"):
            blocks.append(_Block("code", line, depth=_inside(items)))
        elif kind == "html_block":
            table = _html_block(tok.content, line, table, blocks, _inside(items))
        elif kind == "hr":
            blocks.append(_Block("other", line))
        i += 1
    return blocks


def _inside(items: list[_Block]) -> int:
    """The depth of a block inside the innermost open list item (0 outside lists)."""
    return items[-1].depth + 1 if items else 0


def _html_block(content: str, line: int, table: int, blocks: list[_Block], depth: int) -> int:
    """An HTML block: a comment, table rows (`<tr>`, each a row), or other HTML (a paragraph if it links a paper)."""
    if content.lstrip().startswith("<!--"):
        blocks.append(_Block("comment", line, raw=content, depth=depth))
        return table
    if headings := list(_HTML_HEADING.finditer(content)):  # `<h2 id="survey">Survey</h2>`: a heading
        if len(headings) == 1 and not _WRAPPER.sub("", _HTML_HEADING.sub("", content)).strip():
            m = headings[0]  # `<div align="center"><h1>…</h1></div>`: the whole block is the heading
            blocks.append(_Block("heading", line, [rules.from_html(m[2], line)], level=int(m[1]), raw=content))
            return table
        pos = 0
        for m in headings:
            if _WRAPPER.sub("", content[pos:m.start()]).strip():
                table = _html_block(content[pos:m.start()], line + content.count("\n", 0, pos), table, blocks, depth)
            at = line + content.count("\n", 0, m.start())
            blocks.append(_Block("heading", at, [rules.from_html(m[2], at)], level=int(m[1]), raw=m[0]))
            pos = m.end()
        if not _WRAPPER.sub("", content[pos:]).strip():
            return table
        return _html_block(content[pos:], line + content.count("\n", 0, pos), table, blocks, depth)
    rows = list(re.finditer(r"<tr\b[^>]*>(.*?)(?=<tr\b|</tbody|</table|\Z)", content, re.IGNORECASE | re.DOTALL))
    if not rows:
        inline = rules.from_html(content, line)
        blocks.append(_Block("para" if rules.paperlike(inline) else "other", line, [inline], depth=depth))
        return table
    table += 1
    header: list[str] = []
    for row in rows:
        at = line + content.count("\n", 0, row.start())
        found = re.findall(r"<t([dh])\b[^>]*>(.*?)(?:</t[dh]>|(?=<t[dh]\b)|\Z)", row[1], re.IGNORECASE | re.DOTALL)
        if not found:
            continue
        cells = [rules.from_html(cell, at + row[1].count("\n", 0, row[1].find(cell))) for _, cell in found]
        if all(tag.lower() == "h" for tag, _ in found):
            header = [clean(c.text).lower() for c in cells]
            continue
        blocks.append(_Block("row", at, depth=depth, columns=header, cells=cells, table=table,
                             raw=" ".join(c.text for c in cells)))
    return table


def _nest(blocks: list[_Block]) -> list[_Block]:
    """Nested items: one that looks like a paper is a block of its own; the others are their parent's details."""
    out: list[_Block] = []
    i = 0
    while i < len(blocks):
        head = blocks[i]
        if head.kind != "item":
            out.append(head)
            i += 1
            continue
        j = i + 1
        while j < len(blocks) and blocks[j].depth > head.depth:
            j += 1
        merged = _Block("item", head.line, list(head.paragraphs), head.depth, raw=head.raw)
        subtree_blocks: list[_Block] = []
        subtrees = []
        k = i + 1
        while k < j:
            m = k + 1
            while m < j and blocks[m].depth > blocks[k].depth:
                m += 1
            subtrees.append(blocks[k:m])
            k = m
        # `- **Title**` with `- 论文：URL` and `- 代码：URL` under it: the links are the parent's (one paper at most).
        labels = [t for t in subtrees if len(t) == 1 and t[0].kind == "item" and rules.label_item(t[0].inline)]
        if labels and _distinct_ids([head, *(t[0] for t in labels)]) <= 1 and rules.own_title(head.inline) \
                and not rules.paperlike(head.inline):
            subtrees = [t for t in subtrees if not any(t is label for label in labels)]
            for label in labels:
                merged.paragraphs += label[0].paragraphs
        for subtree in subtrees:
            # A nested item of its own: one with a paper, or one titled link to a page of the list's repository.
            if any(b.kind == "item" and (rules.paperlike(b.inline) or rules.local_links(b.inline)) for b in subtree) \
                    or subtree[0].kind != "item":
                subtree_blocks += _nest(subtree)
            else:
                for sub in subtree:
                    merged.paragraphs += sub.paragraphs
        merged.label = any(b.kind == "item" for b in subtree_blocks) and not rules.paperlike(merged.inline)
        out += [merged, *subtree_blocks]
        i = j
    return out


def _distinct_ids(blocks: list[_Block]) -> int:
    return len({(i.kind, i.id) for b in blocks for k in b.inline.links if k.web and (i := rules.ident(k.url))})


def _label_groups(blocks: list[_Block]) -> list[_Block]:
    """`**Title**` alone in a paragraph, then a list of `论文：URL`, `Code: URL` items: one paper."""
    out: list[_Block] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        j = i + 1
        if block.kind == "para" and block.depth == 0 and block.inline.strong and not block.inline.links \
                and rules.own_title(block.inline):
            while j < len(blocks) and blocks[j].kind == "item" and not blocks[j].label \
                    and blocks[j].depth == blocks[i + 1].depth and rules.label_item(blocks[j].inline):
                j += 1
        group = blocks[i + 1:j]
        if group and _distinct_ids(group) <= 1 and any(rules.paper_link(k) for b in group for k in b.inline.links):
            out.append(_Block("para", block.line, [p for b in (block, *group) for p in b.paragraphs]))
        else:
            out += blocks[i:j]
        i = j
    return out


def _heading_paper(blocks: list[_Block], i: int) -> int:
    """For a heading with plain text: the end of the blocks below it when they are one paper's details (a paper
    link or id, no title of their own, no list of several papers), else 0."""
    heading = blocks[i]
    text = clean(heading.paragraphs[0].text) if heading.paragraphs else ""
    if not text or heading.paragraphs[0].links or rules.generic(text) or _ASIDE.search(text):
        return 0
    j = i + 1
    while j < len(blocks) and blocks[j].kind not in ("heading", "head"):
        j += 1
    below = [b for b in blocks[i + 1:j] if b.kind in ("para", "item")]
    if not below or any(b.kind not in ("para", "item", "code", "comment", "other") for b in blocks[i + 1:j]):
        return 0
    if any(b.label or rules.own_title(b.inline, lead=True) for b in below) or _distinct_ids(below) > 1:
        return 0
    return j if any(rules.paper_link(k) for b in below for k in b.inline.links) else 0


def _heading_papers(blocks: list[_Block]) -> list[_Block]:
    """`### [Title](https://arxiv.org/abs/...)` with details below: the heading and its text are one paper; so is
    `### Title` with only the paper's details and link below it."""
    out: list[_Block] = []
    current: _Block | None = None
    i = 0
    while i < len(blocks):
        block = blocks[i]
        i += 1
        if block.kind == "heading" and block.paragraphs and rules.has_ids(block.paragraphs[0]):
            current = _Block("head", block.line, list(block.paragraphs), level=block.level)
            out.append(current)
            continue
        if block.kind == "heading" and (end := _heading_paper(blocks, i - 1)):
            head = _Block("head", block.line, list(block.paragraphs), level=block.level, titled=True)
            out.append(head)
            for below in blocks[i:end]:
                if below.kind in ("para", "item"):
                    head.paragraphs += below.paragraphs
                else:
                    out.append(below)
            current, i = None, end
            continue
        if current is not None and block.kind in ("para", "item") and not rules.paperlike(block.inline):
            current.paragraphs += block.paragraphs
            continue
        if block.kind == "heading" or (current is not None and block.kind in ("para", "item")):
            current = None
        out.append(block)
    return out


def _tables(blocks: list[_Block]) -> list[_Block]:
    """A table with no link and no title column (a leaderboard, a dataset table) is data, not papers: one line says so."""
    linked = {b.table for b in blocks if b.kind == "row" and any(c.links for c in b.cells)}
    titled = {b.table for b in blocks if b.kind == "row" and "title" in {rules.COLUMNS.get(c) for c in b.columns}}
    out, said = [], set()
    for block in blocks:
        if block.kind == "row" and block.table not in linked | titled:
            first = block.table not in said
            said.add(block.table)
            block = _Block("table" if first else "other", block.line, depth=block.depth)
        out.append(block)
    return out


def _asides(read_blocks: list[tuple[_Block, list[Paper]]]) -> list[bool]:
    """For each block, whether it stands in a News, Citation or Contributors section."""
    out, level, inside = [], 0, False
    for block, _ in read_blocks:
        if block.kind == "heading":
            text = clean(block.paragraphs[0].text) if block.paragraphs else ""
            if inside and block.level <= level:
                inside = False
            if not inside and _ASIDE.search(text):
                inside, level = True, block.level
        out.append(inside)
    return out


def _badges_only(block: _Block) -> bool:
    inline = block.inline
    return bool(inline.images) and not clean(inline.text) and not any(link.text for link in inline.links)


def _hidden_ids(block: _Block) -> list[tuple[int, list[str]]]:
    """(line, urls) of the arXiv, Anthology and DBLP links an HTML comment hides, line by line."""
    out = []
    for number, line in enumerate(block.raw.splitlines(), start=block.line):
        urls = [m[0] for m in re.finditer(r"https?://[^\s<>()\[\]\"']+", line) if rules.ident(m[0])]
        if urls:
            out.append((number, urls))
    return out


def _front(lines: list[str], read_blocks: list[tuple[_Block, list[Paper]]], top: int | None, end: int,
           meta: dict[str, Any]) -> None:
    """Heading, badges and intro from the lines before `end` (1-based, exclusive)."""
    skip = skip_to = -1
    badges: list[str] = []
    if top is not None:
        block = read_blocks[top][0]
        meta["heading"], skip = clean(block.paragraphs[0].text) if block.paragraphs else "", block.line
        skip_to = block.line + block.raw.count("\n")  # an HTML heading over several lines
        badges += _BADGE.findall(lines[block.line - 1])  # `# Awesome X [![Awesome](badge.svg)](link)`
    intro: list[str] = []
    for number, line in enumerate(lines[: end - 1], start=1):
        if skip <= number <= skip_to:
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


def _read(block: _Block) -> list[Paper]:
    """The papers a block names: one, none, or (a table cell listing several papers) several."""
    if block.titled:  # `### Title` with its details below: the heading is the title, the details start with authors
        column = {"title": block.paragraphs[0]}
        if len(block.paragraphs) > 1 and (names := rules.plain_authors(_unlinked(block.paragraphs[1]))):
            column["authors"] = Inline(names, block.paragraphs[1].line)
        paper = rules.read_paper(block.kind, block.inline, block.paragraphs[1:], column)
        return [paper] if paper else []
    if block.kind != "row":
        paper = rules.read_paper(block.kind, block.inline, block.paragraphs, {})
        return [paper] if paper else []
    column: dict[str, Inline] = {}
    for name, cell in zip(block.columns, block.cells):
        role = rules.COLUMNS.get(name)
        # Two title columns (`Title` and `Paper`): the one with a title, not the one with `[[pdf]]`.
        if role and (role != "title" or role not in column or rules.generic(column[role].text)
                     and not rules.generic(cell.text)):
            column[role] = cell
    whole = Inline(line=block.line)
    for cell in block.cells:
        whole.extend(cell, " | ")
    def distinct(inline: Inline) -> int:
        return len({(i.kind, i.id) for link in inline.links if link.web and (i := rules.ident(link.url))})

    if distinct(whole) > 1 and ("title" not in column or distinct(column["title"]) > 1):
        return _several(block, whole)
    paper = rules.read_paper("row", whole, [whole], column)
    return [paper] if paper else []


def _unlinked(inline: Inline) -> str:
    """A paragraph's text before its first link."""
    return inline.text[: inline.links[0].start] if inline.links else inline.text


def _several(block: _Block, whole: Inline) -> list[Paper]:
    """A row whose cells link several papers (`[ZsRE](...), [CounterFact](...)`): one paper per titled link."""
    out = []
    for link in whole.links:
        if not link.web or (rules.generic(link.text) and not rules.ident(link.url)):
            continue
        one = Inline(text=link.text, line=link.line, links=[rules.Link(link.line, 0, len(link.text), link.text,
                                                                       link.url)])
        if paper := rules.read_paper("row", one, [one], {}):
            out.append(paper)
    return out


def _found(line: int, paper: Paper, section: str, first_section: str) -> Found:
    fields: dict[str, Any] = {}
    if section != first_section:
        fields["section"] = section
    fields.update(paper.record)
    if paper.code:
        fields["code"] = paper.code
    if paper.note:
        fields["note"] = paper.note
    return Found(line, paper.ids, paper.title, fields, paper.list_date)
