"""Whole-process time of a no-op `exporter build --offline` and `exporter check` on the committed list (not a test).

Each run is a fresh process in a copy of the committed sources, lock and outputs (so nothing is
written and nothing needs the network); prints the median and range of N runs.

Usage: python benchmarks/noop.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    env = {**os.environ, "EXPORTER_ARXIV_URL": "http://127.0.0.1:9/api/query", "EXPORTER_ACL_URL": "http://127.0.0.1:9"}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("sources", "outputs"):
            shutil.copytree(ROOT / name, Path(tmp) / name)
        for command in (["build", "--offline"], ["check"]):
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                subprocess.run([sys.executable, "-m", "exporter", *command], cwd=tmp, env=env, check=True,
                               capture_output=True)
                times.append(time.perf_counter() - start)
            print(f"exporter {' '.join(command):18} median {statistics.median(times):.2f} s "
                  f"(min {min(times):.2f}, max {max(times):.2f}; {args.repeat} runs)")


if __name__ == "__main__":
    main()
