"""Import every paper list and .bib file of a folder, as a new user would, and account for every paper.

    python benchmarks/import_corpus.py ../shared/data/realworld/

For each file (`*.md`, `*.markdown`, `*.bib`, in any subfolder): `exporter import FILE` into a new,
empty list (a fresh process, offline), then

- truth: the distinct arXiv ids, Anthology ids and DOIs the file names, found by a neutral regex of
  this script's own (links, `arXiv:` mentions, `eprint` fields; not exporter's readers);
- imported: the entries written, by kind (arxiv, acl, dblp, manual);
- reported: the `FILE:LINE: not imported: ...` lines and refusals;
- lost: truth arXiv and Anthology ids that were neither imported nor accounted for by a reported line
  (the line, or the entry or item it belongs to) with a true reason: papers dropped without a word, or
  with a wrong one (a report that the paper has no id, or that it is the same paper as a line whose
  block holds another id of that kind only);
- tracebacks: runs that crashed instead of giving one-line errors; seconds: wall time.

The files are read where they are: they are other people's text, never copied into the project.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

# New ids (2109.01652) and old ones (hep-th/9711200), after a link, `arXiv:`, `arXiv preprint`, `eprint =`,
# `arxivid =` or DBLP's `abs/` (braces already stripped from the line).
ARXIV = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf|html)/|arxiv[:\s]\s*(?:preprint\s+(?:arxiv:?\s*)?)?|eprint\s*=\s*[\"]?\s*"
    r"|arxivid\s*=\s*[\"]?\s*|abs/)"
    r"([0-9]{4}\.[0-9]{4,5}|[a-z][a-z\-]+(?:\.[A-Z]{2})?/[0-9]{7})", re.IGNORECASE)
ANTHOLOGY = re.compile(r"(?:aclanthology\.org/|aclweb\.org/anthology/(?:[A-Z]/[A-Z][0-9]{2}/)?|10\.18653/v1/)"
                       r"([0-9]{4}\.[a-z0-9\-]+\.[0-9]+|[A-Z][0-9]{2}-[0-9]{4})", re.IGNORECASE)
DOI = re.compile(r"\b(10\.[0-9]{4,9}/[^\s\"'<>{}(),\]]+)")


@dataclass
class Row:
    name: str
    truth: dict[str, set[str]] = field(default_factory=dict)
    imported: dict[str, int] = field(default_factory=dict)
    reported: int = 0
    lost: list[str] = field(default_factory=list)
    traceback: bool = False
    seconds: float = 0.0
    exit: int = 0


def truth(text: str) -> tuple[dict[str, set[str]], dict[str, list[int]]]:
    """Distinct ids by kind, and the lines (1-based) each arXiv or Anthology id occurs on."""
    found: dict[str, set[str]] = {"arxiv": set(), "acl": set(), "doi": set()}
    where: dict[str, list[int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for kind, pattern in (("arxiv", ARXIV), ("acl", ANTHOLOGY)):
            # BibTeX braces inside a word (`Ar{X}iv:1301.3781`) do not hide an id.
            for m in pattern.finditer(line.replace("{", "").replace("}", "") if kind == "arxiv" else line):
                ident = m[1] if kind == "arxiv" or not m[1][0].isupper() else m[1].upper()
                if kind == "arxiv" and re.fullmatch(r"(?:1[5-9]|[2-9]\d)\d\d\.\d{4}", ident):
                    continue  # a new-style id from 2015 on has five digits: 2004.0409 is a typo, not an id
                ident = ident.lower() if kind == "acl" and ident[0].isdigit() else ident
                found[kind].add(ident)
                where.setdefault(f"{kind}:{ident}", []).append(number)
        for m in DOI.finditer(line):
            doi = m[1].rstrip(".;").lower()
            if not doi.startswith(("10.48550/", "10.18653/")):
                found["doi"].add(doi)
    return found, where


def owners(text: str, bib: bool) -> list[int]:
    """For each line (index 0 = line 1), the line its paper starts on: the entry's `@` line in a .bib,
    the list item, heading or table row a Markdown line belongs to."""
    start, out = 1, []
    for number, line in enumerate(text.splitlines(), start=1):
        if bib and line.lstrip().startswith("@"):
            start = number
        elif not bib and (re.match(r"\s*(?:[-*+]|\d+[.)])\s", line) or line.startswith(("#", "|", "<tr"))
                          or not line.strip()):
            start = number
        out.append(start)
    return out


def run(path: Path, exporter: list[str]) -> Row:
    text = path.read_bytes().decode("utf-8", errors="replace")
    row = Row(path.name)
    row.truth, where = truth(text)
    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "sources" / "papers.toml"
        env_cmd = [*exporter, "--sources", str(sources), "import", str(path.resolve())]
        started = time.monotonic()
        result = subprocess.run(env_cmd, capture_output=True, text=True, timeout=600)
        row.seconds = time.monotonic() - started
        row.exit = result.returncode
        row.traceback = "Traceback" in result.stderr or "internal error" in result.stderr
        imported_ids: set[str] = set()
        if sources.exists():
            data = tomllib.loads(sources.read_text(encoding="utf-8"))
            for paper in data.get("papers", []):
                kinds = [k for k in ("arxiv", "acl", "dblp") if k in paper]
                for kind in kinds:
                    imported_ids.add(f"{kind}:{paper[kind]}")
                key = kinds[0] if kinds else "manual"
                row.imported[key] = row.imported.get(key, 0) + 1
    name = re.escape(str(path.resolve()))
    # Each reported line's reason, by the line it names (`FILE:N: not imported: why`, `not imported: FILE:N: why`).
    reasons: dict[int, str] = {}
    for line in result.stderr.splitlines():
        if m := re.search(rf"{name}:(\d+):? (?:not imported: )?(.*)", line):
            reasons.setdefault(int(m[1]), m[2])
    row.reported = len(re.findall(r"not imported: ", result.stderr))
    own = owners(text, path.suffix.lower() == ".bib")
    block_ids: dict[int, set[str]] = {}  # the ids of each paper's block, by the line it starts on
    for ident, lines in where.items():
        for n in lines:
            block_ids.setdefault(own[n - 1], set()).add(ident)
    for ident, lines in sorted(where.items()):
        if ident in imported_ids:
            continue
        if not any(accounted(ident, reasons.get(n) or reasons.get(own[n - 1]), block_ids, own) for n in lines):
            row.lost.append(ident)
    return row


def accounted(ident: str, reason: str | None, block_ids: dict[int, set[str]], own: list[int]) -> bool:
    """Whether a reported reason accounts for an id that was not imported: not when there is none, when it
    says the paper has no id (the regex found one), or when it calls it the same paper as a line whose block
    holds other ids only."""
    if reason is None:
        return False
    if re.search(r"no (?:arXiv|Anthology|paper) (?:or \w+ )?(?:id|link)|is no arXiv id", reason):
        return False
    if m := re.search(r"the same paper as \S*?:(\d+)", reason):
        other = int(m[1])
        ids = block_ids.get(own[other - 1] if other <= len(own) else other, set())
        kind = ident.split(":")[0]
        return ident in ids or not any(i.startswith(kind + ":") for i in ids)  # a paper without such an id
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--show-lost", action="store_true", help="list the ids lost silently")
    args = parser.parse_args()
    files = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() in (".md", ".markdown", ".bib") and p.is_file())
    exporter = [sys.executable, "-m", "exporter"]
    header = f"{'file':52} {'arXiv':>6} {'ACL':>5} {'DOI':>5} | {'arxiv':>6} {'acl':>5} {'dblp':>5} {'manual':>6} " \
             f"{'reported':>8} {'lost':>5} {'tb':>3} {'sec':>6}"
    print(header)
    print("-" * len(header))
    total = Row("total")
    for path in files:
        if path.name.lower() == "readme.md" and path.parent == args.folder:
            continue  # the corpus's own notes
        row = run(path, exporter)
        print(f"{row.name[:52]:52} {len(row.truth['arxiv']):>6} {len(row.truth['acl']):>5} {len(row.truth['doi']):>5} | "
              f"{row.imported.get('arxiv', 0):>6} {row.imported.get('acl', 0):>5} {row.imported.get('dblp', 0):>5} "
              f"{row.imported.get('manual', 0):>6} {row.reported:>8} {len(row.lost):>5} {'yes' if row.traceback else '':>3} "
              f"{row.seconds:>6.2f}")
        if args.show_lost and row.lost:
            print("    lost: " + " ".join(row.lost))
        for kind, ids in row.truth.items():
            total.truth.setdefault(kind, set()).update(f"{row.name}:{i}" for i in ids)
        for kind, n in row.imported.items():
            total.imported[kind] = total.imported.get(kind, 0) + n
        total.reported += row.reported
        total.lost += row.lost
        total.traceback |= row.traceback
        total.seconds += row.seconds
    print("-" * len(header))
    print(f"{'total':52} {len(total.truth['arxiv']):>6} {len(total.truth['acl']):>5} {len(total.truth['doi']):>5} | "
          f"{total.imported.get('arxiv', 0):>6} {total.imported.get('acl', 0):>5} {total.imported.get('dblp', 0):>5} "
          f"{total.imported.get('manual', 0):>6} {total.reported:>8} {len(total.lost):>5} "
          f"{'yes' if total.traceback else 'no':>3} {total.seconds:>6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
