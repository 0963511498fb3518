"""Round-trip properties of the Hayagriva writer (refs.yml), on the records of tests/test_properties.py.

Two real readers:

- PyYAML, 2,000 examples under the `ci` profile like every writer: every field comes back where
  docs/formats.md puts it, its text equal to the record's after `clean` once Hayagriva's markup
  (`{...}`, `\\$`) is read (`exporter.validate.hayagriva_text`, what `exporter validate` reads).
- Typst itself (Hayagriva inside it), one compile per example so fewer of them: it accepts every
  file (a PDF with no error and no warning), and a probe CSL style that prints each variable
  between markers gives back, through Typst's HTML export, the text of each field.

Typst's HTML export cannot encode control characters or non-characters ("cannot be encoded in
HTML"): the probe's records leave those out (the PDF compile gets them all).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import TYPES, WRITER_SETTINGS, Texts, examples, record_lists, records, with_keys
from test_writers import HAYAGRIVA_TYPES

from exporter.model import Name, Record, clean
from exporter.validate import hayagriva_text
from exporter.writers import hayagriva
from exporter.writers.hayagriva import _compact  # the writer's own rule for empty values


def person(name: Name) -> dict[str, str]:
    parts = (("name", clean(name.family)), ("given-name", clean(name.given)), ("suffix", clean(name.suffix)))
    return {k: v for k, v in parts if v}


def expected(record: Record) -> dict[str, Any]:
    """The entry PyYAML must read for a record (formattable strings as their text), by docs/formats.md."""
    kind, parent_type = HAYAGRIVA_TYPES[record.type]
    container, publisher = clean(record.container_title), clean(record.publisher)
    place = clean(record.publisher_place)
    entry: dict[str, Any] = {"type": kind, "title": clean(record.title)}
    entry["author"] = [person(n) for n in record.author]
    entry["date"] = "-".join(f"{p:02d}" if i else f"{p:04d}" for i, p in enumerate(record.issued))
    editors = [person(n) for n in record.editor]
    parent: dict[str, Any] = {}
    owner: dict[str, Any] = entry  # where the publisher goes
    if parent_type in ("proceedings", "periodical", "anthology"):
        parent = {"type": parent_type, "title": container, "editor": editors}
        owner, editors = parent, []
    elif parent_type == "repository":
        parent = {"type": parent_type, "title": publisher}
    elif parent_type == "web":
        parent = {"type": parent_type, "title": container}
    elif kind in ("report", "thesis", "book"):
        if not publisher:
            publisher = container
        elif container:
            parent = {"type": "anthology", "title": container}
    owner["publisher"] = {"name": publisher, "location": place}
    entry["editor"] = editors
    parent = _compact(parent)
    entry["parent"] = parent if set(parent) - {"type"} else {}
    entry["edition"] = clean(record.edition)
    entry["note"] = "; ".join(n for n in (container if kind == "misc" else "", clean(record.bibnote)) if n)
    entry["genre"] = {"report": "Technical report", "thesis": "Doctoral dissertation"}.get(kind, "")
    entry["page-range"] = record.page
    entry["serial-number"] = {"doi": record.DOI, "arxiv": record.arxiv, "serial": record.number,
                              "isbn": clean(record.ISBN), "issn": clean(record.ISSN)}
    entry["url"] = record.URL
    entry["abstract"] = clean(record.abstract)
    return _compact(entry)


_FORMATTABLE = {"title", "abstract", "note", "genre", "name", "location"}


def read_text(value: Any, key: str = "") -> Any:
    """What PyYAML read, with each formattable string as its text (a person's parts are plain)."""
    if isinstance(value, dict):
        people = key in ("author", "editor")
        return {k: v if people else read_text(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [read_text(v, key) for v in value]
    return hayagriva_text(value) if key in _FORMATTABLE else value


@WRITER_SETTINGS
@given(record_lists)
def test_hayagriva_round_trip(recs: list[Record]) -> None:
    from exporter.writers import WRITERS

    text = hayagriva.write(recs)
    entries = yaml.safe_load(text)
    assert list(entries) == [r.id for r in recs]  # keys are strings, whatever they look like
    for record, entry in zip(recs, entries.values()):
        assert {k: read_text(v, k) for k, v in entry.items()} == expected(record)
    # One record start (what `exporter check` counts) per record, whatever the text.
    assert len(re.findall(WRITERS["hayagriva"].record_start, text, re.M)) == len(recs)


# --- Typst ---------------------------------------------------------------------------

# Each variable between private-use markers: \ue000NAME\ue001text\ue002 (the texts leave them out).
_VARIABLES = ["title", "container-title", "collection-title", "publisher", "publisher-place", "source", "genre",
              "note", "page", "DOI", "number", "abstract"]
PROBE = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>Probe</title><id>probe</id><updated>2024-01-01T00:00:00+00:00</updated></info>
  <citation><layout><text variable="citation-key"/></layout></citation>
  <bibliography><layout>
    <text variable="citation-key" prefix="&#xE000;key&#xE001;" suffix="&#xE002;"/>
    <date variable="issued" prefix="&#xE000;year&#xE001;" suffix="&#xE002;"><date-part name="year"/></date>
    {texts}
  </layout></bibliography>
</style>
""".replace("{texts}", "\n    ".join(
    f'<text variable="{v}" prefix="&#xE000;{v}&#xE001;" suffix="&#xE002;"/>' for v in _VARIABLES))

# What Typst's HTML export cannot encode: controls (but white space, which `clean` removes anyway),
# non-characters; and the probe's markers.
_NOT_IN_HTML = "".join(
    [chr(c) for c in [*range(0x00, 0x09), *range(0x0E, 0x1C), *range(0x7F, 0x85), *range(0x86, 0xA0)]]
    + [chr(c) for c in range(0xFDD0, 0xFDF0)]
    + [chr(plane * 0x10000 + low) for plane in range(17) for low in (0xFFFE, 0xFFFF)]
    + ["\ue000", "\ue001", "\ue002"])
HTML_TEXT = Texts(exclude=_NOT_IN_HTML)
# (The probe's CSL variables cover the types and fields of before .bib imports: no chapters, series or notes.)
probe_record_lists = st.lists(records(HTML_TEXT, raw_names=False, kinds=st.sampled_from(TYPES), bibliographic=False),
                              min_size=1, max_size=2).map(with_keys)


def typst_variables(record: Record) -> dict[str, str]:
    """The CSL variables Typst must render for a record, by docs/formats.md (Hayagriva's CSL mapping)."""
    kind, parent_type = HAYAGRIVA_TYPES[record.type]
    container, publisher = clean(record.container_title), clean(record.publisher)
    want = {"key": record.id, "title": clean(record.title), "year": str(record.issued[0]) if record.issued else "",
            "publisher-place": clean(record.publisher_place), "page": record.page.replace("-", "\u2013"),
            "DOI": record.DOI, "number": record.number, "abstract": clean(record.abstract)}
    if parent_type in ("proceedings", "periodical", "web"):
        want["container-title"] = container
    if parent_type == "repository":
        want["source"] = publisher
    if kind in ("report", "thesis", "book") and not publisher:
        publisher = container
    elif kind == "report":  # its series is the container
        want["container-title"] = container
    elif kind == "book":
        want["collection-title"] = container
    want["publisher"] = publisher
    if kind == "misc":
        want["note"] = container
    want["genre"] = {"report": "Technical report", "thesis": "Doctoral dissertation"}.get(kind, "")
    return {k: v for k, v in want.items() if v}


def compile_bibliography(folder: Path, text: str, keys: list[str], fmt: str, style: str = "ieee") -> bytes:
    import typst

    (folder / "refs.yml").write_text(text, encoding="utf-8")
    cites = "".join(f'#cite(label("{k}"))' for k in keys)
    (folder / "doc.typ").write_text(f'{cites}\n#bibliography("refs.yml", style: "{style}")\n', encoding="utf-8")
    out, warnings = typst.compile_with_warnings(str(folder / "doc.typ"), root=str(folder), format=fmt)
    messages = [w.message for w in warnings if not (fmt == "html" and "html export" in w.message)]
    assert messages == [], messages
    return out  # type: ignore[no-any-return]


def list_items(page: str) -> list[str]:
    """The text of each <li> of an HTML page, read by the standard library's HTML parser."""
    from html.parser import HTMLParser

    class Items(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.items: list[str] = []
            self.inside = False

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            if tag == "li":
                self.items.append("")
                self.inside = True

        def handle_endtag(self, tag: str) -> None:
            self.inside = self.inside and tag != "li"

        def handle_data(self, data: str) -> None:
            if self.inside:
                self.items[-1] += data

    parser = Items()
    parser.feed(page)
    parser.close()
    return parser.items


@pytest.fixture(scope="module")
def typst_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("typst")
    (folder / "probe.csl").write_text(PROBE, encoding="utf-8")
    return folder


# One Typst compile per example: a quarter of the writers' count (500 under `ci`).
TYPST_SETTINGS = settings(max_examples=examples(500), deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                 HealthCheck.function_scoped_fixture])


@TYPST_SETTINGS
@given(recs=record_lists)
def test_typst_reads_every_refs_yml_without_error_or_warning(recs: list[Record], typst_dir: Path) -> None:
    """Whatever the text (control characters, markup, YAML syntax), Typst reads the file as written."""
    compile_bibliography(typst_dir, hayagriva.write(recs), [r.id for r in recs], "pdf")


@TYPST_SETTINGS
@given(recs=probe_record_lists)
def test_typst_renders_each_field_as_written(recs: list[Record], typst_dir: Path) -> None:
    """Typst's own reading of refs.yml: each variable, rendered by the probe style, is the record's text."""
    page = compile_bibliography(typst_dir, hayagriva.write(recs), [r.id for r in recs], "html",
                                style="probe.csl").decode("utf-8")
    items = list_items(page)
    assert len(items) == len(recs)
    got = [dict(re.findall("\ue000([^\ue001]*)\ue001([^\ue002]*)\ue002", text)) for text in items]
    # The probe sorts nothing: items come in citation order.
    assert got == [typst_variables(r) for r in recs]

