"""What every reader returns: the papers found in a file, and the lines not understood."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from exporter.ids import Identifier
from exporter.model import Name, split_name


@dataclass(frozen=True)
class Found:
    """One paper found in an imported file."""

    line: int  # 1-based line of the paper in the imported file
    ids: dict[str, Identifier]  # by kind (exporter.ids.KINDS); an arXiv id keeps a version if the link pins one
    title: str = ""  # plain Unicode, as the file shows it (for duplicate detection and manual entries)
    fields: dict[str, Any] = field(default_factory=dict)  # TOML keys of the new [[papers]] table besides the ids
    list_date: str = ""  # "2023.4" if a Markdown list shows a date for the paper
    year: int | None = None  # the year the file gives, if any (for duplicate detection: two works of one title)
    family: str = ""  # the first author's family name the file gives, if any (likewise)

    @property
    def arxiv(self) -> Identifier | None:
        return self.ids.get("arxiv")

    @property
    def acl(self) -> Identifier | None:
        return self.ids.get("acl")


@dataclass
class Imported:
    """Everything read from one file."""

    meta: dict[str, Any]  # [list] keys found (Markdown only): heading, badges, intro, section, footer
    papers: list[Found]
    skipped: list[tuple[int, str]]  # (line, reason) for every line or entry not understood


def author_value(name: Name) -> str | dict[str, str]:
    """A name as the TOML holds it: `"Given Family"` when `split_name` reads that back the same, else a table."""

    if split_name(name.display) == name:
        return name.display
    return {k: v for k, v in (("family", name.family), ("given", name.given), ("suffix", name.suffix)) if v}
