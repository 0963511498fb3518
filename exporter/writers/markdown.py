"""README.md: the paper list itself, rendered by a jinja2 template (the user's own, or ours)."""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import groupby
from typing import Any, Sequence

from exporter.errors import ExporterError
from exporter.model import Record
from exporter.sources import ListMeta
from exporter.writers import WriteOptions

_MD_SPECIALS = re.compile(r"([\\`*_\[\]<>#|~])")
_BLOCK_START = re.compile(r"^([-+]|\d{1,9}[.)](?=\s|$))")
_ENTITY = re.compile(r"&(?=#?\w+;)")


def escape(text: str) -> str:
    """Text for Markdown inline context: specials backslash-escaped, no HTML, one line."""
    text = " ".join(text.split())  # white space collapsed: split() splits where \s+ matches
    text = _MD_SPECIALS.sub(r"\\\1", text)
    # A value that starts a line (the note does) must not open a block: a list item
    # (`- x`, `+ x`, `1. x`, `2) x`) or a thematic break (`---`) would split the paper's item.
    text = _BLOCK_START.sub(lambda m: m[1][:-1] + "\\" + m[1][-1], text)
    return _ENTITY.sub("&amp;", text) if "&" in text else text  # only an & that would start an entity


def url(link: str) -> str:
    """A link target that cannot end the link early: spaces, brackets, quotes percent-encoded."""
    from urllib.parse import quote

    return quote(link.strip(), safe="/:?#@!$&'*+,;=%~-._[]")


def write(records: Sequence[Record], meta: ListMeta | None = None, options: WriteOptions | None = None, *,
          template: str | None = None) -> str:
    """Render the list: front matter, then the papers grouped by consecutive section.

    The template is `template` if given, else the list's own (`meta.template_text`), else ours.
    A template that fails (a syntax error, or `{{ 1/0 }}`: a template runs code) raises an
    `ExporterError` naming the template file and line, not a traceback.
    """
    import jinja2

    meta = meta or ListMeta()
    try:
        return _render(records, meta, template)
    except Exception as exc:  # noqa: BLE001 - a template runs user code: {{ 1/0 }} raises ZeroDivisionError
        raise _template_error(exc, meta, jinja2) from exc


@lru_cache(maxsize=1)
def _environment() -> Any:
    """The jinja2 environment, made once: making it and compiling a template cost more than rendering."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("exporter", "templates"),
        autoescape=False,  # Markdown, not HTML: `escape` is applied explicitly
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = escape
    env.filters["url"] = url
    env.filters["names"] = lambda names: ", ".join(n.display for n in names)
    return env


@lru_cache(maxsize=8)
def _template(source: str | None) -> Any:
    """The compiled template: a list's own (its text), or ours (None)."""
    env = _environment()
    return env.from_string(source) if source is not None else env.get_template("README.md.j2")


def _render(records: Sequence[Record], meta: ListMeta, template: str | None) -> str:
    source = template if template is not None else meta.template_text
    tmpl = _template(source)
    sections = [(name, list(items)) for name, items in groupby(records, key=lambda r: r.section)]
    # Blocks start with a blank line; the first one (no heading given) must not.
    return tmpl.render(meta=meta, records=records, sections=sections).lstrip("\n")


def _template_error(exc: Exception, meta: ListMeta, jinja2: Any) -> ExporterError:
    """`my.j2:3: template error: ZeroDivisionError: division by zero`: which file and line, one line."""
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
    return ExporterError(f"{where}{line}: template error: {kind}{message}")
