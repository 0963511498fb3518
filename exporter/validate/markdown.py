"""README.md as CommonMark (markdown-it-py)."""

from __future__ import annotations

from pathlib import Path

from exporter.validate.checks import _problems, check
from exporter.validate.outputs import _csl_items
from exporter.validate.papers import _markdown_tokens, listed_papers


@check("commonmark")
def check_commonmark(outputs: Path) -> str:
    """README.md as CommonMark (markdown-it-py): no raw HTML, one list item per paper."""
    tokens = _markdown_tokens(outputs)
    items = _csl_items(outputs)
    problems = []
    for token in tokens:
        for t in [token, *(token.children or [])]:
            if t.type in ("html_block", "html_inline"):
                line = (token.map or [0])[0] + 1
                problems.append(f"line {line}: raw HTML {t.content.strip()[:60]!r}")
    papers = listed_papers(tokens)
    if len(papers) != len(items):
        problems.append(f"{len(papers)} paper list items for {len(items)} papers in refs.json")
    # Every paper with an address of its own links it (a manual entry may have none).
    problems += [f"line {p.line}: no [[paper]] link" for p, item in zip(papers, items)
                 if not p.link and (item.get("URL") or item.get("DOI"))]
    if problems:
        raise _problems("README.md", problems)
    return f"{len(papers)} list items, one per paper; no raw HTML"
