"""`exporter validate`: read an outputs folder back with the real clients and check that they agree.

Each check is a small function `(outputs) -> Result`: LaTeX with BibTeX and with biber, pandoc's
citeproc, the CSL-JSON schema, rispy, citation-js, markdown-it-py, and the Typst compiler on refs.yml
and refs.bib. A missing tool fails its check.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from exporter.errors import ExporterError

BIB, CSL, RIS, MARKDOWN, YML = "refs.bib", "refs.json", "refs.ris", "README.md", "refs.yml"

# Seconds per run of a tool: a cold TeX run (font maps, format) can take a while, a hung one must not.
TEX_TIMEOUT = 180.0
TOOL_TIMEOUT = 120.0

# What to install when a tool or a TeX file is missing (the names .ci/run installs).
INSTALL = {
    "pdflatex": "Debian package texlive-latex-base",
    "bibtex": "Debian package texlive-latex-base (bibtex comes with texlive-binaries)",
    "kpsewhich": "Debian package texlive-latex-base (kpsewhich comes with texlive-binaries)",
    "natbib.sty": "Debian package texlive-latex-base",
    "plainnat.bst": "Debian package texlive-latex-base",
    "biblatex.sty": "Debian package texlive-bibtex-extra",
    "biber": "Debian package biber",
    "pandoc": "Debian package pandoc (2.11 or later, for --citeproc)",
    "node": "Debian package nodejs (Node 18 or later)",
    "citation-js": "its npm packages: npm ci --prefix tools/citationjs",
    "bibtexparser": "Python package bibtexparser (pip install exporter)",
    "jsonschema": "Python package jsonschema (pip install 'exporter[test]')",
    "rispy": "Python package rispy (pip install 'exporter[test]')",
    "markdown_it": "Python package markdown-it-py (pip install 'exporter[test]')",
    "typst": "Python package typst, 0.14 or later (pip install 'exporter[test]')",
    "yaml": "Python package PyYAML (pip install 'exporter[test]')",
}
ACL_NATBIB = "acl_natbib.bst"


class CheckError(ExporterError):
    """One check found a problem (or could not run); its message is the check's detail line."""


@dataclass(frozen=True)
class Result:
    """The outcome of one check: `detail` says what was checked, or what went wrong.

    `skipped` is only for a check that does not apply to the file (BibTeX styles on a
    biblatex-native refs.bib); a missing tool is a failure, never a skip.
    """

    name: str
    ok: bool
    detail: str
    skipped: bool = False

    @property
    def line(self) -> str:
        """The line `exporter validate` prints: `PASS name: detail`, `FAIL ...` or `SKIP ...`."""
        return f"{'SKIP' if self.skipped else 'PASS' if self.ok else 'FAIL'} {self.name}: {self.detail}"


class NotApplicableError(Exception):
    """Raised by a check that does not apply to these outputs; the message says why."""


CHECKS: dict[str, Callable[[Path], Result]] = {}


def check(name: str) -> Callable[[Callable[[Path], str]], Callable[[Path], Result]]:
    """Register a check: the function returns its detail, or raises CheckError to fail."""

    def register(func: Callable[[Path], str]) -> Callable[[Path], Result]:
        @functools.wraps(func)
        def run(outputs: Path) -> Result:
            try:
                return Result(name, True, func(outputs))
            except NotApplicableError as exc:
                return Result(name, True, str(exc), skipped=True)
            except CheckError as exc:
                return Result(name, False, str(exc))
            except Exception as exc:  # a parser that crashes on the file is that check's failure
                return Result(name, False, f"{type(exc).__name__}: {_one_line(str(exc))}")

        CHECKS[name] = run
        return run

    return register


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


# --- helpers ---------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _problems(what: str, problems: Sequence[str], shown: int = 3) -> CheckError:
    """A CheckError listing the first problems and how many more there are."""
    more = f" (and {len(problems) - shown} more)" if len(problems) > shown else ""
    return CheckError(f"{what}: " + "; ".join(problems[:shown]) + more)


def _tool(name: str) -> str:
    """The path of an executable, or a CheckError naming what to install."""
    path = shutil.which(name)
    if path is None:
        raise CheckError(f"{name} not found: install {INSTALL[name]}")
    return path


def _module(name: str) -> Any:
    from importlib import import_module

    try:
        return import_module(name)
    except ImportError as exc:
        raise CheckError(f"{name} not importable: install {INSTALL[name]}") from exc


def _run(cmd: Sequence[str], cwd: Path, timeout: float = TOOL_TIMEOUT) -> subprocess.CompletedProcess[str]:
    """Run a tool (never through a shell) with a timeout; its output is captured as text."""
    try:
        return subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, encoding="utf-8",
                              errors="replace", timeout=timeout, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired as exc:
        raise CheckError(f"{Path(cmd[0]).name} timed out after {timeout:g} s") from exc


def _read(outputs: Path, name: str) -> str:
    path = outputs / name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CheckError(f"{path} not found: run 'exporter build' first") from exc
    except UnicodeDecodeError as exc:
        raise CheckError(f"{path} is not UTF-8: {exc}") from exc


def _csl_items(outputs: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(_read(outputs, CSL))
    except json.JSONDecodeError as exc:
        raise CheckError(f"{outputs / CSL} is not JSON: {exc}") from exc
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise CheckError(f"{outputs / CSL} is not a list of CSL-JSON items")
    return data


def _norm(text: str) -> str:
    """Text compared across formats: NFC, white space collapsed (no-break spaces too)."""
    return _one_line(unicodedata.normalize("NFC", text).replace("\u00a0", " "))


def _letters(text: str) -> str:
    """Only letters and digits, case-folded: for output that a style may re-case and re-punctuate."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def _family_names(names: Any) -> list[str]:
    return [_norm(n.get("family") or n.get("literal") or "") for n in names or []]


@functools.lru_cache(maxsize=8)
def _kpsewhich(name: str) -> str:
    """Where TeX finds a file (`kpsewhich natbib.sty`), or "" if it does not."""
    proc = _run([_tool("kpsewhich"), name], Path.cwd(), timeout=30)
    return proc.stdout.strip()


def _need_tex_file(name: str) -> None:
    if not _kpsewhich(name):
        raise CheckError(f"{name} not found by TeX: install {INSTALL[name]}")


# --- LaTeX ---------------------------------------------------------------------------

# \tracinglostchars=1: a character no font has is logged ("Missing character"), not silently dropped.
_NATBIB_DOC = r"""\documentclass{article}
\tracinglostchars=1
\usepackage{natbib}
\usepackage{url}
\begin{document}
\nocite{*}
\bibliographystyle{%s}
\bibliography{refs}
\end{document}
"""
_BIBLATEX_DOC = r"""\documentclass{article}
\tracinglostchars=1
\usepackage[backend=biber]{biblatex}
\addbibresource{refs.bib}
\begin{document}
\nocite{*}
\printbibliography
\end{document}
"""


def _pdflatex(tmp: Path) -> subprocess.CompletedProcess[str]:
    return _run([_tool("pdflatex"), "-interaction=nonstopmode", "-no-shell-escape", "-file-line-error", "doc.tex"],
                tmp, TEX_TIMEOUT)


def _bbl_items(bbl: str, start: str) -> list[tuple[str, str]]:
    """(key, text) of each item of a .bbl: `\\bibitem[label]{key}` (BibTeX) or `\\entry{key}` (biber)."""
    items = []
    for chunk in bbl.split(start)[1:]:
        m = re.match(r"\s*(?:\[(?:[^\[\]]|\[[^\]]*\])*\])?\s*\{([^{}]+)\}", chunk, re.S)
        items.append((m[1] if m else "?", chunk))
    return items


def _bbl_key_at(bbl: str, line: int, start: str) -> str:
    """The key of the .bbl item that holds a line (for LaTeX errors reported as `doc.bbl:LINE:`)."""
    head = "\n".join(bbl.splitlines()[:line])
    items = _bbl_items(head, start)
    return items[-1][0] if items else "?"


def _latex_problems(tmp: Path, start: str) -> list[str]:
    """Errors and warnings of the last LaTeX run, errors in the .bbl named by entry key."""
    log = (tmp / "doc.log").read_text(encoding="utf-8", errors="replace")
    bbl_path = tmp / "doc.bbl"
    bbl = bbl_path.read_text(encoding="utf-8", errors="replace") if bbl_path.exists() else ""
    problems = []
    for m in re.finditer(r"^(?:\./)?(doc\.(?:tex|bbl)):(\d+): (.*)$", log, re.M):
        where = f"entry {_bbl_key_at(bbl, int(m[2]), start)}" if m[1] == "doc.bbl" else f"{m[1]}:{m[2]}"
        problems.append(f"LaTeX error in {where}: {m[3].strip()}")
    # Warnings may wrap at 79 columns; the first line names the problem well enough.
    problems += [f"LaTeX log: {_one_line(w)}" for w in
                 re.findall(r"^(?:LaTeX|LaTeX Font|Package \S+|Class \S+|pdfTeX) [Ww]arning: .*$", log, re.M)]
    problems += [f"LaTeX log: {line}" for line in re.findall(r"^Missing character: .*$", log, re.M)]
    return problems


def _bibtex_blg_problems(blg: str) -> list[str]:
    """BibTeX's warnings (`Warning--...`) and errors (`...---line N of file refs.bib`) in its .blg."""
    lines = blg.splitlines()
    problems = [f"BibTeX {line}" for line in lines if line.startswith("Warning--")]
    problems += [f"BibTeX error: {line}" for line in lines
                 if re.search(r"---line \d+ of file|^I couldn't|^I found no|^Illegal|^Sorry", line)]
    return problems


def _latex_bibtex(bib: str, style: str) -> tuple[str, int]:
    """Run pdflatex, bibtex, pdflatex x2 with natbib and `style`; return the .bbl and its item count."""
    with tempfile.TemporaryDirectory(prefix="exporter-bibtex-") as name:
        tmp = Path(name)
        (tmp / BIB).write_text(bib, encoding="utf-8")
        (tmp / "doc.tex").write_text(_NATBIB_DOC % style.removesuffix(".bst"), encoding="utf-8")
        _pdflatex(tmp)
        proc = _run([_tool("bibtex"), "doc"], tmp, TEX_TIMEOUT)
        blg = (tmp / "doc.blg").read_text(encoding="utf-8", errors="replace") if (tmp / "doc.blg").exists() else ""
        problems = _bibtex_blg_problems(blg)
        if proc.returncode >= 2 and not problems:
            problems.append(f"bibtex exited {proc.returncode}: {_one_line(proc.stdout)[-300:]}")
        _pdflatex(tmp)
        last = _pdflatex(tmp)
        problems += _latex_problems(tmp, r"\bibitem")
        if last.returncode and not problems:
            problems.append(f"pdflatex exited {last.returncode}")
        if problems:
            raise _problems(f"{style}: {len(problems)} problem(s)", problems)
        bbl = (tmp / "doc.bbl").read_text(encoding="utf-8", errors="replace")
        return bbl, len(_bbl_items(bbl, r"\bibitem"))


_PROTECTED = re.compile(r"\{([^{}\\]*[A-Z][^{}\\]*)\}")  # {FLAN}, {T0}, {Chinese}: a group with a capital
_ACCENT = re.compile(
    r"\\(?:[`'^\"~=.]|[uvHckrbdt](?![A-Za-z]))\s*(?:\{\\?[A-Za-z]\}|\\?[A-Za-z])"  # \v{S} \'a \'{\i}
    r"|\\(?:ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z])"  # \o \l \ss
)


def _needs_capitals(word: str) -> bool:
    """LLaMA, GPT, T0: capitals after the first letter, or a capital with a digit (not Zero)."""
    return any(c.isupper() for c in word[1:]) or (any(c.isupper() for c in word) and any(c.isdigit() for c in word))


def _bbl_survivors(bib: str, bbl: str) -> tuple[int, int, list[str]]:
    """Protected capitals and accent macros of each entry's title and authors, found in its .bbl item."""
    from exporter.model import from_latex

    bibtexparser = _module("bibtexparser")
    items = {key: _one_line(text) for key, text in _bbl_items(bbl, r"\bibitem")}
    protected = accents = 0
    lost = []
    for entry in bibtexparser.parse_string(bib).entries:
        text = items.get(entry.key)
        if text is None:
            lost.append(f"{entry.key}: no \\bibitem")
            continue
        fields = entry.fields_dict
        title = _one_line(fields["title"].value) if "title" in fields else ""
        # Brace-protected groups, and any word with inner capitals even if unprotected (styles lowercase it).
        words = set(_PROTECTED.findall(title)) | set(filter(_needs_capitals, re.findall(r"\b[A-Za-z0-9]+\b", from_latex(title))))
        for word in sorted(words):
            protected += 1
            if word not in text:
                lost.append(f"{entry.key}: {word!r} lost its capitals")
        for field in ("title", "author"):
            value = _one_line(fields[field].value) if field in fields else ""
            # Accents written as LaTeX ({\v{S}}), or as UTF-8 words (Štefánik, with --bibtex-unicode).
            for macro in _ACCENT.findall(value) + re.findall(r"\w*[^\x00-\x7f]\w*", value):
                accents += 1
                # Styles lowercase titles, accented letters too ({\'E} -> {\'e}); names keep their case.
                found = macro.lower() in text.lower() if field == "title" else macro in text
                if not found:
                    lost.append(f"{entry.key}: {field} {macro} lost")
    return protected, accents, lost


def _biblatex_dialect(bib: str) -> bool:
    """Whether refs.bib was written for biblatex (`--bibtex-dialect biblatex`): @online, or a date and no year."""
    entries = _module("bibtexparser").parse_string(bib).entries
    return any(e.entry_type.lower() == "online" or ("date" in e.fields_dict and "year" not in e.fields_dict)
               for e in entries)


@check("bibtex")
def check_bibtex(outputs: Path) -> str:
    """pdflatex + bibtex (natbib, plainnat; also acl_natbib if TeX has it): clean runs, capitals and accents kept."""
    bib = _read(outputs, BIB)
    if _biblatex_dialect(bib):
        raise NotApplicableError("refs.bib is biblatex-native (@online, date without year): "
                            "BibTeX styles do not read it; the biber checks do")
    for name in ("pdflatex", "bibtex"):
        _tool(name)
    for name in ("natbib.sty", "plainnat.bst"):
        _need_tex_file(name)
    bbl, count = _latex_bibtex(bib, "plainnat")
    protected, accents, lost = _bbl_survivors(bib, bbl)
    if lost:
        raise _problems(f"plainnat .bbl: {len(lost)} lost", lost)
    detail = (f"{count} entries; plainnat: 0 errors, 0 warnings in .blg and LaTeX log; "
              f"{protected} protected or inner-capital words and {accents} accents kept in .bbl")
    if _kpsewhich(ACL_NATBIB):
        acl_count = _latex_bibtex(bib, ACL_NATBIB)[1]
        detail += f"; {ACL_NATBIB}: {acl_count} entries, 0 errors, 0 warnings"
    else:
        detail += f"; {ACL_NATBIB}: not shipped by this TeX Live, not checked"
    return detail


@check("biber")
def check_biber(outputs: Path) -> str:
    """pdflatex + biber + pdflatex x2 with biblatex: no WARN or ERROR in the .blg, a clean LaTeX log."""
    bib = _read(outputs, BIB)
    for name in ("pdflatex", "biber"):
        _tool(name)
    _need_tex_file("biblatex.sty")
    with tempfile.TemporaryDirectory(prefix="exporter-biber-") as name:
        tmp = Path(name)
        (tmp / BIB).write_text(bib, encoding="utf-8")
        (tmp / "doc.tex").write_text(_BIBLATEX_DOC, encoding="utf-8")
        _pdflatex(tmp)
        proc = _run([_tool("biber"), "doc"], tmp, TEX_TIMEOUT)
        blg = (tmp / "doc.blg").read_text(encoding="utf-8", errors="replace") if (tmp / "doc.blg").exists() else ""
        problems = [f"biber {m}" for m in re.findall(r"> ((?:WARN|ERROR) - .*)$", blg, re.M)]
        if proc.returncode and not problems:
            problems.append(f"biber exited {proc.returncode}: {_one_line(proc.stdout)[-300:]}")
        _pdflatex(tmp)
        _pdflatex(tmp)
        problems += _latex_problems(tmp, r"\entry")
        if problems:
            raise _problems(f"{len(problems)} problem(s)", problems)
        count = len(_bbl_items((tmp / "doc.bbl").read_text(encoding="utf-8", errors="replace"), r"\entry"))
    return f"{count} entries; 0 errors, 0 warnings in .blg and LaTeX log"


@check("biber-datamodel")
def check_biber_datamodel(outputs: Path) -> str:
    """`biber --tool --validate-datamodel refs.bib`: every entry type and field in biblatex's data model."""
    bib = _read(outputs, BIB)
    biber = _tool("biber")
    with tempfile.TemporaryDirectory(prefix="exporter-datamodel-") as name:
        tmp = Path(name)
        (tmp / BIB).write_text(bib, encoding="utf-8")
        proc = _run([biber, "--tool", "--validate-datamodel", "--output-file", str(tmp / "out.bib"), BIB], tmp)
    found = re.findall(r"^(?:WARN|ERROR) - (.*)$", proc.stdout + proc.stderr, re.M)
    # The classic dialect writes archivePrefix (read by BibTeX styles and arXiv's own export)
    # next to eprinttype (which Zotero needs); biber maps the first to the second only when
    # the second is absent, so it reports the leftover. That one warning is expected there,
    # and nowhere else: a biblatex-dialect file must be silent.
    alias = re.compile(r"Datamodel: Entry '[^']*' \([^)]*\): Field 'archiveprefix' invalid in data model - ignoring")
    aliased = [] if _biblatex_dialect(bib) else [p for p in found if alias.fullmatch(p)]
    found = [p for p in found if p not in aliased]
    if found:
        # One line per kind of problem, with the entries that have it (biber's order varies: sort).
        entries: dict[str, list[str]] = {}
        for problem in found:
            m = re.fullmatch(r"Datamodel: Entry '([^']*)' \([^)]*\): (.*)", problem)
            entries.setdefault(m[2] if m else problem, []).append(m[1] if m else "")
        kinds = [f"{kind}: {len(keys)} entr{'y' if len(keys) == 1 else 'ies'} ({', '.join(sorted(keys)[:3])}"
                 f"{', ...' if len(keys) > 3 else ''})" if any(keys) else kind for kind, keys in sorted(entries.items())]
        raise _problems(f"{len(found)} problem(s)", kinds)
    if proc.returncode:
        raise CheckError(f"biber exited {proc.returncode}: {_one_line(proc.stdout + proc.stderr)[-300:]}")
    if aliased:
        return (f"no WARN or ERROR but the classic dialect's archivePrefix beside eprinttype "
                f"({len(aliased)} entries; biber ignores it); --bibtex-dialect biblatex is fully silent")
    return "no WARN or ERROR"


def _pandoc_text(node: Any) -> str:
    """The text of a pandoc JSON AST node: Str and spaces, recursively."""
    if isinstance(node, list):
        return "".join(_pandoc_text(n) for n in node)
    if isinstance(node, dict):
        kind = node.get("t")
        if kind == "Str":
            return str(node["c"])
        if kind in ("Space", "SoftBreak", "LineBreak"):
            return " "
        return _pandoc_text(node.get("c", []))
    return ""


def _pandoc_refs(node: Any, found: dict[str, str]) -> None:
    """Collect the `ref-KEY` divs citeproc writes, with their text."""
    if isinstance(node, list):
        for n in node:
            _pandoc_refs(n, found)
    elif isinstance(node, dict):
        if node.get("t") == "Div" and str(node["c"][0][0]).startswith("ref-"):
            found[node["c"][0][0].removeprefix("ref-")] = _pandoc_text(node["c"][1])
        else:
            _pandoc_refs(node.get("c", []), found)
        _pandoc_refs(node.get("blocks", []), found)


@check("pandoc-citeproc")
def check_pandoc(outputs: Path) -> str:
    """`pandoc --citeproc` with `nocite: '@*'`: every entry rendered with its title, nothing on stderr."""
    text = _read(outputs, CSL)
    items = _csl_items(outputs)
    pandoc = _tool("pandoc")
    with tempfile.TemporaryDirectory(prefix="exporter-pandoc-") as name:
        tmp = Path(name)
        (tmp / CSL).write_text(text, encoding="utf-8")
        (tmp / "doc.md").write_text("---\nnocite: '@*'\n---\n\n# References\n", encoding="utf-8")
        proc = _run([pandoc, "--citeproc", "--bibliography", CSL, "--from", "markdown", "--to", "json", "doc.md"], tmp)
    if proc.stderr.strip():
        raise _problems("pandoc said", proc.stderr.strip().splitlines())
    if proc.returncode:
        raise CheckError(f"pandoc exited {proc.returncode}")
    refs: dict[str, str] = {}
    _pandoc_refs(json.loads(proc.stdout), refs)
    problems = [f"{item.get('id')}: not rendered" for item in items if str(item.get("id")) not in refs]
    if len(refs) != len(items) and not problems:
        problems.append("ids are not unique")
    problems += [f"{item['id']}: title {item.get('title', '')!r} not in {refs[str(item['id'])][:80]!r}"
                 for item in items if str(item.get("id")) in refs
                 and _letters(item.get("title", "")) not in _letters(refs[str(item["id"])])]
    if problems:
        raise _problems(f"{len(refs)} of {len(items)} rendered", problems)
    return f"{len(refs)} entries rendered with their titles; no warnings"


@check("csl-schema")
def check_csl_schema(outputs: Path) -> str:
    """refs.json against the official CSL-JSON schema (csl-data.json, shipped in exporter/data)."""
    from importlib.resources import files

    data = _csl_items(outputs)
    jsonschema = _module("jsonschema")
    schema = json.loads((files("exporter") / "data" / "csl-data.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        path = list(error.absolute_path)
        where = f"item {path[0]} ({data[path[0]].get('id', 'no id')})" if path and isinstance(path[0], int) else "root"
        problems.append(f"{where}: {'/'.join(map(str, path[1:])) + ': ' if path[1:] else ''}{error.message}")
    if problems:
        raise _problems(f"{len(problems)} schema error(s)", problems)
    return f"{len(data)} items valid against CSL-JSON schema 1.0.2"


@check("rispy")
def check_rispy(outputs: Path) -> str:
    """refs.ris re-read with rispy: one record per TY ... ER, each with a type, ID, title and authors."""
    text = _read(outputs, RIS)
    rispy = _module("rispy")
    records = rispy.loads(text)
    starts = len(re.findall(r"^TY  - ", text, re.M))
    ends = len(re.findall(r"^ER  - ?$", text, re.M))
    problems = []
    if not len(records) == starts == ends:
        problems.append(f"{len(records)} records read, {starts} TY lines, {ends} ER lines")
    for i, record in enumerate(records):
        for key in ("type_of_reference", "id", "title", "authors"):
            if not record.get(key):
                problems.append(f"record {i + 1} ({record.get('id', 'no ID')}): no {key}")
    ids = [r.get("id") for r in records]
    problems += [f"ID {i} used twice" for i in sorted({i for i in ids if i and ids.count(i) > 1})]
    if problems:
        raise _problems("rispy", problems)
    unknown = sorted({tag for r in records for tag in r.get("unknown_tag", {})})
    note = f" (tags rispy does not map, kept as unknown_tag: {', '.join(unknown)})" if unknown else ""
    return f"{len(records)} records, one per entry{note}"


def citationjs_dir() -> Path:
    """tools/citationjs: $EXPORTER_CITATIONJS, else beside this package in a checkout, else under the cwd."""
    if os.environ.get("EXPORTER_CITATIONJS"):
        return Path(os.environ["EXPORTER_CITATIONJS"])
    beside = Path(__file__).resolve().parents[1] / "tools" / "citationjs"
    return beside if beside.is_dir() else Path.cwd() / "tools" / "citationjs"


@check("citation-js")
def check_citationjs(outputs: Path) -> str:
    """citation-js parses refs.ris, refs.bib and refs.json: same papers, titles and family names as refs.json."""
    items = _csl_items(outputs)
    node = _tool("node")
    tool = citationjs_dir()
    if not (tool / "node_modules" / "@citation-js" / "core").is_dir() or not (tool / "read.js").is_file():
        raise CheckError(f"citation-js not installed in {tool}: install {INSTALL['citation-js']}")
    files = [str((outputs / name).resolve()) for name in (RIS, BIB, CSL)]
    for path in files:
        if not Path(path).is_file():
            raise CheckError(f"{path} not found: run 'exporter build' first")
    proc = _run([node, str(tool / "read.js"), *files], tool)
    if proc.returncode:
        raise _problems("citation-js", proc.stderr.strip().splitlines() or [f"node exited {proc.returncode}"])
    parsed = json.loads(proc.stdout)
    want = [(str(i.get("id")), _norm(i.get("title", "")), _family_names(i.get("author"))) for i in items]
    problems = []
    for path, name in zip(files, (RIS, BIB, CSL)):
        got = [(str(i.get("id")), _norm(i.get("title", "")), _family_names(i.get("author"))) for i in parsed[path]]
        if [w[0] for w in want] != [g[0] for g in got]:
            problems.append(f"{name}: {len(got)} entries {_first_difference([w[0] for w in want], [g[0] for g in got])}")
            continue
        for (key, title, families), (_, got_title, got_families) in zip(want, got):
            if title != got_title:
                problems.append(f"{name} {key}: title {got_title!r} != {title!r}")
            if families != got_families:
                problems.append(f"{name} {key}: family names {got_families} != {families}")
    if problems:
        raise _problems(f"{len(problems)} difference(s) from refs.json", problems)
    return f"{len(items)} entries in refs.ris, refs.bib and refs.json; ids, titles and family names agree"


def _first_difference(want: Sequence[str], got: Sequence[str]) -> str:
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    if missing or extra:
        return f"(missing {missing[:3]}, unexpected {extra[:3]})"
    return "(in another order)"


# --- README.md -----------------------------------------------------------------------


@dataclass(frozen=True)
class ListedPaper:
    """A paper as the Markdown list shows it: bold title, italic authors, `[[paper]](link)`."""

    title: str
    authors: str
    link: str
    line: int


def _inline_text(tokens: Sequence[Any]) -> str:
    return "".join(t.content if t.type in ("text", "code_inline") else " " if t.type == "softbreak" else ""
                   for t in tokens)


def _between(children: Sequence[Any], kind: str) -> str:
    """The text inside the first `kind` (strong, em) span of an inline token's children."""
    start = next((i for i, t in enumerate(children) if t.type == f"{kind}_open"), None)
    if start is None:
        return ""
    end = next(i for i in range(start, len(children)) if children[i].type == f"{kind}_close")
    return _inline_text(children[start + 1 : end])


def _markdown_tokens(outputs: Path) -> list[Any]:
    markdown_it = _module("markdown_it")
    return list(markdown_it.MarkdownIt("commonmark").parse(_read(outputs, MARKDOWN)))


def listed_papers(tokens: Sequence[Any]) -> list[ListedPaper]:
    """The list items whose first paragraph starts with a bold title: the papers, in order."""
    papers = []
    for i, token in enumerate(tokens):
        if token.type != "list_item_open":
            continue
        inlines = []
        for t in tokens[i + 1 :]:
            if t.type == "list_item_close" and t.level == token.level:
                break
            if t.type == "inline" and t.level == token.level + 2:
                inlines.append(t)
        # markdown-it starts an inline with an empty text token; the first real one must be bold.
        first = [c for c in (inlines[0].children or []) if c.type != "text" or c.content] if inlines else []
        if not first or first[0].type != "strong_open":
            continue
        rest = [c for t in inlines[1:] for c in t.children or []]
        link = next((c.attrs.get("href", "") for j, c in enumerate(rest) if c.type == "link_open"
                     and j + 1 < len(rest) and rest[j + 1].content == "[paper]"), "")
        papers.append(ListedPaper(_norm(_between(first, "strong")), _norm(_between(rest, "em")),
                                  str(link), (token.map or [0])[0] + 1))
    return papers


# --- across formats ------------------------------------------------------------------


@dataclass(frozen=True)
class Paper:
    """What every format carries of a paper, normalised for comparison."""

    key: str
    title: str
    authors: tuple[tuple[str, str], ...]  # (family, given)
    year: str
    doi: str
    url: str


def _csl_papers(outputs: Path) -> list[Paper]:
    papers = []
    for item in _csl_items(outputs):
        names = tuple((_norm(n.get("family") or n.get("literal") or ""), _norm(n.get("given", "")))
                      for n in item.get("author", []))
        parts = item.get("issued", {}).get("date-parts", [[]])
        papers.append(Paper(str(item.get("id")), _norm(item.get("title", "")), names,
                            str(parts[0][0]) if parts and parts[0] else "", item.get("DOI", ""), item.get("URL", "")))
    return papers


def _bib_papers(outputs: Path) -> list[Paper]:
    from exporter.model import from_latex

    bibtexparser = _module("bibtexparser")
    from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names

    library = bibtexparser.parse_string(_read(outputs, BIB))
    if library.failed_blocks:
        block = library.failed_blocks[0]
        raise CheckError(f"{BIB}: bibtexparser failed on {len(library.failed_blocks)} block(s), first at line "
                         f"{block.start_line + 1}: {_one_line(str(block.error))[:120]}")
    papers = []
    for entry in library.entries:
        fields = {f.key.lower(): f.value for f in entry.fields}
        names = []
        for raw in split_multiple_persons_names(fields.get("author", "")):
            parts = parse_single_name_into_parts(raw)
            names.append((_norm(from_latex(" ".join(parts.von + parts.last))), _norm(from_latex(" ".join(parts.first)))))
        papers.append(Paper(entry.key, _norm(from_latex(fields.get("title", ""))), tuple(names),
                            # biblatex-native files have `date = {2021-09-03}` instead of `year`.
                            fields.get("year", fields.get("date", "")[:4]).strip(),
                            fields.get("doi", ""), fields.get("url", "")))
    return papers


def _ris_papers(outputs: Path) -> list[Paper]:
    rispy = _module("rispy")
    papers = []
    for record in rispy.loads(_read(outputs, RIS)):
        names = []
        for author in record.get("authors", []):
            family, _, given = author.partition(", ")
            names.append((_norm(family), _norm(given.split(", ")[0])))  # Family, Given[, Suffix]
        papers.append(Paper(str(record.get("id", "")), _norm(record.get("title", "")), tuple(names),
                            str(record.get("year", "")), record.get("doi", ""), (record.get("urls") or [""])[0]))
    return papers


def hayagriva_text(value: Any) -> str:
    """The text of a Hayagriva formattable string: `{...}` (case kept) unbraced, `\\{` unescaped.

    A dict is its `value`. `$...$` (math) stays as written: the writers never produce it.
    """
    text = str(value.get("value", "")) if isinstance(value, dict) else str(value if value is not None else "")
    if isinstance(value, dict) and value.get("verbatim"):
        return text
    return re.sub(r"\\([\\{}$])|[{}]", lambda m: m[1] or "", text)


def _yml_papers(outputs: Path) -> list[Paper]:
    yaml = _module("yaml")
    try:
        data = yaml.safe_load(_read(outputs, YML))
    except yaml.YAMLError as exc:
        raise CheckError(f"{outputs / YML} is not YAML: {_one_line(str(exc))}") from exc
    papers = []
    for key, entry in (data or {}).items():
        people = entry.get("author") or []
        names = []
        for person in people if isinstance(people, list) else [people]:
            if isinstance(person, dict):
                names.append((_norm(str(person.get("name", ""))), _norm(str(person.get("given-name", "")))))
            else:  # "Family, Given"
                family, _, given = str(person).partition(",")
                names.append((_norm(family), _norm(given)))
        serial = entry.get("serial-number")
        doi = serial.get("doi", "") if isinstance(serial, dict) else ""
        url = entry.get("url") or ""
        papers.append(Paper(str(key), _norm(hayagriva_text(entry.get("title"))), tuple(names),
                            str(entry.get("date", ""))[:4], str(doi),
                            str(url.get("value", "") if isinstance(url, dict) else url)))
    return papers


def _compare(name: str, want: Sequence[Paper], got: Sequence[Paper], fields: Sequence[str]) -> list[str]:
    if [p.key for p in want] != [p.key for p in got]:
        return [f"{name}: {len(got)} papers {_first_difference([p.key for p in want], [p.key for p in got])}"]
    problems = []
    for w, g in zip(want, got):
        for field in fields:
            if getattr(w, field) != getattr(g, field):
                problems.append(f"{name} {w.key}: {field} {getattr(g, field)!r} != refs.json {getattr(w, field)!r}")
    return problems


def _display(family: str, given: str) -> str:
    return " ".join(p for p in (given, family) if p)


@check("cross-format")
def check_cross_format(outputs: Path) -> str:
    """refs.bib, refs.ris, README.md (and refs.yml if written) carry the papers, titles, authors, years, DOIs and URLs of refs.json."""
    want = _csl_papers(outputs)
    fields = ("title", "authors", "year", "doi", "url")
    problems = _compare(BIB, want, _bib_papers(outputs), fields) + _compare(RIS, want, _ris_papers(outputs), fields)
    if (outputs / YML).is_file():  # the Hayagriva output, when the list writes it
        problems += _compare(YML, want, _yml_papers(outputs), fields)
    bib_eprints = {e.key: e.fields_dict["eprint"].value for e in _module("bibtexparser").parse_string(
        _read(outputs, BIB)).entries if "eprint" in e.fields_dict}
    listed = listed_papers(_markdown_tokens(outputs))
    if len(listed) != len(want):
        problems.append(f"{MARKDOWN}: {len(listed)} papers listed, refs.json has {len(want)}")
    for paper, shown in zip(want, listed):
        if shown.title != paper.title:
            problems.append(f"{MARKDOWN} line {shown.line}: title {shown.title!r} != refs.json {paper.title!r}")
        authors = ", ".join(_display(f, g) for f, g in paper.authors)
        if shown.authors != authors:
            problems.append(f"{MARKDOWN} line {shown.line}: authors {shown.authors!r} != refs.json {authors!r}")
        # The list links the Anthology page or the arXiv abstract page: one of the paper's own addresses.
        links = {paper.url, f"https://doi.org/{paper.doi}"} if paper.url or paper.doi else {""}
        if paper.key in bib_eprints:
            links.add(f"https://arxiv.org/abs/{bib_eprints[paper.key]}")
        anthology = re.fullmatch(r"https://aclanthology\.org/([^/]+)/?", shown.link)
        if shown.link not in links and not (anthology and paper.doi.endswith(anthology[1])):
            problems.append(f"{MARKDOWN} line {shown.line}: link {shown.link!r} is none of {paper.key}'s addresses")
    if problems:
        raise _problems(f"{len(problems)} difference(s)", problems)
    files = ", ".join([CSL, BIB, RIS] + ([YML] if (outputs / YML).is_file() else []))
    return (f"{len(want)} papers; titles, authors, years, DOIs and URLs agree in {files}; "
            f"titles, authors and links in README.md")


@check("commonmark")
def check_commonmark(outputs: Path) -> str:
    """README.md as CommonMark (markdown-it-py): no raw HTML, one list item per paper."""
    tokens = _markdown_tokens(outputs)
    items = _csl_items(outputs)
    problems = []
    for token in tokens:
        for t in [token, *(token.children or [])]:
            if t.type in ("html_block", "html_inline"):
                line = (token.map or [0])[0] + 1
                problems.append(f"line {line}: raw HTML {t.content.strip()[:60]!r}")
    papers = listed_papers(tokens)
    if len(papers) != len(items):
        problems.append(f"{len(papers)} paper list items for {len(items)} papers in refs.json")
    # Every paper with an address of its own links it (a manual entry may have none).
    problems += [f"line {p.line}: no [[paper]] link" for p, item in zip(papers, items)
                 if not p.link and (item.get("URL") or item.get("DOI"))]
    if problems:
        raise _problems("README.md", problems)
    return f"{len(papers)} list items, one per paper; no raw HTML"


# --- Typst ------------------------------------------------------------------------------

# Typst's default style (ieee) numbers the bibliography in citation order: item i is key i.
_TYPST_DOC = "{cites}\n#bibliography({path})\n"
# The one warning of Typst's HTML export, which the content check reads (the PDF must be silent).
_HTML_EXPORT_WARNING = "html export is under active development"


@dataclass(frozen=True)
class Cited:
    """An entry as its bibliography file gives it: key, title and first author's family name."""

    key: str
    title: str
    family: str


def _typst_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _typst_where(diagnostic: str) -> str:
    """`refs.yml:16:9` from a Typst diagnostic's code frame, or ""."""
    m = re.search(r"\u250c\u2500 (\S+?):(\d+:\d+)", diagnostic or "")
    return f" at {Path(m[1]).name}:{m[2]}" if m else ""  # the file in the temporary folder


def _typst(outputs: Path, name: str, entries: Sequence[Cited]) -> str:
    """Cite every entry of `name` with `#cite(label(KEY))`, compile with Typst: no error, no warning,
    and each entry in the bibliography (Typst's HTML) with its title and first author."""
    import html

    typst = _module("typst")
    if not entries:
        raise CheckError(f"{name}: no entries to cite")
    with tempfile.TemporaryDirectory(prefix="exporter-typst-") as tmpname:
        tmp = Path(tmpname)
        shutil.copyfile(outputs / name, tmp / name)
        cites = "\n".join(f"#cite(label({_typst_string(e.key)}))" for e in entries)
        (tmp / "doc.typ").write_text(_TYPST_DOC.format(cites=cites, path=_typst_string(name)), encoding="utf-8")
        outputs_by_format = {}
        for fmt in ("pdf", "html"):
            try:
                out, warnings = typst.compile_with_warnings(str(tmp / "doc.typ"), root=str(tmp), format=fmt)
            except typst.TypstError as exc:
                hints = "".join(f" (hint: {_one_line(h)})" for h in getattr(exc, "hints", []) or [])
                raise CheckError(f"Typst error{_typst_where(getattr(exc, 'diagnostic', ''))}: "
                                 f"{_one_line(getattr(exc, 'message', '') or str(exc))}{hints}") from exc
            problems = [f"Typst warning{_typst_where(getattr(w, 'diagnostic', ''))}: "
                        f"{_one_line(getattr(w, 'message', '') or str(w))}" for w in warnings
                        if not (fmt == "html" and _HTML_EXPORT_WARNING in str(getattr(w, "message", w)))]
            if problems:
                raise _problems(f"{fmt.upper()}: {len(problems)} warning(s)", problems)
            outputs_by_format[fmt] = out
    page = outputs_by_format["html"].decode("utf-8", errors="replace")
    section = re.search(r'<section role="doc-bibliography">(.*?)</section>', page, re.S)
    if section is None:
        raise CheckError(f"no bibliography in Typst's HTML output of {name}: Typst 0.14 or later renders it")
    items = [_one_line(html.unescape(re.sub(r"<[^>]+>", " ", li)))
             for li in re.findall(r"<li\b[^>]*>(.*?)</li>", section[1], re.S)]
    problems = [] if len(items) == len(entries) else [f"{len(items)} bibliography items for {len(entries)} entries"]
    for entry, item in zip(entries, items):
        if _letters(entry.title) not in _letters(item):
            problems.append(f"{entry.key}: title {entry.title!r} not in its bibliography item {item[:80]!r}")
        if entry.family and _letters(entry.family) not in _letters(item):
            problems.append(f"{entry.key}: author {entry.family!r} not in its bibliography item {item[:80]!r}")
    if problems:
        raise _problems(f"{name} in Typst's bibliography: {len(problems)} problem(s)", problems)
    return (f"{len(entries)} entries cited and in Typst {getattr(typst, '__version__', '')}'s bibliography (ieee), "
            f"each with its title and first author; 0 errors, 0 warnings")


def _yml_entries(outputs: Path) -> list[Cited]:
    """refs.yml read with PyYAML: a mapping of citation keys to entries."""
    path = outputs / YML
    if not path.is_file():
        raise CheckError(f"{path} not found: this outputs folder has no Hayagriva file (refs.yml) for Typst")
    yaml = _module("yaml")
    try:
        data = yaml.safe_load(_read(outputs, YML))
    except yaml.YAMLError as exc:
        raise CheckError(f"{path} is not YAML: {_one_line(str(exc))}") from exc
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise CheckError(f"{path} is not a mapping of citation keys to entries")
    entries = []
    for key, entry in data.items():
        if not hayagriva_text(entry.get("title")).strip():
            raise CheckError(f"{path}: entry {key} has no title")
        authors = entry.get("author") or []
        first = authors[0] if isinstance(authors, list) and authors else authors
        family = first.get("name", "") if isinstance(first, dict) else str(first or "").split(",")[0]
        entries.append(Cited(str(key), hayagriva_text(entry.get("title")), str(family)))
    return entries


def _bib_entries(outputs: Path) -> list[Cited]:
    """refs.bib read with bibtexparser (as the cross-format check reads it)."""
    return [Cited(p.key, p.title, p.authors[0][0] if p.authors else "") for p in _bib_papers(outputs)]


@check("typst")
def check_typst(outputs: Path) -> str:
    """Typst compiles a document citing every entry of refs.yml (Hayagriva): no error or warning, all rendered."""
    return _typst(outputs, YML, _yml_entries(outputs))


@check("typst-bib")
def check_typst_bib(outputs: Path) -> str:
    """Typst compiles a document citing every entry of refs.bib: no error or warning, all rendered."""
    return _typst(outputs, BIB, _bib_entries(outputs))
