"""Time the Markdown reader on a generated list of N papers, and on real lists (not a test).

    python benchmarks/markdown_import.py [--papers 1000] [--repeat 5] [LIST.md ...]

The generated list has one numbered item per paper (bold title, italic authors, adjacent
[[pdf](arXiv)][[code](GitHub)] links, a date), the commonest shape of real lists. The target is
1 s per 1,000 papers (reading only: exporter/readers/markdown.py, in this process).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from exporter.readers import read


def timed(name: str, text: str, repeat: int) -> tuple[float, float, int]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        imported = read(name, text)
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times), len(imported.papers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lists", nargs="*", type=Path)
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    item = "1. **Paper {n}** *A. Author, B. Author* [[pdf](https://arxiv.org/abs/2301.{n:05d})][[code](https://github.com/a/b)] 2023.1\n"
    text = "# L\n\n## Papers\n\n" + "".join(item.format(n=n) for n in range(1, args.papers + 1))
    median, worst, papers = timed("list.md", text, args.repeat)
    print(f"generated list: {papers} papers read in {median:.3f} s median (max {worst:.3f}); "
          f"{1000 * median / max(papers, 1):.3f} s per 1,000")
    for path in args.lists:
        median, worst, papers = timed(path.name, path.read_text(encoding="utf-8"), args.repeat)
        print(f"{path.name}: {papers} papers in {median:.3f} s median (max {worst:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
