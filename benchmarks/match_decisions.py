"""Time the whole published-version decision for 1,000 arXiv records against a 100,000-paper index.

Run `python benchmarks/anthology_index.py` first: it builds the index this script loads.
Records are made from papers in the index (their titles, some reworded, and their authors),
so every decision scores real candidates. Usage: python benchmarks/match_decisions.py [INDEX]
"""

from __future__ import annotations

import gc
import random
import sys
import tempfile
import time
from pathlib import Path

from exporter.anthology import load_index
from exporter.finders.scoring import decide


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.gettempdir()) / "exporter-anthology-bench" / "anthology.index"
    index = load_index(path)
    papers = random.Random(7).sample(list(index), 1000)
    gc.collect()  # drop the 100,000 papers the sampling listed, as a real run never makes them
    records = []
    for n, paper in enumerate(papers):
        words = paper.title.split()
        title = " ".join(words[:-1] + [words[-1] + "s"]) if n % 2 and words else paper.title  # half reworded
        authors = [f"A. {family}" for family in paper.families] or ["A. Nobody"]
        year = paper.year or 2020
        records.append({"title": title, "authors": authors, "published": f"{year}-01-01T00:00:00Z", "doi": None})
    started = time.perf_counter()
    matched = sum(decide(r, index).match is not None for r in records)
    elapsed = time.perf_counter() - started
    print(f"decide() for 1,000 arXiv records against {len(index):,} papers: {elapsed:.2f} s; {matched} matched")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
