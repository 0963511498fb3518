"""The external programs and Python packages the checks run: found, imported or run, or a
CheckError that names what to install (a missing tool fails its check, never skips it)."""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path
from typing import Any, Sequence

from exporter.validate.checks import CheckError


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


@functools.lru_cache(maxsize=8)
def _kpsewhich(name: str) -> str:
    """Where TeX finds a file (`kpsewhich natbib.sty`), or "" if it does not."""
    proc = _run([_tool("kpsewhich"), name], Path.cwd(), timeout=30)
    return proc.stdout.strip()


def _need_tex_file(name: str) -> None:
    if not _kpsewhich(name):
        raise CheckError(f"{name} not found by TeX: install {INSTALL[name]}")
