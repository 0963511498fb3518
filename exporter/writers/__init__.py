"""Writers: pure functions from records (plus the list's front matter and options) to the text of one file.

Every writer module has one function with one contract, `write(records, meta, options) -> str`, and
one row in `WRITERS`. A new format is one module and one row; nothing here knows a format by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Protocol, Sequence

from exporter.model import Record
from exporter.sources import ListMeta, Sources


@dataclass(frozen=True)
class WriteOptions:
    """How the writers write; each writer reads the options that concern it and ignores the rest."""

    bibtex_dialect: str = "bibtex"  # refs.bib for classic BibTeX styles, or "biblatex" for biber
    bibtex_unicode: bool = False  # refs.bib: non-ASCII stays UTF-8 instead of LaTeX escapes


class WriteFunction(Protocol):
    """`write(records, meta, options) -> str`: the text of one output file."""

    def __call__(self, records: Sequence[Record], meta: ListMeta | None = None,
                 options: WriteOptions | None = None) -> str: ...


class Writer(NamedTuple):
    """One format: its output file, the module that writes it, and where a record starts in it.

    `record_start` is a regular expression that matches the first line of each record (and no
    other line) in the written text: `exporter check` counts its matches to name the entry at
    a stale line.
    """

    filename: str
    module: str  # a module of this package, by its short name
    record_start: str
    function: WriteFunction | None = None  # a plug-in's writer, given directly instead of a module

    def load(self) -> WriteFunction:
        """The format's `write(records, meta, options) -> str`, its module imported on first use."""
        from importlib import import_module

        if self.function is not None:
            return self.function
        return import_module(f"exporter.writers.{self.module}").write  # type: ignore[no-any-return]


WRITERS: dict[str, Writer] = {
    "bibtex": Writer("refs.bib", "bibtex", r"^@"),
    "csljson": Writer("refs.json", "csljson", r"^  \{"),
    "ris": Writer("refs.ris", "ris", r"^TY  - "),
    "markdown": Writer("README.md", "markdown", r"^1\. "),
    # Top-level keys are the citation keys, always double-quoted at column 0.
    "hayagriva": Writer("refs.yml", "hayagriva", r'^"'),
}

# What `render_all` writes unless a caller names the formats: the four outputs of every list.
DEFAULT_FORMATS: tuple[str, ...] = ("bibtex", "csljson", "ris", "markdown")


def formats_of(sources: Sources) -> tuple[str, ...]:
    """The formats a list writes: its `[list] outputs`, else `DEFAULT_FORMATS`. SourceError, at its line,
    for a name no writer has."""
    from exporter.errors import SourceError

    chosen = sources.meta.outputs or DEFAULT_FORMATS
    for fmt in chosen:
        if fmt not in WRITERS:
            raise SourceError(str(sources.path), sources.meta.key_lines.get("outputs"), "[list]",
                              f"no output format {fmt!r}; choose from {', '.join(WRITERS)}")
    return tuple(chosen)


def write(fmt: str, records: Sequence[Record], meta: ListMeta | None = None,
          options: WriteOptions | None = None) -> str:
    """The text of one format, through its row in `WRITERS`."""
    return WRITERS[fmt].load()(records, meta or ListMeta(), options or WriteOptions())


def render(fmt: str, records: Sequence[Record], meta: ListMeta, dialect: str = "bibtex", unicode: bool = False,
           *, options: WriteOptions | None = None) -> str:
    """The text of one format (`options`, when given, wins over `dialect` and `unicode`).

    A writer's own errors (a template error in the list's README template, say) are
    `ExporterError`s that say where; they pass through.
    """
    return write(fmt, records, meta, options or WriteOptions(bibtex_dialect=dialect, bibtex_unicode=unicode))


def render_all(records: Sequence[Record], meta: ListMeta, dialect: str = "bibtex", unicode: bool = False,
               *, options: WriteOptions | None = None, formats: Sequence[str] | None = None) -> dict[str, str]:
    """Each requested format's file name and text (default: `DEFAULT_FORMATS`), in that order.

    What `exporter build` writes and `exporter check` compares.
    """
    opts = options or WriteOptions(bibtex_dialect=dialect, bibtex_unicode=unicode)
    return {WRITERS[fmt].filename: write(fmt, records, meta, opts) for fmt in (DEFAULT_FORMATS if formats is None else formats)}
