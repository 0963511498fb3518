"""Editing papers.toml: new `[[papers]]` tables, rendered by tomlkit and appended with every other line kept."""

from __future__ import annotations

import re
from typing import Any

from exporter.sources import _Lines


def render_table(table: dict[str, Any]) -> str:
    """One `[[papers]]` table as TOML text, each value rendered by tomlkit (quoting, escapes, inline tables)."""
    import tomlkit

    def item(value: Any) -> Any:  # names as inline tables, even alone in their list
        if isinstance(value, dict):
            inline = tomlkit.inline_table()
            inline.update(value)
            return inline
        if isinstance(value, list):
            array = tomlkit.array()
            array.extend(item(v) for v in value)
            return array
        return tomlkit.item(value)

    return "[[papers]]\n" + "".join(f"{key} = {item(value).as_string()}\n" for key, value in table.items())


def append_papers(text: str, papers: list[dict[str, Any]] | list[str]) -> str:
    """`text` with `[[papers]]` tables (dicts, or their `render_table` text) after its last one.

    Every existing line is kept byte for byte (comments, order, formatting); the new tables
    are separated by blank lines, as the file's own tables are.
    """
    if not papers:
        return text
    nl = "\r\n" if "\r\n" in text else "\n"  # the file's own line ends
    block = "\n".join(p if isinstance(p, str) else render_table(p) for p in papers).replace("\n", nl)
    lines = _Lines(text)
    if not lines.headers and re.search(r"^\s*papers\s*=", text, re.M):
        raise ValueError("its papers are an inline array (papers = [...]); write them as [[papers]] tables "
                         "to add papers")
    # Insert after the last [[papers]] table: before the next table header that follows it,
    # and before the comment lines right above that header (they belong to it).
    after = lines.headers[-1] if lines.headers else len(lines.lines)
    following = next((n for n in range(after, len(lines.lines))
                      if lines.code[n] and re.match(r"^\s*\[", lines.lines[n])), None)
    while following is not None and following > after and lines.lines[following - 1].lstrip().startswith("#"):
        following -= 1
    kept = text.splitlines(keepends=True)
    if following is None:
        head = text if not text or text.endswith(("\n", "\r")) else text + nl
        return head + (nl if head.strip() else "") + block
    before, rest = "".join(kept[:following]), "".join(kept[following:])
    blank = "" if not before or before.endswith(nl + nl) or before == nl else nl
    return before + blank + block + nl + rest
