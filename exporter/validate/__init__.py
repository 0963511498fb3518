"""`exporter validate`: read an outputs folder back with the real clients and check that they agree.

Each check is a small function `(outputs) -> Result`: LaTeX with BibTeX and with biber, pandoc's
citeproc, the CSL-JSON schema, rispy, citation-js, markdown-it-py, and the Typst compiler on refs.yml
and refs.bib. A missing tool fails its check.

One module per job: `checks` (the registry, Result, CheckError), `tools` (finding and running
programs, importing packages), `outputs` (reading the outputs folder), `papers` (each format read
back into comparable papers), and one module per client: `latex` (bibtex, biber, biber-datamodel),
`pandoc`, `csl` (the CSL-JSON schema), `ris` (rispy), `citationjs`, `crossformat`, `markdown`
(CommonMark), `typst`. The checks run in the order their modules are imported below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator, Sequence

# Importing the check modules registers their checks, in this order: the order `exporter validate` runs them.
from exporter.validate import latex, pandoc, csl, ris, citationjs, crossformat, markdown, typst
from exporter.validate.checks import CHECKS, CheckError, NotApplicableError, Result, check
from exporter.validate.citationjs import citationjs_dir
from exporter.validate.latex import _bbl_survivors, _latex_bibtex
from exporter.validate.outputs import YML
from exporter.validate.papers import ListedPaper, Paper, hayagriva_text, listed_papers
from exporter.validate.tools import INSTALL, _kpsewhich

__all__ = [
    "CHECKS", "OPTIONAL", "CheckError", "NotApplicableError", "Result", "check", "default_checks", "run", "summary",
    "INSTALL", "citationjs_dir", "hayagriva_text", "listed_papers", "ListedPaper", "Paper",
    "_kpsewhich", "_latex_bibtex", "_bbl_survivors",  # reached by tests/test_validate.py
    "latex", "pandoc", "csl", "ris", "citationjs", "crossformat", "markdown", "typst",
]


# Checks of an output that a list may not write: they join the default set when the folder
# has that file (asked for by name, they run, and fail without it).
OPTIONAL = {"typst": YML, "typst-bib": YML}


def default_checks(outputs: Path) -> list[str]:
    """The checks `exporter validate` runs without --check: all, but those of outputs not written."""
    return [name for name in CHECKS if name not in OPTIONAL or (outputs / OPTIONAL[name]).is_file()]


def run(outputs: Path, names: Iterable[str] | None = None) -> Iterator[Result]:
    """Run the named checks (by default `default_checks`) on an outputs folder, in order, one Result each."""
    for name in names or default_checks(outputs):
        yield CHECKS[name](outputs)


def summary(results: Sequence[Result]) -> str:
    """The closing line: `N passed, N failed` (`, N skipped` after it only if a check did not apply)."""
    passed = sum(r.ok and not r.skipped for r in results)
    skipped = sum(r.skipped for r in results)
    line = f"{passed} passed, {sum(not r.ok for r in results)} failed"
    return line + (f", {skipped} skipped" if skipped else "")
