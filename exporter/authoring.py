"""Adding papers to a list (`exporter add`, `exporter import`): the duplicate rules, as pure functions.

A paper is refused when the list has it already: the same arXiv id (any version), the same
Anthology id (also as the published version of a listed preprint), or the same normalised
title of the same work (one paper under another identifier: `model.same_work`, so that two
works of one title, Bellman's 1957 book and his 1966 article, are two papers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from exporter.errors import SourceError
from exporter.ids import KINDS, Identifier, differ
from exporter.lock import Lock
from exporter.model import Work, same_work
from exporter.records import preprint_of, records_in_use, titles, works
from exporter.editing import append_papers, render_table
from exporter.sources import Entry, Sources, family_of, parse_appended
from exporter.text import normalise_title


@dataclass(frozen=True)
class Candidate:
    """A paper about to be added: what the user gave, its ids (none for a manual entry), its TOML table."""

    given: str  # how messages name it: the id as typed, or `file:line`
    idents: tuple[Identifier, ...]
    table: dict[str, Any]
    title: str = ""  # as an imported file shows it, for duplicate detection before resolving
    year: int | None = None  # likewise the year and first author's family name it shows (for a paper with ids,
    family: str = ""  # whose table has neither): two works of one title are two papers

    @property
    def work(self) -> Work:
        """Year, type and first author's family name, as far as known before resolving (`model.same_work`)."""
        authors = self.table.get("authors")
        family = family_of(authors[0]) if authors else normalise_title(self.family)
        return self.table.get("year", self.year), self.table.get("type", ""), family

    @property
    def toml(self) -> str:
        """The table as TOML text (rendered once: tomlkit takes a while)."""

        if "_toml" not in self.__dict__:
            plain = _plain_toml(self.table)
            object.__setattr__(self, "_read", self.table if plain else None)
            object.__setattr__(self, "_toml", plain or render_table(self.table))
        return self.__dict__["_toml"]  # type: ignore[no-any-return]

    @property
    def rendered(self) -> tuple[str, dict[str, Any] | None]:
        """`toml`, and the table it reads back as when that is known without reading it: `table`, when rendered
        plain (`sources.parse_appended`); else None."""
        return self.toml, self.__dict__["_read"]


# A string tomlkit writes as it is between double quotes: no quote, backslash or control character.
_PLAIN = re.compile(r'[^"\\\x00-\x1f\x7f]*\Z')
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _plain_toml(table: dict[str, Any]) -> str | None:
    """`render_table(table)`, fast, for the tables most imports make (plain strings, integers, lists of plain
    strings and of name tables); None for any other, which tomlkit renders (10,000 tables take it seconds)."""

    def value(v: Any) -> str | None:
        if isinstance(v, str):
            return f'"{v}"' if _PLAIN.match(v) else None
        if isinstance(v, int) and not isinstance(v, bool):
            return str(v)
        if isinstance(v, list) and v:
            items = [value(x) for x in v]
            return None if None in items else "[" + ", ".join(items) + "]"  # type: ignore[arg-type]
        if isinstance(v, dict) and v and all(isinstance(k, str) and _BARE_KEY.match(k) for k in v):
            pairs = [(k, value(x)) for k, x in v.items()]
            return None if any(x is None or x.startswith(("[", "{")) for _, x in pairs) else \
                "{" + ", ".join(f"{k} = {x}" for k, x in pairs) + "}"
        return None

    lines = ["[[papers]]\n"]
    for key, v in table.items():
        rendered = value(v) if _BARE_KEY.match(key) else None
        if rendered is None:
            return None
        lines.append(f"{key} = {rendered}\n")
    return "".join(lines)


class Listed:
    """The list's entries by each of their ids and by their published version: one lookup per new paper."""

    def __init__(self, entries: tuple[Entry, ...], lock: Lock) -> None:

        self.by_id: dict[tuple[str, str], tuple[Entry, str]] = {}
        published: dict[tuple[str, str], tuple[Entry, str]] = {}
        for entry in reversed(entries):  # the first entry wins
            for ident in entry.ids.values():
                label = KINDS[ident.kind].label
                self.by_id[(ident.kind, ident.id)] = (entry, f"the same {label} id")
            match = (lock.published.get(entry.uid) or {}).get("match") if preprint_of(entry) else None
            if match:
                published[(match["kind"], match["id"])] = (entry, "its published version")
        # An entry's own id wins over another entry's published version.
        self.by_id = {**published, **self.by_id}

    def find(self, ident: Identifier) -> tuple[Entry, str] | None:
        """The entry that already lists this paper by id, and how; None if none does."""
        return self.by_id.get((ident.kind, ident.id))


def where(sources: Sources, entry: Entry, lock: Lock | None = None) -> str:
    """`sources/papers.toml:97: entry 25 (arxiv:2212.10560) 'Self-Instruct: ...'` (the title if resolved)."""

    title = titles((entry,), lock).get(entry.uid) if lock is not None else None
    return f"{sources.path}:{entry.line}: {entry.label}" + (f" {title!r}" if title else "")


def new_table(ident: Identifier, section: str | None, tags: tuple[str, ...], default_section: str) -> dict[str, Any]:
    """The `[[papers]]` table for an id: without a version (the entry follows arXiv's latest)."""
    table: dict[str, Any] = {ident.kind: ident.id}
    if section and section != default_section:
        table["section"] = section
    if tags:
        table["tags"] = list(dict.fromkeys(tags))
    return table


def fetched_since(lock: Lock, before: Lock, keep: Sources) -> None:
    """Drop from `lock` what was fetched after `before` for entries `keep` does not have."""
    uids = {e.uid for e in keep.entries}
    lock.published = {k: v for k, v in lock.published.items() if k in before.published or k in uids}

    used = records_in_use(keep.entries, lock)
    lock.records = {kind: {k: v for k, v in values.items() if k in before.of(kind) or k in used.get(kind, set())}
                    for kind, values in lock.records.items()}


def screen(candidates: list[Candidate], sources: Sources, lock: Lock) -> tuple[list[Candidate], list[str], list[str]]:
    """Split candidates into those to add, refusals and notes, before anything is resolved.

    Refused: a paper the list has (by id, or by title where the lock or the file knows it),
    one given twice, or a table the sources schema rejects. A pinned `key` that another entry
    already uses is dropped (with a note): the list's own keys never change. A table the schema
    rejects never makes a later paper a duplicate of it: the others are screened again without it.
    """
    rejected: list[str] = []
    pool = list(candidates)
    while True:
        accepted, refused, notes, bad = _screen(pool, sources, lock)
        if not bad:
            return accepted, refused + rejected, notes
        rejected += [f"{c.given}: {detail}" for _, c, detail in bad]
        dropped = {at for at, _, _ in bad}
        pool = [c for at, c in enumerate(pool) if at not in dropped]


def _screen(candidates: list[Candidate], sources: Sources, lock: Lock
            ) -> tuple[list[Candidate], list[str], list[str], list[tuple[int, Candidate, str]]]:
    """One pass of `screen`: accepted, refused, notes, and the accepted tables the schema rejects (their
    place in `candidates`, and why)."""
    from dataclasses import replace


    listed = Listed(sources.entries, lock)
    by_uid = {e.uid: e for e in sources.entries}
    known: dict[str, list[tuple[Entry, Work]]] = {}
    for uid, (title, work) in works(sources.entries, lock).items():
        known.setdefault(normalise_title(title), []).append((by_uid[uid], work))
    for e in sources.entries:
        if "title" in e.overrides:
            known.setdefault(normalise_title(e.overrides["title"]), []).append((e, e.work))
    keys = {k.lower() for k in lock.keys.values()} | {e.key.lower() for e in sources.entries if e.key}
    seen: dict[Any, Candidate] = {}
    seen_titles: dict[str, list[Candidate]] = {}
    accepted, refused, notes = [], [], []
    places: list[int] = []  # each accepted candidate's place in `candidates`
    for place, candidate in enumerate(candidates):
        hit = next((h for i in candidate.idents if (h := listed.find(i))), None)
        norm = normalise_title(candidate.title or candidate.table.get("title", ""))
        marks = [(i.kind, i.id) for i in candidate.idents]
        work = candidate.work if norm and (norm in known or norm in seen_titles) else (None, "", "")
        # One title is one paper only when the works agree and no kind of id tells them apart (ids.differ).
        listed_title = next((e for e, w in known.get(norm, ()) if same_work(work, w)
                             and not differ(candidate.idents, e.ids.values())), None) if norm else None
        twice = next((seen[m] for m in marks if m in seen), None) or next(
            (c for c in seen_titles.get(norm, ()) if same_work(work, c.work) and not differ(candidate.idents, c.idents)),
            None)
        if hit:
            refused.append(f"{candidate.given}: already in the list as {where(sources, hit[0], lock)} ({hit[1]})")
        elif listed_title is not None:
            refused.append(f"{candidate.given}: already in the list as {where(sources, listed_title, lock)} "
                           "(the same title)")
        elif twice:
            refused.append(f"{candidate.given}: the same paper as {twice.given}")
        else:
            key = candidate.table.get("key")
            if key and key.lower() in keys:
                notes.append(f"{candidate.given}: citation key {key!r} is taken in the list; not pinned")
                candidate = replace(candidate, table={k: v for k, v in candidate.table.items() if k != "key"})
            if key := candidate.table.get("key"):
                keys.add(key.lower())
            seen.update(dict.fromkeys(marks, candidate))
            if norm:
                seen_titles.setdefault(norm, []).append(candidate)
            accepted.append(candidate)
            places.append(place)
    # The sources schema, on all the new tables at once.
    try:
        parse_appended(append_papers("", [c.toml for c in accepted]), sources.path, "", [c.rendered for c in accepted])
    except SourceError as exc:
        bad = {p.index: p.detail for p in exc.problems if p.index is not None}
        if not bad:
            raise
        return accepted, refused, notes, [(places[i - 1], c, bad[i]) for i, c in enumerate(accepted, start=1)
                                          if i in bad]
    return accepted, refused, notes, []


def front_matter(meta: dict[str, Any], origin: str) -> str:
    """A new sources file's head: a comment and the `[list]` table of an imported list's front matter."""
    import tomlkit

    doc = tomlkit.document()
    doc.add(tomlkit.comment("The paper list: one [[papers]] table per paper, in list order."))
    doc.add(tomlkit.comment(f"Imported from {origin} by `exporter import`; regenerate outputs with `exporter build`."))
    table = tomlkit.table()
    for key in ("heading", "badges", "intro", "section", "footer"):
        value = meta.get(key)
        if not value:
            continue
        if key == "badges":
            array = tomlkit.array()
            array.extend(value)
            table[key] = array.multiline(True)
        elif "\n" in value:
            table[key] = tomlkit.string(value.strip("\n") + "\n", multiline=True)
        else:
            table[key] = value
    if table:
        doc.add(tomlkit.nl())
        doc["list"] = table
    # Open each multi-line string on its own line, as people write them: TOML drops a newline
    # right after the opening quotes, so the values stay the same.
    return re.sub(r'^(\w+ = """)(?!\n)', "\\1\n", tomlkit.dumps(doc), flags=re.M)


def imported_candidate(given: str, found: Any, file_section: str | None, section: str | None,
                       default_section: str, lock: Lock) -> Candidate:
    """The table for a paper an imported file lists (`found` is a `readers.Found`).

    Ids are written without a version (entries follow arXiv's latest). The list's date is
    kept unless it is the month of arXiv v1 that the README shows anyway.
    """
    table: dict[str, Any] = {ident.kind: ident.id for ident in found.ids.values()}
    fields = dict(found.fields)
    chosen = section or fields.pop("section", None) or file_section
    fields.pop("section", None)
    if chosen and chosen != default_section:
        table["section"] = chosen
    table.update(fields)
    # The README shows year.month of arXiv v1 (or of a manual entry's year and month) anyway.
    shown = f"{table['year']}.{table['month']}" if "year" in table and "month" in table else ""
    if found.list_date and "date" not in table and found.list_date not in (shown, _v1_month(found.arxiv, lock)):
        table["date"] = found.list_date
    return Candidate(given, tuple(found.ids.values()), table, found.title, found.year, found.family)


def _v1_month(arxiv: Identifier | None, lock: Lock) -> str:
    """`2022.4`: the month of arXiv v1, from the lock, else from a new-style id (2204.07705: April 2022)."""
    if arxiv is None:
        return ""
    published = (lock.arxiv.get(arxiv.id) or {}).get("published") or ""
    if m := re.match(r"(\d{4})-(\d{2})-", published):
        return f"{m[1]}.{int(m[2])}"
    if m := re.fullmatch(r"(\d{2})(\d{2})\.\d+", arxiv.id):
        return f"20{m[1]}.{int(m[2])}"
    return ""
