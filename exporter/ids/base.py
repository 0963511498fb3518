"""What an identifier is, and what a kind of identifier must say about itself (a leaf module)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True, order=True)
class Identifier:
    """A normalised paper identifier of one kind; `version` only for ids pinned to a version (arXiv)."""

    kind: str
    id: str
    version: int | None = None

    @property
    def full(self) -> str:
        """The id as the upstream API takes it, with the pinned version if any."""
        return f"{self.id}v{self.version}" if self.version else self.id

    def __str__(self) -> str:
        return f"{self.kind}:{self.full}"


@dataclass(frozen=True)
class IdKind:
    """One kind of identifier: its name (also its TOML key and lock section), the forms users paste, and its role.

    `parse` returns the Identifier for any form of this kind's ids, URLs and DOIs, or None; it must
    accept the canonical id itself (`Identifier.id`), which is what papers.toml holds.
    `published` kinds name a venue's record (the Anthology, DBLP): it leads a paper's record over
    a preprint's. `link` formats the page the Markdown list links for an id.
    """

    name: str
    label: str  # "arXiv", "ACL Anthology": for messages
    parse: Callable[[str], Identifier | None]
    examples: str  # "2109.01652, https://arxiv.org/abs/2109.01652, ...": for messages
    published: bool
    link: str  # "https://arxiv.org/abs/{}"

    @property
    def expected(self) -> str:
        """What an id of this kind looks like, for messages: `an arXiv id, URL or DOI (e.g. ...)`."""
        article = "an" if re.match(r"[aeiouAEIOU]", self.label) else "a"
        return f"{article} {self.label} id, URL or DOI (e.g. {self.examples})"
