"""The error table: bad input gives one line naming file, line and entry, exit 1 (2 for usage), no traceback.

Each case runs the real `exporter` command in a fresh process on a copy of the committed list,
and checks that nothing was written: no half-written output, no changed lock or sources file
(the commands that write hold an flock on the sources folder; no lock file is created).

A case whose expectation the exporter does not meet yet is marked `xfail(strict=True)` with
`reason="defect: ..."`: the expectation is what is intended, not what happens today.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, NamedTuple

import pytest

ROOT = Path(__file__).parent.parent
GOOD = (ROOT / "sources" / "papers.toml").read_text(encoding="utf-8")
LOCK_BYTES = (ROOT / "sources" / "papers.lock.json").read_bytes()

SOURCES = "sources/papers.toml"
LOCK = "sources/papers.lock.json"
FLAN = 'arxiv = "2109.01652"\n'  # entry 2, its [[papers]] header on line 26, this key on line 27
SECTION = 'section = "Papers"\n'  # line 16, in [list] (whose header is line 4)

Setup = Callable[[Path], None]


# -- setups: each changes the copy of the committed list in the project folder ------------------

def replace(old: str, new: str, name: str = SOURCES) -> Setup:
    def setup(project: Path) -> None:
        path = project / name
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return setup


def replace_bytes(old: bytes, new: bytes, name: str = SOURCES) -> Setup:
    def setup(project: Path) -> None:
        path = project / name
        data = path.read_bytes()
        assert old in data, old
        path.write_bytes(data.replace(old, new, 1))
    return setup


def append(extra: str) -> Setup:
    def setup(project: Path) -> None:
        with (project / SOURCES).open("a", encoding="utf-8") as handle:
            handle.write(extra)
    return setup


def override(line: str) -> Setup:
    """A key added to entry 2 (arxiv = "2109.01652"), on line 28."""
    return replace(FLAN, FLAN + line + "\n")


def write(name: str, data: bytes | str) -> Setup:
    def setup(project: Path) -> None:
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return setup


def remove(name: str) -> Setup:
    return lambda project: (project / name).unlink()


def make_file(name: str) -> Setup:
    return lambda project: (project / name).write_text("not a folder\n", encoding="utf-8")


def make_folder(name: str) -> Setup:
    return lambda project: (project / name).mkdir(parents=True)


def nothing(project: Path) -> None:
    pass


def both(*setups: Setup) -> Setup:
    def setup(project: Path) -> None:
        for step in setups:
            step(project)
    return setup


def edit_lock(change: Callable[[dict[str, Any]], None]) -> Setup:
    """The lock as JSON, changed by `change`, written back as exporter writes it."""
    def setup(project: Path) -> None:
        path = project / LOCK
        data = json.loads(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return setup


def truncate_lock(project: Path) -> None:
    path = project / LOCK
    path.write_text(path.read_text(encoding="utf-8")[:5000], encoding="utf-8")


def template(text: bytes | str) -> Setup:
    """`[list] template = "t.md.j2"` (line 17), the template beside the sources file."""
    return both(replace(SECTION, SECTION + 'template = "t.md.j2"\n'), write("sources/t.md.j2", text))


def usage(message: str) -> str:
    """A click usage error: its usage lines, then the error."""
    return r"Usage: .+\n(?:.*\n)*Error: " + message


def _non_utf8_lock() -> tuple[bytes, int, int]:
    """The committed lock with one byte that is not UTF-8 (in 'Swaroop'), its line and column."""
    at = LOCK_BYTES.index(b"Swaroop") + 2
    line = LOCK_BYTES.count(b"\n", 0, at) + 1
    return LOCK_BYTES[:at] + b"\xe4" + LOCK_BYTES[at + 1:], line, at - (LOCK_BYTES.rfind(b"\n", 0, at) + 1) + 1


BAD_LOCK, BAD_LOCK_LINE, BAD_LOCK_COLUMN = _non_utf8_lock()
NO_PAPERS = (r"Error: sources/papers\.toml: no papers \(\[\[papers\]\] tables\); add some with 'exporter add' or "
             r"'exporter import', or pass --allow-empty to write an empty list")
NO_PAPERS_CHECK = (r"sources/papers\.toml: no papers \(\[\[papers\]\] tables\); pass --allow-empty if the list is "
                   r"meant to be empty")
E2 = r"Error: sources/papers\.toml:28: entry 2 \(arxiv = '2109\.01652'\): "  # an error in a key added by `override`
L4 = r"Error: sources/papers\.toml:4: \[list\]: "
TEMPLATE = r"(?:sources/)?t\.md\.j2"
NOT_AN_ID = r"is not an arXiv, ACL Anthology or DBLP id, URL or DOI; nothing added"
SPACE = r"Error: sources/papers\.toml:235: entry 68 "


class Case(NamedTuple):
    name: str
    setup: Setup
    args: list[str]
    stderr: str  # a regex matching the whole of standard error (without its final newline)
    code: int
    stdout: str = ""  # a regex matching the whole of standard output (check prints its problems there)
    env: dict[str, str] = {}
    lines: int = 1  # lines on standard error, for exit 1
    defect: str | None = None  # why the intended expectation fails today (the case is xfail, strict)
    fake: bool = False  # run against the fake arXiv and Anthology (tests/fakeserver.py)


CASES = [
    # -- the sources file: TOML, schema, duplicates ---------------------------------------------
    Case("malformed TOML", replace('arxiv = "2109.01652"', 'arxiv = "2109.01652'), ["build", "--offline"],
         r"Error: sources/papers\.toml:27: invalid TOML: .+", 1),
    Case("unknown top-level key", append('\n[lists]\nheading = "x"\n'), ["build", "--offline"],
         r"Error: sources/papers\.toml:\d+: unknown top-level key 'lists' \(expected \[list\] and \[\[papers\]\]\)", 1),
    Case("unknown paper key", override('venu = "ICLR"'), ["build", "--offline"],
         E2 + r"unknown key 'venu'; allowed: arxiv, .+", 1),
    Case("wrong type", override('year = "2022"'), ["build", "--offline"],
         E2 + r"'year' must be an integer, not str", 1),
    Case("wrong type in [list]", replace('section = "Papers"', 'section = ["Papers"]'), ["build", "--offline"],
         L4 + r"'section' must be a string", 1),
    Case("invalid arXiv id", replace('arxiv = "2109.01652"', 'arxiv = "2109.0165"'), ["build", "--offline"],
         r"Error: sources/papers\.toml:27: entry 2 \(arxiv = '2109\.0165'\): '2109\.0165' is not an arXiv id, URL or DOI .+", 1),
    Case("invalid Anthology id", replace('acl = "2022.acl-long.244"', 'acl = "ACL 2022"'), ["build", "--offline"],
         r"Error: sources/papers\.toml:23: entry 1 \(arxiv = '2104\.08773'\): 'ACL 2022' is not an ACL Anthology id, URL or DOI .+", 1),
    Case("duplicate citation keys", append('\n[[papers]]\narxiv = "2401.00001"\nkey = "Wei2021"\n\n[[papers]]\narxiv = "2401.00002"\nkey = "wei2021"\n'),
         ["build", "--offline"],
         r"Error: sources/papers\.toml:241: entry 69 \(arxiv:2401\.00002\): duplicate key 'wei2021', already used by entry 68 \(line 235\)", 1),
    Case("a manual entry without authors", append('\n[[papers]]\ntitle = "Alpaca"\nyear = 2023\n'), ["build", "--offline"],
         SPACE + r"\(title = 'Alpaca'\): a manual entry needs 'authors' \(an organisation as one name: .+\) and 'year'", 1),
    Case("a report without its institution", append('\n[[papers]]\ntype = "report"\ntitle = "GPT-4 Technical Report"\n'
                                                    'authors = ["OpenAI"]\nyear = 2023\n'), ["build", "--offline"],
         r"Error: sources/papers\.toml:236: entry 68 \(title = 'GPT-4 Technical Report'\): a report needs 'publisher': "
         r"its institution", 1),
    Case("duplicate ids", append('\n[[papers]]\narxiv = "https://arxiv.org/abs/2109.01652v3"\n'), ["build", "--offline"],
         r"Error: sources/papers\.toml:236: entry 68 \(arxiv:2109\.01652v3\): duplicate arxiv '2109\.01652', already used by entry 2 \(line 26\)", 1),
    Case("a paper with nothing to name it", append('\n[[papers]]\nsection = "Other"\n'), ["build", "--offline"],
         r"Error: sources/papers\.toml:235: entry 68: needs an identifier \('arxiv', 'acl' or 'dblp'\), or a 'title' \(a manual entry written in full\)", 1),
    Case("missing sources file", remove(SOURCES), ["build", "--offline"],
         r"Error: sources/papers\.toml: file not found \(looked in /.+/sources\); run exporter in the list's folder, pass "
         r"--sources, or start one with 'exporter add' or 'exporter import'", 1),
    Case("damaged lock", truncate_lock, ["build", "--offline"],
         r"Error: sources/papers\.lock\.json:\d+: unreadable lock file \(.+\); delete it and run 'exporter resolve'", 1),
    Case("entry missing from the lock, offline", append('\n[[papers]]\narxiv = "2401.00001"\n'), ["build", "--offline"],
         r"Error: sources/papers\.toml:235: entry 68 \(arxiv:2401\.00001\): not in the lock; run 'exporter resolve' online "
         r"\(--offline was given\)", 1),
    Case("unwritable outputs folder", make_file("outputs"), ["--outputs", "outputs/site", "build", "--offline"],
         r"Error: outputs/site/refs\.bib: cannot write: Not a directory", 1),
    Case("an output that is a folder", make_folder("outputs/refs.bib"), ["build", "--offline"],
         r"Error: outputs/refs\.bib: cannot write: Is a directory", 1),
    Case("outputs option naming a file", make_file("out.txt"), ["--outputs", "out.txt", "build", "--offline"],
         usage(r"Invalid value for '--outputs': Directory 'out\.txt' is a file\."), 2),
    Case("unknown format", nothing, ["export", "--format", "docx"],
         usage(r"Invalid value for '--format': 'docx' is not one of .+"), 2),
    Case("add: invalid identifier", nothing, ["add", "arxiv:2109.0165"],
         r"Error: 'arxiv:2109\.0165': 'arxiv:2109\.0165' " + NOT_AN_ID, 1),
    Case("import: missing file", nothing, ["import", "list.md"], r"Error: list\.md: file not found", 1),
    Case("check: bad sources", replace('arxiv = "2109.01652"', 'arxiv = "2109.0165"'), ["check"], r"1 problem", 1,
         stdout=r"sources/papers\.toml:27: entry 2 \(arxiv = '2109\.0165'\): .+"),

    # -- an empty list: an emptied file is a mistake unless --allow-empty says it is meant ------
    *[Case(f"{kind}: {' '.join(args)}", write(SOURCES, text), args, NO_PAPERS, 1)
      for kind, text in (("empty file", b""), ("whitespace-only file", b"  \n\n\t\n"))
      for args in (["build", "--offline"], ["resolve"], ["export", "--format", "bibtex"])],
    Case("empty file: check", write(SOURCES, b""), ["check"], r"1 problem", 1, stdout=NO_PAPERS_CHECK),
    Case("whitespace-only file: check", write(SOURCES, b"\n \n"), ["check"], r"1 problem", 1, stdout=NO_PAPERS_CHECK),
    Case("a [list] table and no papers", write(SOURCES, '[list]\nheading = "Papers"\n'), ["build", "--offline"],
         NO_PAPERS, 1),

    # -- bytes that are no text: NUL, not UTF-8 --------------------------------------------------
    Case("NUL in a TOML string", replace_bytes(b'"2109.01652"', b'"2109.01652\x00"'), ["build", "--offline"],
         r"Error: sources/papers\.toml:27: invalid TOML: Illegal character '\\x00'", 1),
    Case("NUL on a line of its own", replace_bytes(FLAN.encode(), FLAN.encode() + b"\x00\n"), ["resolve"],
         r"Error: sources/papers\.toml:28: invalid TOML: .+", 1),
    Case("NUL in the TOML: check", replace_bytes(b'"2110.08207"', b'"2110.08207\x00"'), ["check"], r"1 problem", 1,
         stdout=r"sources/papers\.toml:30: invalid TOML: Illegal character '\\x00'"),
    Case("sources not UTF-8", replace_bytes(FLAN.encode(), FLAN.encode() + 'note = "café"\n'.encode("latin-1")),
         ["build", "--offline"],
         r"Error: sources/papers\.toml:28: not UTF-8 \(byte 0xe9 at column 12\); save the file as UTF-8", 1),
    Case("sources not UTF-8: export", replace_bytes(b'heading = "Instruction', b'heading = "\xe9Instruction'),
         ["export", "--format", "csljson"],
         r"Error: sources/papers\.toml:5: not UTF-8 \(byte 0xe9 at column 12\); save the file as UTF-8", 1),
    Case("sources not UTF-8: check", replace_bytes(b'heading = "Instruction', b'heading = "\xff\xfeInstruction'),
         ["check"], r"1 problem", 1,
         stdout=r"sources/papers\.toml:5: not UTF-8 \(byte 0xff at column 12\); save the file as UTF-8"),
    Case("sources in UTF-16", write(SOURCES, b"\xff\xfe" + '[[papers]]\narxiv = "2109.01652"\n'.encode("utf-16-le")),
         ["build", "--offline"],
         r"Error: sources/papers\.toml:1: not UTF-8 \(byte 0xff at column 1\); save the file as UTF-8", 1),

    # -- the list's own template ---------------------------------------------------------------
    Case("template: error at run time", template("# {{ meta.heading }}\n\n{{ 1/0 }}\n"), ["build", "--offline"],
         r"Error: " + TEMPLATE + r":3: template error: ZeroDivisionError: division by zero", 1),
    Case("template: error at run time, check", template("# {{ meta.heading }}\n\n{{ 1/0 }}\n"), ["check"],
         r"1 problem", 1, stdout=TEMPLATE + r":3: template error: ZeroDivisionError: division by zero"),
    Case("template: syntax error", template("# {{ meta.heading }}\n\n{% for r in records %}\n{{ r.title }\n"),
         ["build", "--offline"], r"Error: " + TEMPLATE + r":4: template error: unexpected '\}'", 1),
    Case("template: undefined name", template("# {{ meta.heading }}\n{{ nothing.here }}\n"),
         ["export", "--format", "markdown"], r"Error: " + TEMPLATE + r":2: template error: 'nothing' is undefined", 1),
    Case("template: missing file", replace(SECTION, SECTION + 'template = "t.md.j2"\n'), ["build", "--offline"],
         r"Error: sources/papers\.toml:16: \[list\]: cannot read template 'sources/t\.md\.j2': No such file or directory", 1,),
    Case("template: not UTF-8", template(b"# \xff{{ meta.heading }}\n"), ["build", "--offline"],
         r"Error: (?:.+: )?" + TEMPLATE + r":1: not UTF-8 \(byte 0xff at column 3\).*", 1,),

    # -- resolving -------------------------------------------------------------------------------
    Case("a pinned version arXiv does not have", replace(FLAN, 'arxiv = "2109.01652v99"\n'),
         ["build", "--no-upgrade"],
         r"Error: sources/papers\.toml:26: entry 2 \(arxiv:2109\.01652v99\): not resolved: (?:arXiv has no version "
         r"v99 of 2109\.01652|arXiv returned no record for this id)[^\n]*", 1, fake=True),
    Case("a service that cannot be reached", append('\n[[papers]]\narxiv = "2401.00001"\n'), ["build"],
         SPACE + r"\(arxiv:2401\.00001\): not resolved: connection failed \(.+\) \(0 records fetched and kept in "
         r"the lock\)", 1),

    # -- the lock ----------------------------------------------------------------------------------
    Case("lock: not JSON", write(LOCK, "not json\n"), ["build", "--offline"],
         r"Error: sources/papers\.lock\.json:1: unreadable lock file \(.+\); delete it and run 'exporter resolve'", 1),
    Case("lock: empty file", write(LOCK, b""), ["export", "--format", "ris"],
         r"Error: sources/papers\.lock\.json:1: unreadable lock file \(.+\); delete it and run 'exporter resolve'", 1),
    Case("lock: not an object", write(LOCK, "[]\n"), ["build", "--offline"],
         r"Error: sources/papers\.lock\.json: not an exporter lock \(no format number\); delete it and run "
         r"'exporter resolve'", 1),
    Case("lock: a future format", edit_lock(lambda d: d.update(format=99)), ["build", "--offline"],
         r"Error: sources/papers\.lock\.json: lock format 99 is newer than this exporter reads \(format 2\); "
         r"upgrade exporter .+", 1),
    Case("lock: a future format, check", edit_lock(lambda d: d.update(format=99)), ["check"], r"1 problem", 1,
         stdout=r"sources/papers\.lock\.json: lock format 99 is newer than this exporter reads \(format 2\); "
                r"upgrade exporter .+"),
    Case("lock: not UTF-8", write(LOCK, BAD_LOCK), ["build", "--offline"],
         rf"Error: sources/papers\.lock\.json:{BAD_LOCK_LINE}: unreadable lock file \(not UTF-8[^)]*\); "
         r"delete it and run 'exporter resolve'", 1),
    Case("lock: a record's damaged field", edit_lock(lambda d: d["records"]["arxiv"]["2109.01652"].update(title=None)),
         ["build", "--offline"],
         r"Error: sources/papers\.lock\.json:\d+: arxiv record '2109\.01652' has a damaged or missing 'title'; "
         r"fix it or delete it and run 'exporter resolve'", 1,),
    Case("lock: an Anthology record's damaged fields", edit_lock(lambda d: d["records"]["acl"]["2022.acl-long.244"].update(fields=[])),
         ["export", "--format", "bibtex"],
         r"Error: sources/papers\.lock\.json:\d+: acl record '2022\.acl-long\.244' has a damaged or missing "
         r"'fields'; fix it or delete it and run 'exporter resolve'", 1,),
    Case("lock: keys not a mapping", edit_lock(lambda d: d.update(keys=["wei2021finetuned"])), ["build", "--offline"],
         r"Error: sources/papers\.lock\.json(?::\d+)?: 'keys' must map entries to citation keys \(strings\); fix it "
         r"or delete it and run 'exporter resolve'", 1),
    Case("lock: a decision that is not {checked, match}",
         edit_lock(lambda d: d["published"].update({"arxiv:2109.01652": "2022.acl-long.1"})),
         ["build", "--offline"],
         r"Error: sources/papers\.lock\.json:\d+: [^\n]*'arxiv:2109\.01652'[^\n]*", 1,),
    Case("lock: damaged, add", write(LOCK, "{\n"), ["add", "2401.00001"],
         r"Error: sources/papers\.lock\.json:2: unreadable lock file \(.+\); delete it and run 'exporter resolve'", 1),

    # -- outputs that cannot be written ----------------------------------------------------------
    Case("export to a full device", nothing, ["export", "--format", "bibtex", "-o", "/dev/full"],
         r"Error: /dev/full: cannot write: No space left on device", 1),
    Case("export into a folder that cannot be made", make_file("blocker"),
         ["export", "--format", "ris", "-o", "blocker/deep/er/refs.ris"],
         r"Error: blocker/deep/er/refs\.ris: cannot write: Not a directory", 1),
    Case("export onto a folder", make_folder("refs.ris"), ["export", "--format", "ris", "-o", "refs.ris"],
         r"Error: refs\.ris: cannot write: Is a directory", 1),
    Case("outputs where no folder can be made", nothing, ["--outputs", "/proc/exporter-outputs", "build", "--offline"],
         r"Error: /proc/exporter-outputs/refs\.bib: cannot write: No such file or directory", 1),
    Case("a later output that is a folder", make_folder("outputs/refs.json"), ["build", "--offline"],
         r"Error: outputs/refs\.json: cannot write: Is a directory", 1,),
    Case("outputs option naming a device", nothing, ["--outputs", "/dev/full", "build", "--offline"],
         r"Error: /dev/full(?:/refs\.bib)?: cannot write: Not a directory", 1,),

    # -- every key of a paper, with a value of the wrong kind -------------------------------------
    Case("title not a string", override("title = 3"), ["build", "--offline"], E2 + r"'title' must be a string, not int", 1),
    Case("authors not a list", override('authors = "Jason Wei"'), ["build", "--offline"],
         E2 + r"'authors' must be a list, not str", 1),
    Case("an author table without family", override('authors = [{given = "Jason"}]'), ["build", "--offline"],
         E2 + r"'authors' must list names as strings or \{family = \.\.\., given = \.\.\.\} tables", 1),
    Case("venue not a string", override('venue = ["ICLR"]'), ["build", "--offline"], E2 + r"'venue' must be a string, not list", 1),
    Case("month 13", override("month = 13"), ["build", "--offline"], E2 + r"month 13 must be 1 to 12", 1),
    Case("doi not a string", override("doi = 10"), ["build", "--offline"], E2 + r"'doi' must be a string, not int", 1),
    Case("url not http", override('url = "ftp://example.org/paper.pdf"'), ["build", "--offline"],
         E2 + r"'url' must be an http\(s\) URL without spaces, not 'ftp://example\.org/paper\.pdf'", 1),
    Case("pages not a string", override("pages = 12"), ["build", "--offline"], E2 + r"'pages' must be a string, not int", 1),
    Case("publisher not a string", override("publisher = false"), ["build", "--offline"],
         E2 + r"'publisher' must be a string, not bool", 1),
    Case("abstract not a string", override("abstract = []"), ["build", "--offline"],
         E2 + r"'abstract' must be a string, not list", 1),
    Case("tags not a list", override('tags = "flan"'), ["build", "--offline"], E2 + r"'tags' must be a list, not str", 1),
    Case("tags not strings", override('tags = ["flan", 1]'), ["check"], r"1 problem", 1,
         stdout=E2[len("Error: "):] + r"'tags' must be a list of strings"),
    Case("note not a string", override("note = 1"), ["build", "--offline"], E2 + r"'note' must be a string, not int", 1),
    Case("code not http", override('code = "github.com/google-research/flan"'), ["build", "--offline"],
         E2 + r"'code' must be an http\(s\) URL without spaces, not 'github\.com/google-research/flan'", 1),
    Case("date not year.month", override('date = "2021-09"'), ["build", "--offline"],
         E2 + r"date '2021-09' must look like 2022\.5 \(year\.month\) or be empty", 1),
    Case("upgrade not true or false", override('upgrade = "no"'), ["build", "--offline"],
         E2 + r"'upgrade' must be true or false, not str", 1),
    Case("key with spaces", override('key = "wei 2021"'), ["build", "--offline"],
         E2 + r"citation key 'wei 2021' may only contain letters, digits and _:-\.\+/", 1),
    Case("unknown type", override('type = "article"'), ["build", "--offline"],
         E2 + r"type 'article' must be one of paper-conference, article-journal, chapter, report, webpage, book, thesis, document", 1),
    Case("year true", override("year = true"), ["export", "--format", "ris"], E2 + r"'year' must be an integer, not bool", 1),
    Case("a manual title without letters", append('\n[[papers]]\ntitle = "!!!"\nauthors = ["A. Author"]\nyear = 2020\n'),
         ["build", "--offline"], r"Error: sources/papers\.toml:236: entry 68 \(title = '!!!'\): title '!!!' has no letters "
         r"or digits to tell the paper by", 1),
    Case("a thesis without its school", append('\n[[papers]]\ntype = "thesis"\ntitle = "A Thesis"\nauthors = ["A. Author"]\n'
                                               'year = 2020\n'), ["build", "--offline"],
         r"Error: sources/papers\.toml:236: entry 68 \(title = 'A Thesis'\): a thesis needs 'publisher': its school", 1),
    Case("duplicate manual titles", append('\n[[papers]]\ntitle = "A Blog"\nauthors = ["A"]\nyear = 2020\n\n'
                                           '[[papers]]\ntitle = "a blog!"\nauthors = ["A"]\nyear = 2021\n'),
         ["build", "--offline"], r"Error: sources/papers\.toml:241: entry 69 \(manual:a-blog\): duplicate title 'a blog!', "
         r"already used by entry 68 \(line 235\)", 1),
    Case("duplicate Anthology id as a URL", append('\n[[papers]]\nacl = "https://aclanthology.org/2022.acl-long.244/"\n'),
         ["build", "--offline"], r"Error: sources/papers\.toml:236: entry 68 \(acl:2022\.acl-long\.244\): duplicate acl "
         r"'2022\.acl-long\.244', already used by entry 1 \(line 22\)", 1),

    # -- [list], and the file's shape -------------------------------------------------------------
    Case("[list] bibtex_dialect", replace(SECTION, SECTION + 'bibtex_dialect = "natbib"\n'), ["build", "--offline"],
         L4 + r"'bibtex_dialect' must be \"bibtex\" or \"biblatex\", not 'natbib'", 1),
    Case("[list] bibtex_unicode not true or false", replace(SECTION, SECTION + 'bibtex_unicode = "yes"\n'),
         ["build", "--offline"], L4 + r"'bibtex_unicode' must be true or false", 1),
    Case("[list] badges not strings", replace('  "![](https://img.shields.io/badge/PRs-welcome-brightgreen)",\n', "  1,\n"),
         ["build", "--offline"], L4 + r"'badges' must be a list of strings", 1),
    Case("[list] unknown key", replace(SECTION, SECTION + 'headng = "x"\n'), ["check"], r"1 problem", 1,
         stdout=L4[len("Error: "):] + r"unknown key 'headng'; allowed: heading, badges, .+"),
    Case("[list] template not a string", replace(SECTION, SECTION + "template = 3\n"), ["build", "--offline"],
         L4 + r"'template' must be a string", 1),
    Case("papers not an array of tables", write(SOURCES, 'papers = "2109.01652"\n'), ["build", "--offline"],
         r"Error: sources/papers\.toml:1: 'papers' must be an array of tables \(\[\[papers\]\]\)", 1,),
    Case("list not a table", write(SOURCES, 'list = "Papers"\n\n[[papers]]\narxiv = "2109.01652"\n'), ["build", "--offline"],
         r"Error: sources/papers\.toml:1: 'list' must be a table", 1,),

    # -- add -------------------------------------------------------------------------------------
    Case("add: another site's URL", nothing, ["add", "https://example.com/abs/2109.01652"],
         r"Error: 'https://example\.com/abs/2109\.01652': 'https://example\.com/abs/2109\.01652' " + NOT_AN_ID, 1),
    Case("add: a DOI of neither service", nothing, ["add", "10.1234/foo"],
         r"Error: '10\.1234/foo': '10\.1234/foo' " + NOT_AN_ID, 1),
    Case("add: one bad id among good ones", nothing, ["add", "2401.00001", "not-an-id"],
         r"Error: 'not-an-id': 'not-an-id' " + NOT_AN_ID, 1),
    Case("add: a listed arXiv id", nothing, ["add", "2109.01652"],
         r"Error: 2109\.01652: already in the list as sources/papers\.toml:26: entry 2 \(arxiv:2109\.01652\) "
         r"'Finetuned Language Models Are Zero-Shot Learners' \(the same arXiv id\); nothing changed", 1),
    Case("add: another version of a listed id", nothing, ["add", "https://arxiv.org/abs/2109.01652v2"],
         r"Error: https://arxiv\.org/abs/2109\.01652v2: already in the list as sources/papers\.toml:26: entry 2 "
         r"\(arxiv:2109\.01652\) .+ \(the same arXiv id\); nothing changed", 1),
    Case("add: a listed Anthology id", nothing, ["add", "2022.acl-long.244"],
         r"Error: 2022\.acl-long\.244: already in the list as sources/papers\.toml:22: entry 1 \(arxiv:2104\.08773\) "
         r".+ \(the same ACL Anthology id\); nothing changed", 1),
    Case("add: papers as an inline array", write(SOURCES, 'papers = [{arxiv = "2109.01652"}]\n'), ["add", "2110.08207"],
         r"Error: sources/papers\.toml(?::1)?: its papers are an inline array \(papers = \[\.\.\.\]\); write them as "
         r"\[\[papers\]\] tables to add papers", 1),
    Case("add: malformed sources", replace('arxiv = "2109.01652"', 'arxiv = "2109.01652'), ["add", "2401.00001"],
         r"Error: sources/papers\.toml:27: invalid TOML: .+", 1),

    # -- import ------------------------------------------------------------------------------------
    Case("import: a folder", make_folder("lists"), ["import", "lists"],
         usage(r"Invalid value for 'FILE': File 'lists' is a directory\."), 2),
    Case("import: an unknown extension", write("list.txt", "- [A paper](https://arxiv.org/abs/2401.00001)\n"),
         ["import", "list.txt"],
         r"Error: list\.txt: cannot import a '\.txt' file; give a Markdown paper list \(\.md, \.markdown\) or a "
         r"BibTeX file \(\.bib\)", 1),
    Case("import: a binary file", write("list.docx", b"PK\x03\x04\x14\x00\x06\x00\xff\xfe"), ["import", "list.docx"],
         r"Error: list\.docx: cannot import a '\.docx' file; .+", 1,),
    Case("import: an empty Markdown file", write("list.md", b""), ["import", "list.md"],
         r"sources/papers\.toml: imported 0 of 0 papers from list\.md; 0 lines not understood, 0 papers not imported", 1),
    Case("import: a broken .bib entry", write("refs.bib", "@article{x,\n title = {A},\n"), ["import", "refs.bib"],
         r"refs\.bib:1: not imported: .+\nsources/papers\.toml: imported 0 of 0 papers from refs\.bib; 1 lines not "
         r"understood, 0 papers not imported", 1, lines=2),
    Case("import: into malformed sources",
         both(replace('arxiv = "2109.01652"', 'arxiv = "2109.01652'),
              write("refs.bib", "@misc{a, title = {A}, eprint = {2401.00001}, archivePrefix = {arXiv}}\n")),
         ["import", "refs.bib"], r"Error: sources/papers\.toml:27: invalid TOML: .+", 1),

    # -- options -----------------------------------------------------------------------------------
    Case("sources option naming a folder", nothing, ["--sources", "sources", "build", "--offline"],
         usage(r"Invalid value for '--sources': File 'sources' is a directory\."), 2),
    Case("sources option naming a missing file", nothing, ["--sources", "elsewhere/papers.toml", "build", "--offline"],
         r"Error: elsewhere/papers\.toml: file not found \(looked in /.+/elsewhere\); run exporter in the list's folder, "
         r"pass --sources, or start one with 'exporter add' or 'exporter import'", 1),
    Case("sources option naming a missing file: check", nothing, ["--sources", "elsewhere/papers.toml", "check"],
         r"1 problem", 1, stdout=r"elsewhere/papers\.toml: file not found \(looked in /.+/elsewhere\); .+"),
    Case("arxiv-url not http", nothing, ["build", "--arxiv-url", "ftp://export.arxiv.org/api/query"],
         usage(r"Invalid value for '--arxiv-url': 'ftp://export\.arxiv\.org/api/query' is not an http\(s\) URL"), 2),
    Case("arxiv-url not a URL", nothing, ["resolve", "--arxiv-url", "not a url"],
         usage(r"Invalid value for '--arxiv-url': 'not a url' is not an http\(s\) URL"), 2),
    Case("arxiv-url without a scheme, from the environment", nothing, ["resolve"],
         usage(r"Invalid value for '--arxiv-url': 'localhost:8080' is not an http\(s\) URL"), 2,
         env={"EXPORTER_ARXIV_URL": "localhost:8080"}),
    Case("acl-url with a bad port", nothing, ["resolve", "--acl-url", "http://localhost:99999"],
         usage(r"Invalid value for '--acl-url': 'http://localhost:99999' is not a URL: Port out of range 0-65535"), 2),
    Case("timeout zero", nothing, ["resolve", "--timeout", "0"],
         usage(r"Invalid value for '--timeout': 0\.0 is not in the range x>=0\.1\."), 2),
    Case("timeout not a number", nothing, ["build", "--timeout", "abc"],
         usage(r"Invalid value for '--timeout': 'abc' is not a valid float range\."), 2),
    Case("timeout negative, from the environment", nothing, ["resolve"],
         usage(r"Invalid value for '--timeout': -1\.0 is not in the range x>=0\.1\."), 2, env={"EXPORTER_TIMEOUT": "-1"}),
    Case("retries negative", nothing, ["resolve", "--retries", "-1"],
         usage(r"Invalid value for '--retries': -1 is not in the range x>=0\."), 2),
    Case("unknown bibtex dialect", nothing, ["build", "--bibtex-dialect", "natbib"],
         usage(r"Invalid value for '--bibtex-dialect': 'natbib' is not one of 'bibtex', 'biblatex'\."), 2),
    Case("export without a format", nothing, ["export"], usage(r"Missing option '--format'\.(?:.|\n)*"), 2),
    Case("validate: unknown check", nothing, ["validate", "--check", "nope"],
         usage(r"Invalid value for --check: no check 'nope'; choose from .+"), 2),
]


def _param(case: Case) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=f"defect: {case.defect}")] if case.defect else []
    return pytest.param(case, id=case.name, marks=marks)


def test_the_table_is_large_and_its_names_unique() -> None:
    assert len(CASES) >= 60
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input_is_one_line_and_a_nonzero_exit(tmp_path: Path, case: Case, request: pytest.FixtureRequest) -> None:
    shutil.copytree(ROOT / "sources", tmp_path / "sources")
    case.setup(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    env = {**os.environ, "EXPORTER_ARXIV_URL": "http://127.0.0.1:9/api/query", "EXPORTER_ACL_URL": "http://127.0.0.1:9",
           "EXPORTER_ARXIV_DELAY": "0", "EXPORTER_RETRIES": "0"}
    if case.fake:
        services = request.getfixturevalue("fake_services")
        env.update(EXPORTER_ARXIV_URL=services.arxiv_url, EXPORTER_ACL_URL=services.acl_url)
    env.update(case.env)
    result = subprocess.run([sys.executable, "-m", "exporter", *case.args], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode == case.code, result.stderr
    assert re.fullmatch(case.stderr + r"\n", result.stderr), result.stderr
    if case.stdout:  # check prints its problems on standard output, one per line, and their count on stderr
        assert re.fullmatch(case.stdout + r"\n", result.stdout), result.stdout
    else:
        assert result.stdout == ""
    if case.code == 1:
        assert result.stderr.count("\n") == case.lines
    # Nothing half-written, nothing changed: the same files with the same bytes.
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before
