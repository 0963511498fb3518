"""Writers: pure functions from records (plus the list's front matter) to the text of one file."""

from __future__ import annotations

from typing import Callable, NamedTuple, Sequence

from exporter.model import Record
from exporter.sources import ListMeta


class Writer(NamedTuple):
    """A format: its output file name and the function that renders it."""

    filename: str
    module: str

    def load(self) -> Callable[[Sequence[Record], ListMeta], str]:
        """The `write(records, meta) -> str` function, imported on first use."""
        from importlib import import_module

        return import_module(f"exporter.writers.{self.module}").write  # type: ignore[no-any-return]


WRITERS: dict[str, Writer] = {
    "bibtex": Writer("refs.bib", "bibtex"),
    "csljson": Writer("refs.json", "csljson"),
    "ris": Writer("refs.ris", "ris"),
    "markdown": Writer("README.md", "markdown"),
}


def render(fmt: str, records: Sequence[Record], meta: ListMeta, dialect: str = "bibtex", unicode: bool = False) -> str:
    """The text of one format; a template error names the template file and line, not a traceback."""
    from exporter.errors import ExporterError

    write = WRITERS[fmt].load()
    if fmt == "bibtex":
        return write(records, meta, dialect=dialect, unicode=unicode)  # type: ignore[call-arg]
    if fmt != "markdown":
        return write(records, meta)
    import jinja2

    try:
        return write(records, meta)
    except Exception as exc:  # noqa: BLE001 - a template runs user code: {{ 1/0 }} raises ZeroDivisionError
        # The user's own template: say which file and line, not a traceback.
        where = meta.template or "the built-in template"
        lineno = getattr(exc, "lineno", None) if isinstance(exc, jinja2.TemplateError) else None
        tb = exc.__traceback__
        while tb is not None:  # runtime errors: jinja2 maps template frames to template lines
            if tb.tb_frame.f_code.co_filename == "<template>":
                lineno = tb.tb_lineno
            tb = tb.tb_next
        line = f":{lineno}" if lineno else ""
        message = exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else str(exc)
        kind = "" if isinstance(exc, jinja2.TemplateError) else f"{exc.__class__.__name__}: "
        message = " ".join(message.split())  # one line
        raise ExporterError(f"{where}{line}: template error: {kind}{message}") from exc


def render_all(records: Sequence[Record], meta: ListMeta, dialect: str = "bibtex", unicode: bool = False) -> dict[str, str]:
    """Every output file's name and text: what `exporter build` writes and `exporter check` compares."""
    return {w.filename: render(fmt, records, meta, dialect, unicode) for fmt, w in WRITERS.items()}
