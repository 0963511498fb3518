"""Benchmark `exporter import`, `build --offline` and `check` on a 10,000-paper list (not a test).

The list comes from a real BibTeX corpus: DBLP entries, with DBLP's `DBLP:` keys renamed and its
`biburl` fields dropped, as anyone's .bib of the same papers would be (otherwise they import as
DBLP entries, to be resolved online). No arXiv ids, so every paper is a manual entry and nothing
needs the network. Steps, each a fresh `exporter` process:

1. import the .bib into an empty sources file (read, screen for duplicates, write the TOML);
2. build the four outputs offline;
3. check (schema, duplicates by title, lock, outputs regenerated in memory and compared);
4. import the same .bib again: every paper is refused as a duplicate (10,000 x 10,000 screening).

Usage: python benchmarks/authoring.py [--bib PATH] [--repeat N]
(PATH defaults to ../shared/data/corpus/dblp-sample-10k.bib beside the repository.)
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BIB = ROOT.parent / "shared" / "data" / "corpus" / "dblp-sample-10k.bib"


def timed(args: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "exporter", *args], cwd=cwd, capture_output=True, text=True,
                            env={**os.environ, "EXPORTER_ARXIV_URL": "http://127.0.0.1:9/api/query",
                                 "EXPORTER_ACL_URL": "http://127.0.0.1:9"})
    elapsed = time.perf_counter() - start
    if result.returncode not in ok:
        sys.exit(f"{' '.join(args)} exited {result.returncode}:\n{result.stderr[-2000:]}")
    return elapsed, result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bib", type=Path, default=DEFAULT_BIB)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    if not options.bib.exists():
        sys.exit(f"{options.bib}: not found; pass --bib PATH to a large .bib file")
    steps: dict[str, list[float]] = {}
    notes: dict[str, str] = {}
    for _ in range(options.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            bib = work / "corpus.bib"
            text = options.bib.read_text(encoding="utf-8")
            bib.write_text(re.sub(r"^  biburl\s*=.*\n", "", text.replace("{DBLP:", "{dblp-"), flags=re.MULTILINE),
                           encoding="utf-8")
            for name, args, ok in [
                ("import into an empty list", ["import", str(bib)], (0,)),
                ("build --offline", ["build", "--offline"], (0,)),
                ("check", ["check"], (0,)),
                ("import again (all duplicates)", ["import", str(bib)], (1,)),
            ]:
                elapsed, last = timed(args, work, ok)
                steps.setdefault(name, []).append(elapsed)
                notes[name] = last
            entries = (work / "sources" / "papers.toml").read_text(encoding="utf-8").count("[[papers]]")
    print(f"{options.bib.name}: {entries} papers in the list; {options.repeat} runs; "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    for name, times in steps.items():
        print(f"  {name:32} median {statistics.median(times):6.2f} s  (min {min(times):.2f}, max {max(times):.2f})")
        print(f"  {'':32} {notes[name][:150]}")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "exporter", "--help"], capture_output=True, check=True)
    print(f"  {'exporter --help':32} {time.perf_counter() - start:6.2f} s")


if __name__ == "__main__":
    main()
