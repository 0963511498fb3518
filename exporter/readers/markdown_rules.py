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
from exporter.model import MONTHS, clean, split_name
from exporter.readers.base import author_value

# Link texts that name the kind of link, not the paper.
_GENERIC = frozenset(
    "paper papers pdf arxiv abs abstract html code link links project page projectpage github gitlab repo "
    "repository website homepage home blog demo data dataset datasets slides video poster openreview url "
    "huggingface hf model models doi official here bib bibtex citation acl anthology semantic scholar pwc "
    "with stars source codebase doc docs preprint supplementary supp appendix talk colab notebook full text "
    "论文 代码 源码 项目 主页 链接 地址 原文 博客 数据 数据集 演示 视频 文档 下载".split()
)
# Link texts (and labels: `代码：URL`) that name a code repository; a project page only when nothing else does.
_CODE_TEXTS = frozenset(
    {"code", "github", "gitlab", "repo", "repository", "official code", "source code", "codebase", "代码", "源码",
     "github repo", "official implementation", "implementation"}
)
_PAGE_TEXTS = frozenset({"project", "project page"})
# Labels inside a paper's details (`**Authors:**`): no title.
_FIELD_LABELS = frozenset("authors author venue conference year published publication keywords tags tldr tl dr "
                          "summary note notes date links 作者 会议 年份 摘要".split())
_PAPER_TEXTS = frozenset("paper pdf arxiv abs abstract openreview preprint html full text 论文 原文".split())
# Names that are no author.
_NO_AUTHOR = re.compile(r"(?i)^(?:anonymous(?: authors?)?|anon|et\.? al|etc|others|unknown|n/?a)$")
_CODE_HOSTS = re.compile(r"^https?://(?:www\.)?(?:github\.com|gitlab\.com)/", re.IGNORECASE)
_ARXIV_TEXT = re.compile(r"(?<![\w/.])(?:arxiv\s*[:\uff1a]?\s*|corr,?\s*abs/)((?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?)"
                         r"(?![\w/]|\.\d)", re.IGNORECASE)
_ARXIV_URL = re.compile(r"(?i)^https?://(?:www\.|export\.|browse\.|aps\.)?arxiv\.org/(?:abs|pdf|html)/"
                        r"(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?(?!\d)")
_BARE_URL = re.compile(r"https?://[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\"*_]")
_DATE = re.compile(r"(?<![\w./])((?:19|20)\d{2})[./](1[0-2]|0?[1-9])(?!\d|[./]\d)")  # 2021.4, 2023.10, [2023/04]
_DAY_DATE = re.compile(r"\b(?:\d{1,2}\s+)?(" + "|".join(MONTHS) + r")[a-z]*\.?,?\s+((?:19|20)\d{2})\b", re.IGNORECASE)
# `Oct 23` (a month and a two-digit year; not `Mar 14 2022`, a day)
_MONTH_YY = re.compile(r"\b(" + "|".join(m.title() for m in MONTHS) + r")[a-z]*\.?\s+(\d{2})(?![\d:])"
                       r"(?!,?\s*(?:19|20)\d{2})")
_YEAR = re.compile(r"(?<![\w.])(?:19|20)\d{2}(?![\w.]\d)")
# A venue and year as plain text: `ICLR 2020.`, `(NeurIPS'22)`, `ACM Computing Surveys, 2022`, `CVPR' 14`.
_VENUE_YEAR = re.compile(
    r"(?P<venue>[A-Za-z][\w&+\-]*(?:[ \-][A-Za-z&+][\w&+\-]*){0,6}?)[ ,]*"
    r"(?:(?P<year>(?:19|20)\d{2})|['\u2019]\s?(?P<yy>\d{2}))(?![\w.]\d|\d)"
)
# Venues a two-digit year may follow without an apostrophe (`ICLR 24`).
_KNOWN_VENUES = ("ICLR|ICML|NeurIPS|NIPS|ACL|EMNLP|NAACL|EACL|AACL|COLING|CoNLL|COLM|TACL|CVPR|ICCV|ECCV|WACV|AAAI"
                 "|IJCAI|KDD|WWW|SIGIR|WSDM|CIKM|AISTATS|UAI|COLT|CoRL|ICRA|IROS|ICASSP|Interspeech|LREC|TMLR|JMLR")
_VENUE_YY = re.compile(rf"(?<![\w-])(?P<venue>{_KNOWN_VENUES})[ -]?(?P<yy>\d{{2}})(?![\w.]|\.\d)")
# A venue that is a journal (CSL article-journal), and one that is only where a preprint is (no venue type).
_JOURNAL = re.compile(r"(?i)\b(?:journal|transactions|trans\.|letters|magazine|reviews?|surveys|TNN\w*|T?PAMI|IJCV"
                      r"|JMLR|TMLR|TACL|JAIR|Nature|Science|PNAS|CACM|TASLP|TKDE|TIP|TOG|Access|Neurocomputing"
                      r"|Neural Networks|Computational Linguistics|Artificial Intelligence)\b")
_CONFERENCE = re.compile(r"(?i)\b(?:conference|conf\.|proceedings|proc\.|workshop|symposium|meeting|congress)\b")
_PREPRINT = re.compile(r"(?i)^(?:arxiv|corr|preprint|arxiv preprint|biorxiv|medrxiv|ssrn|openreview|tech(?:nical)? report"
                       r"|blog|github)\b")
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
            for m in _ARXIV_TEXT.finditer(text):  # `arXiv preprint arXiv:1506.02640`: the id, as a link to it
                self.links.append(Link(self.line_at(start), start + m.start(), start + m.end(), "",
                                       f"https://arxiv.org/abs/{m[1]}"))

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
    citation: bool = False  # ids cited in a paragraph's prose: reported wherever it stands


def ident(url: str) -> Identifier | None:
    try:
        return parse_id(url)
    except IdentifierError:
        pass
    if m := _ARXIV_URL.match(url):  # junk after the id: `http://arxiv.org/pdf/1112.6209.pdf&embed`
        try:
            return parse_id(m[0])
        except IdentifierError:
            return None
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
    """Link text that names the kind of link (`[paper]`, `PDF`, `Code`, `论文`, a number), not the paper."""
    plain = clean(text)
    if re.fullmatch(r"\[.*\]", plain) or re.match(r"https?://", plain):
        return True
    words = re.sub(r"[^\w\s]", " ", plain.lower()).split()
    return all(w in _GENERIC or w.isdigit() or (w[0] == "v" and w[1:].isdigit()) for w in words)


def _label(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text).lower().split())


def _field_label(text: str) -> bool:
    """Bold text that labels a detail (`**Authors:**`), not the paper."""
    words = _label(text).split()
    return bool(words) and all(w in _FIELD_LABELS or w in _GENERIC for w in words)


def paperlike(inline: Inline) -> bool:
    """A known id, or a title-like link text to a web page that is no code repository."""
    return has_ids(inline) or any(link.web and not generic(link.text) and not is_code(link) for link in inline.links)


def navigation(inline: Inline) -> bool:
    """Only links inside the page (`[back to top](#contents)`)."""
    return bool(inline.links) and all(link.url.startswith("#") for link in inline.links)


def is_code(link: Link) -> bool:
    return bool(_CODE_HOSTS.match(link.url)) or _label(link.text) in _CODE_TEXTS | _PAGE_TEXTS


def code_link(inline: Inline, web: Sequence[Link]) -> Link | None:
    """The code: a link labelled Code, GitHub or 代码 (`代码：URL` too), or a GitHub or GitLab repository;
    a project page only when there is none of those."""
    def labelled(link: Link) -> bool:
        before = inline.text[max(0, link.start - 12):link.start]
        return _label(link.text) in _CODE_TEXTS or bool(re.search(r"(?i)(?:code|github|代码|源码)\s*[:\uff1a]\s*$",
                                                                   before))
    return next((k for k in web if _CODE_HOSTS.match(k.url) or labelled(k)), None) \
        or next((k for k in web if is_code(k)), None)


def local_links(inline: Inline) -> list[Link]:
    """Links to pages of the list's own repository (`[XLNet](bert_study/T2_XLNet/)`) with a title-like text."""
    return [k for k in inline.links if not k.web and k.url and not k.url.startswith(("#", "mailto:"))
            and not generic(k.text)]


def label_item(inline: Inline) -> bool:
    """`论文：URL`, `Code: URL`, `[[Paper](…)] [[Code](…)]`: links under labels, and no title of its own."""
    web = [k for k in inline.links if k.web]
    if not web or inline.strong or any(not generic(k.text) and not is_code(k) for k in web):
        return False
    return generic(_label(_blank(inline.text, [(k.start, k.end) for k in inline.links])))


def paper_link(link: Link) -> bool:
    """A link to a paper: an id, a PDF, or a link labelled as the paper (`[[paper]](openreview…)`, `论文`)."""
    if not link.web:
        return False
    if ident(link.url):
        return True
    if is_code(link) or not generic(link.text):
        return False
    return bool(set(_label(link.text).split()) & _PAPER_TEXTS) or bool(re.search(r"(?i)\.pdf(?:[?#]|$)", link.url))


def own_title(inline: Inline, lead: bool = False) -> bool:
    """Whether a block names a paper itself: bold text or a link text that is a title (not a label or venue);
    with `lead`, also a title-like text before its first link (`Rich feature hierarchies … [pdf]`)."""
    for start, end in inline.strong:
        plain = clean(inline.text[start:end])
        if plain and not generic(plain) and not _VENUE_LIKE.match(plain) and not _field_label(plain) \
                and not _NEWS.match(plain):
            return True
    if any(not k.url.startswith("#") and not generic(k.text) and not is_code(k)
           and not _VENUE_LIKE.match(clean(k.text)) for k in inline.links):
        return True
    web = [k for k in inline.links if k.web]
    if not lead or not web:
        return False
    before = _blank(inline.text, inline.em)[: web[0].start]
    title = _reference(before)[1] if _reference(before) else _lead(before)
    return bool(title) and not generic(title) and not names_like(title) and not _VENUE_LIKE.match(title) \
        and not _YEAR.fullmatch(title) and not _FIELD_LABELS.issuperset(_label(title).split())


def citations(inline: Inline) -> list[Link]:
    """Id links cited in running prose (`… across modalities [1] and …`): reference marks, not papers of the list."""
    ids = [k for k in inline.links if k.web and ident(k.url)]
    if not ids or not all(re.fullmatch(r"\[?\d{1,3}[a-z]?\]?", clean(k.text)) for k in ids):
        return []
    prose = _blank(inline.text, [(k.start, k.end) for k in inline.links])
    return ids if len(re.findall(r"[^\W\d_]{2,}", prose)) >= 8 else []


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def title_text(text: str) -> str:
    """A title as lists show it, without a trailing full stop or wrapping quotes."""
    title = clean(text).strip(" :|,;-\u2013\u2014\uff1a\uff5c")
    for _ in range(2):
        if len(title) > 2 and title[0] in _QUOTES and title.endswith(_QUOTES[title[0]]):
            title = title[1:-1].strip()
        if title.endswith(".") and not title.endswith("..") and not re.search(r"\b[A-Z]\.$|\bet al\.$", title):
            title = title[:-1].rstrip()
    return title


def _title(inline: Inline, web: list[Link]) -> tuple[str, str]:
    """(title, venue tag): the first bold text, else the first specific link text, else the text before the first
    link (the quoted title of a reference: `Goodfellow, Ian, et al. "Generative adversarial nets." …`)."""
    venue = ""
    for start, end in sorted(inline.strong):
        plain = clean(inline.text[start:end])
        if _VENUE_LIKE.match(plain):
            venue = venue or plain.strip("[]()")
        elif plain and not generic(plain) and not _NEWS.match(plain) and not _field_label(plain):
            return title_text(plain), venue
    for link in inline.links:
        if not link.url.startswith("#") and not generic(link.text) and not _VENUE_LIKE.match(clean(link.text)):
            return title_text(link.text), venue
    lead = _blank(inline.text, inline.em)[: web[0].start] if web else ""
    if reference := _reference(lead):
        return reference[1], venue
    lead = _lead(lead)
    return ("" if generic(lead) else lead), venue


def _lead(text: str) -> str:
    """The title in the text before an item's first link: `[2023/04] Title (ICLR 2022). Authors.`"""
    lead = clean(text)
    lead = re.split(r"(?<=[a-z0-9)]{2})\.(?:\s|$)| \| ", lead)[0]  # `Title. Authors. URL`, `Title | venue | links`
    lead = re.sub(r"^(?:\[[^\]]*\]\s*)+", "", lead)  # tags before the title: `[2023/04]`, `[ACL 2023]`
    lead = re.sub(r"\s*[(\[][^()\[\]]*\b(?:19|20)\d{2}[)\]]$", "", lead.strip())  # a venue after it: `(ICLR 2022)`
    return title_text(lead.strip(" -\u2013\u2014:|,.([{"))


_REFERENCE = re.compile(r'^\s*(?:\[\d{1,4}\]\s*)?(?P<authors>[^"\u201c\u201d]{2,400}?)[.,]?\s*["\u201c]'
                        r'(?P<title>[^"\u201c\u201d]{3,500}?)["\u201d](?P<after>.*)$', re.DOTALL)
_PARTICLES = frozenset("van von der den de da di du del della le la dos bin al el ter zu y".split())


def _reference(text: str) -> tuple[str, str, str] | None:
    """A reference as papers print it: (authors, title, what follows) of `Goodfellow, Ian, et al. "Title." Venue. 2014.`"""
    m = _REFERENCE.match(clean(text))
    if not m or not names_like(m["authors"]):
        return None
    return m["authors"].strip(" .,"), title_text(m["title"]), m["after"]


def names_like(text: str) -> bool:
    """Whether a text is a list of people's names (`Nikita Kitaev, Łukasz Kaiser`, `Goodfellow, Ian, et al.`)."""
    text = re.sub(r"(?i)[,\s]*\bet\.?\s*al\b\.?", "", text).strip(" .,;")
    parts = [p.strip(" .") for p in re.split(r",|;|\band\b|&", text)]
    if not text or not all(parts) or len(parts) > 60:
        return False
    for part in parts:
        words = part.split()
        if not 1 <= len(words) <= 5:
            return False
        for word in words:
            if not (word[0].isupper() or "\u4e00" <= word[0] <= "\u9fff" or word in _PARTICLES) \
                    or any(c.isdigit() for c in word):
                return False
    return True


def plain_authors(text: str) -> str:
    """The names a details line starts with (`Nikita Kitaev, Łukasz Kaiser. ICLR 2020.`), or ""."""
    first = re.split(r"(?<=[^\s.]{2})\.(?:\s|$)|\n| [-\u2013\u2014|] ", clean(text) if "\n" not in text else text)[0]
    first = first.strip(" .,")
    return first if "," in first and names_like(first) or len(first.split()) in (2, 3) and names_like(first) else ""


def split_authors(text: str, inverted: bool = False) -> tuple[list[str], str]:
    """(names, what follows "et al.") of an author text: `A, B and C`; BibTeX's `Family, Given and Family, Given`;
    a reference's `Family, Given, B, and C` (`inverted`); `Yuhang Lai et al. ICML.` → (["Yuhang Lai"], "ICML")."""
    after = ""
    if m := re.search(r"(?i)[,\s]*\bet\.?\s*al\b\.?", text):
        text, after = text[:m.start()], text[m.end():].strip(" .,;")
    text = text.strip(" ,;")
    bibtex = re.split(r"\s+and\s+", text)
    if len(bibtex) > 1 and all(part.count(",") == 1 for part in bibtex):
        names = bibtex
    else:
        names = [n.strip() for n in re.split(r",|;|\band\b|&", text)]
        if inverted and len(names) >= 2 and len(names[0].split()) == 1 and names[1] and names_like(names[1]):
            names = [f"{names[1]} {names[0]}", *names[2:]]
    names = [re.sub(r"\s+", " ", n).strip(" .") if not re.search(r"\b[A-Z]\.$", n.strip()) else n.strip()
             for n in names]
    return [n for n in names if n and not _NO_AUTHOR.match(n)], after


def _venue_year(text: str) -> tuple[str, int | None]:
    """A venue and year written as plain text (`ICLR 2020.`, `(NeurIPS'22)`, `ICLR 24`), or just a year; the venue
    without its year."""
    for clause in re.split(r"[.;|()\[\]\n]+(?:\s|$)|[()\[\]|;\n]", text):
        clause = clause.strip(" ,")
        if m := _VENUE_YEAR.search(clause) or _VENUE_YY.search(clause):
            yy = m["yy"]
            year = int(m["year"]) if m.groupdict().get("year") else 2000 + int(yy) if int(yy) < 50 else 1900 + int(yy)
            venue = m["venue"].strip(" ,-'\u2019")
            if re.fullmatch(r"(?i)(?:in|and|on|at|the|of|\d+)", m["venue"]):
                venue = ""
            return venue, year
    year_match = _YEAR.search(text)
    return "", int(year_match[0]) if year_match else None


def _split_venue(text: str) -> tuple[str, int | None]:
    """A venue text without the year it ends with: `IEEE TNN 2009` → ("IEEE TNN", 2009), `(EMNLP'19)`."""
    text = clean(text).strip(" .,;")
    if len(text) > 2 and text[0] + text[-1] in ("()", "[]"):
        text = text[1:-1].strip()
    if m := re.fullmatch(r"(?P<venue>.*?)[\s,\-]*(?:(?P<year>(?:19|20)\d{2})|['\u2019]\s?(?P<yy>\d{2}))", text):
        year = int(m["year"]) if m["year"] else 2000 + int(m["yy"]) if int(m["yy"]) < 50 else 1900 + int(m["yy"])
        return m["venue"].strip(" ,-'\u2019(["), year
    if m := _VENUE_YY.fullmatch(text):
        return m["venue"], 2000 + int(m["yy"])
    year_match = _YEAR.search(text)
    return text, int(year_match[0]) if year_match else None


def _venue_tag(text: str) -> bool:
    """A short text that names a venue (`ICML`, `NeurIPS 2023`), as after "et al." in `*Yuhang Lai et al. ICML.*`."""
    return bool(text) and len(text.split()) <= 6 and bool(re.search(r"\b\w*[A-Z]\w*[A-Z]|\b(?:19|20)\d{2}\b", text))


def _reference_venue(after: str) -> str:
    """The venue of a reference, from what follows its title: `Advances in Neural Information Processing Systems.
    2014.`, `arXiv preprint (2015)`, `Nature 521.7553 (2015): 436-444.`."""
    venue = re.split(r"[.,]?\s*\(?\b(?:19|20)\d{2}\b", clean(after).strip(" .,"))[0]
    venue = re.sub(r"^(?:In|in)\s+(?:Proceedings of (?:the )?)?", "", venue.strip(" .,"))
    venue = re.sub(r"[\s,:]*\d[\d.:\-()\s]*$", "", venue).strip(" .,:")
    return venue if venue and len(venue.split()) <= 15 and not generic(venue) else ""


def read_paper(kind: str, inline: Inline, paragraphs: Sequence[Inline], column: dict[str, Inline]) -> Paper | None:
    """The paper a block names, or None. `column`: a table row's cells by what they hold (title, authors, ...)."""
    links = inline.links
    paper = Paper()
    if kind == "para" and (cited := citations(inline)):
        marks = ", ".join(f"{clean(k.text)} {k.url}" for k in cited)
        paper.refused = f"paragraph cites {marks} in its prose: a citation, not a paper of the list; not imported"
        paper.citation = True
        return paper
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
        paper.title = paper.title or ("" if generic(cell.text) else title_text(cell.text))
        if not paper.title:
            paper.title, venue = _title(inline, web)
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
        paper.list_date = f"{m[2]}.{MONTHS.index(m[1][:3].lower()) + 1}"
    elif m := _MONTH_YY.search(_blank(rest, inline.em)):
        paper.list_date = f"20{m[2]}.{MONTHS.index(m[1][:3].lower()) + 1}"
    code = code_link(inline, web)
    paper.note = clean(column["note"].text) if "note" in column else note(paragraphs)
    if has_id:
        paper.code = code.url if code else ""
        return paper
    if not web and (local := local_links(inline)):
        paper.refused = (f"{WHAT[kind]} {paper.title!r} links only {local[0].url!r}, a page of the list's own "
                         "repository, and no paper: not imported")
        return paper

    italics = [clean(rest[s:e]) for s, e in sorted(inline.em)]
    italics = [i for i in italics if i and i != paper.title]
    reference = None if "authors" in column or italics else _reference(_blank(inline.text, [(k.start, k.end)
                                                                                            for k in links]))
    if "authors" in column:
        shown_authors = clean(column["authors"].text)
    else:
        shown_authors = italics[0] if italics else reference[0] if reference else ""
    names, after_authors = split_authors(shown_authors, inverted=reference is not None)
    plain = _blank(rest, inline.em)
    if paper.list_date:
        for pattern in (_DATE, _DAY_DATE, _MONTH_YY):
            plain = pattern.sub(" ", plain)
    shown_venue, shown_year = _venue_year(plain)
    if "venue" in column:
        venue = clean(column["venue"].text)
    elif not venue:
        venue = italics[1] if len(italics) > 1 else _reference_venue(reference[2]) if reference else \
            after_authors if _venue_tag(after_authors) else shown_venue
    venue, venue_year = _split_venue(venue) if venue else ("", None)
    code_url = code.url if code else ""
    url = next((link.url for link in web if link.url != code_url and not is_code(link)), web[0].url if web else "")
    record: dict[str, Any] = {"title": paper.title}
    if names:
        record["authors"] = [author_value(split_name(n)) for n in names]
    is_pdf = bool(re.search(r"(?i)\.pdf(?:[?#&]|$)|/pdf/", url))
    if venue and not _PREPRINT.match(venue):
        journal = _JOURNAL.search(venue) and not _CONFERENCE.search(venue)
        record["type"] = "article-journal" if journal else "paper-conference"
    else:
        record["type"] = "webpage" if url and not is_pdf and not venue else "document"
    if venue:
        record["venue"] = venue
    if paper.list_date:
        record["year"], record["month"] = map(int, paper.list_date.split("."))
    elif venue_year or shown_year:
        record["year"] = venue_year or shown_year
    if url:
        record["url"] = url
    missing = [what for what, key in (("authors", "authors"), ("year", "year")) if key not in record]
    if missing:
        said = clean(re.sub(r"(?i)\bet\.?\s*al\b\.?", "", shown_authors)).strip(" .,;")
        if "authors" in missing and said:
            missing[0] = f"authors ({said!r} is none)"
        paper.refused = (f"{WHAT[kind]} {paper.title!r} has no arXiv or Anthology id and shows no "
                         f"{' and no '.join(missing)}: a manual entry needs them; not imported")
    paper.record = record
    paper.code = code_url if code_url != url else ""
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
