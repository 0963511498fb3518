"""LaTeX: pdflatex with BibTeX (natbib styles) and with biber (biblatex), and biber's data-model validation."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from exporter.validate.checks import CheckError, NotApplicableError, _one_line, _problems, check
from exporter.validate.outputs import BIB, _read
from exporter.validate.tools import TEX_TIMEOUT, _kpsewhich, _module, _need_tex_file, _run, _tool


ACL_NATBIB = "acl_natbib.bst"


# \tracinglostchars=1: a character no font has is logged ("Missing character"), not silently dropped.
# T1 fonts, as the ACL, NeurIPS and most journal templates load them: OT1 has no eth or thorn ({\dh}, {\th}).
_NATBIB_DOC = r"""\documentclass{article}
\tracinglostchars=1
\usepackage[T1]{fontenc}
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
\usepackage[T1]{fontenc}
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
    # Likewise a chapter without editors: BibTeX's @incollection takes it (biblatex's requires editors, and the
    # biblatex dialect writes it as @inbook; BibTeX's @inbook would print the chapter's title as the book's).
    alias = re.compile(r"Datamodel: Entry '[^']*' \([^)]*\): Field 'archiveprefix' invalid in data model - ignoring")
    chapters = set(re.findall(r"^@incollection\{([^,\s]+),", bib, re.M | re.I))
    no_editor = re.compile(r"Datamodel: Entry '([^']*)' \([^)]*\): Missing mandatory field 'editor'")
    aliased = [] if _biblatex_dialect(bib) else [
        p for p in found if alias.fullmatch(p) or (m := no_editor.fullmatch(p)) and m[1] in chapters]
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
        return (f"no WARN or ERROR but the classic dialect's archivePrefix beside eprinttype and chapters without "
                f"editors ({len(aliased)}; biber ignores them); --bibtex-dialect biblatex is fully silent")
    return "no WARN or ERROR"
