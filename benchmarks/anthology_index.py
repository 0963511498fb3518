"""Benchmark the ACL Anthology index (`exporter.anthology`) at the real dump's size.

Synthesizes a 100,000-paper dump in the Anthology's export format from the real DBLP corpus
(the conversion of tests/anthology_dump.py, fake ids `<year>.dblp-<venue>.<n>`), then
measures, each phase in a fresh Python process so peak memory is that phase's own:

* parse + index of the gzipped dump (time; peak RSS; peak Python allocations by tracemalloc,
  in a separate run because tracing slows everything down),
* save and load of the index (load repeated; the first load is reported too),
* matching 1,000 titles: `normalise_title` + `by_title` + `candidates(limit=20)` per title,
  half of the titles perturbed slightly.

    python benchmarks/anthology_index.py [DBLP_BIB_GZ] [--work DIR] [--papers N]

DBLP_BIB_GZ defaults to ../shared/data/corpus/dblp-sample-100k.bib.gz (relative to the
repository). The synthesized dump is kept in --work (default: a directory under the system's
temporary directory) and reused while the corpus and the converter are unchanged.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import hashlib
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
DEFAULT_CORPUS = REPO.parent / "shared" / "data" / "corpus" / "dblp-sample-100k.bib.gz"
QUERIES = 1000


# --- the dump ----------------------------------------------------------------------------


def synthesize(corpus: Path, papers: int, work: Path) -> tuple[Path, dict[str, Any]]:
    """The dump for `corpus`, built once and cached in `work`."""
    sys.path.insert(0, str(TESTS))
    import anthology_dump  # tests/anthology_dump.py: the test dump's converter

    from exporter.anthology import decode_latex

    fingerprint = hashlib.sha256()
    fingerprint.update(corpus.read_bytes())
    fingerprint.update(Path(anthology_dump.__file__).read_bytes())
    fingerprint.update(str(papers).encode())
    tag = fingerprint.hexdigest()[:16]
    dump = work / f"anthology-{papers}-{tag}.bib.gz"
    facts = work / f"anthology-{papers}-{tag}.json"
    if dump.exists() and facts.exists():
        return dump, json.loads(facts.read_text())

    print(f"synthesizing a {papers:,}-paper dump from {corpus} (once; cached in {work}) ...", file=sys.stderr)
    started = time.perf_counter()
    text = gzip.decompress(corpus.read_bytes()).decode("utf-8")
    # The fast decoder here (pylatexenc for 100,000 entries takes minutes); the test dump
    # uses pylatexenc, independent of the code under test.
    records = anthology_dump.dblp_records(text, decode_latex, types=("inproceedings", "article"))
    usable = len(records)
    if usable < papers:  # top up with repeats under other ids (same text, same parse cost)
        records += [dataclasses.replace(r, venue=r.venue + "x") for r in records[: papers - usable + 100]]
    entries, volumes = anthology_dump.dblp_entries(records, set())
    refused = len(records) - len(entries)  # braces the Anthology could not write
    entries = entries[:papers]
    repeated = max(0, len(entries) - (usable - refused))
    used = {e.anthology_id.rsplit(".", 1)[0] for e in entries}
    volumes = {v: text for v, text in volumes.items() if v in used}
    by_volume: dict[str, list[str]] = {}
    for entry in entries:
        by_volume.setdefault(entry.anthology_id.rsplit(".", 1)[0], []).append(entry.bibtex)
    blocks = []
    for volume_id in sorted(volumes):
        blocks.append(volumes[volume_id])
        blocks.extend(by_volume.get(volume_id, []))
    body = "\n".join(blocks)
    work.mkdir(parents=True, exist_ok=True)
    dump.write_bytes(anthology_dump.gzip_bytes(body))
    info = {
        "papers": len(entries), "proceedings": len(volumes), "repeated": repeated,
        "articles": sum(e.bibtex.startswith("@article") for e in entries),
        "refused": refused,
        "raw_bytes": len(body.encode("utf-8")), "gz_bytes": dump.stat().st_size,
        "seconds": round(time.perf_counter() - started, 1),
    }
    facts.write_text(json.dumps(info))
    return dump, info


# --- the phases, each in its own process ------------------------------------------------------


def _peak_rss_mib() -> float:
    """This process's peak resident memory. VmHWM, not getrusage: ru_maxrss carries the
    parent's peak over fork and exec."""
    try:
        match = re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text())
        if match:
            return int(match[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def phase_build(dump: Path, index_path: Path) -> dict[str, Any]:
    from exporter.anthology import build_index, parse_dump_file, save_index

    baseline = _peak_rss_mib()
    started = time.perf_counter()
    papers = list(parse_dump_file(dump))
    parsed = time.perf_counter()
    index = build_index(papers)
    built = time.perf_counter()
    save_index(index, index_path)
    saved = time.perf_counter()
    return {
        "papers": len(index), "parse_s": parsed - started, "index_s": built - parsed,
        "build_s": built - started, "save_s": saved - built, "index_bytes": index_path.stat().st_size,
        "peak_rss_mib": _peak_rss_mib(), "baseline_rss_mib": baseline,
    }


def phase_build_streaming(dump: Path) -> dict[str, Any]:
    """What open_index does: parse and index in one stream, no list of all papers."""
    from exporter.anthology import build_index, parse_dump_file

    baseline = _peak_rss_mib()
    started = time.perf_counter()
    index = build_index(parse_dump_file(dump))
    return {"papers": len(index), "build_s": time.perf_counter() - started,
            "peak_rss_mib": _peak_rss_mib(), "baseline_rss_mib": baseline}


def phase_tracemalloc(dump: Path) -> dict[str, Any]:
    import tracemalloc

    from exporter.anthology import build_index, parse_dump_file

    tracemalloc.start()
    index = build_index(parse_dump_file(dump))
    _, peak = tracemalloc.get_traced_memory()
    current, _ = tracemalloc.get_traced_memory()
    return {"papers": len(index), "peak_mib": peak / 2**20, "index_mib": current / 2**20}


def phase_parse_text(dump: Path) -> dict[str, Any]:
    """parse_dump on the whole decompressed text (the str API), for comparison."""
    from exporter.anthology import parse_dump

    started = time.perf_counter()
    text = gzip.decompress(dump.read_bytes()).decode("utf-8")
    decoded = time.perf_counter()
    n = sum(1 for _ in parse_dump(text))
    return {"papers": n, "gunzip_s": decoded - started, "parse_s": time.perf_counter() - decoded,
            "peak_rss_mib": _peak_rss_mib()}


def phase_load(index_path: Path, repeats: int = 5) -> dict[str, Any]:
    started = time.perf_counter()
    from exporter.anthology import load_index

    imported = time.perf_counter()
    times = []
    for _ in range(repeats):
        started_load = time.perf_counter()
        index = load_index(index_path)
        times.append(time.perf_counter() - started_load)
    return {"papers": len(index), "import_s": imported - started, "first_s": times[0],
            "median_s": statistics.median(times), "max_s": max(times), "peak_rss_mib": _peak_rss_mib()}


def perturb(title: str, how: int) -> str:
    """A slightly different title, as arXiv and the proceedings often differ."""
    words = title.split()
    if how == 0:
        return title.upper() if len(title) < 40 else title.lower()  # case
    if how == 1 and len(words) > 4:
        return " ".join(words[:-1])  # last word dropped
    if how == 2:
        for i, word in enumerate(words):  # one plural made singular, or the reverse
            if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
                return " ".join(words[:i] + [word[:-1]] + words[i + 1:])
        return title + "s"
    if how == 3:
        return title.replace("-", " ").replace(":", "")  # hyphens and colon gone
    if how == 4:
        return "Towards " + title  # a word added
    head, colon, tail = title.partition(": ")
    return tail if colon else title.replace(" and ", " & ")


def phase_match(index_path: Path, seed: int = 20240) -> dict[str, Any]:
    from exporter.anthology import load_index, normalise_title

    index = load_index(index_path)
    papers = list(index)
    rng = random.Random(seed)
    chosen = rng.sample(papers, QUERIES)
    queries = []
    for i, paper in enumerate(chosen):
        # Half exact, half perturbed in one of six ways.
        queries.append((paper, paper.title if i % 2 == 0 else perturb(paper.title, (i // 2) % 6)))
    exact_hits = top1 = top20 = 0
    started = time.perf_counter()
    for paper, title in queries:
        normalised = normalise_title(title)
        found = index.by_title(normalised)
        candidates = index.candidates(title, 20)
        exact_hits += any(p.id == paper.id for p in found)
        top1 += bool(candidates) and candidates[0].id == paper.id
        top20 += any(p.id == paper.id for p in candidates)
    elapsed = time.perf_counter() - started
    # The parts separately, to show where the time goes.
    started = time.perf_counter()
    normalised_all = [normalise_title(t) for _, t in queries]
    normalise_s = time.perf_counter() - started
    started = time.perf_counter()
    for n in normalised_all:
        index.by_title(n)
    by_title_s = time.perf_counter() - started
    started = time.perf_counter()
    for _, title in queries:
        index.candidates(title, 20)
    candidates_s = time.perf_counter() - started
    same = sum(1 for p, t in queries if normalise_title(t) == normalise_title(p.title))
    return {
        "queries": len(queries), "match_s": elapsed, "normalise_s": normalise_s, "by_title_s": by_title_s,
        "candidates_s": candidates_s, "exact_hits": exact_hits, "same_normalised": same,
        "top1": top1, "top20": top20,
    }


PHASES = {
    "build": lambda a: phase_build(Path(a.dump), Path(a.index)),
    "stream": lambda a: phase_build_streaming(Path(a.dump)),
    "tracemalloc": lambda a: phase_tracemalloc(Path(a.dump)),
    "parse-text": lambda a: phase_parse_text(Path(a.dump)),
    "load": lambda a: phase_load(Path(a.index)),
    "match": lambda a: phase_match(Path(a.index)),
}


def run_phase(name: str, dump: Path, index: Path) -> dict[str, Any]:
    """One phase in a fresh interpreter; its JSON result."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    completed = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--dump", str(dump), "--index", str(index)],
        capture_output=True, text=True, env=env, check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{completed.stderr}")
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


# --- the report ------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or "unknown"
    memory = "unknown"
    try:
        match = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
        if match:
            memory = f"{int(match[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpus": str(cpus), "cpu": model, "memory": memory,
            "python": f"{platform.python_implementation()} {platform.python_version()}",
            "system": f"{platform.system()} {platform.release()} {platform.machine()}"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the ACL Anthology index.")
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS,
                        help="DBLP BibTeX, gzipped (default: %(default)s)")
    parser.add_argument("--papers", type=int, default=100_000, help="papers in the dump (default: %(default)s)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "exporter-anthology-bench",
                        help="where the dump and index go (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--dump", help=argparse.SUPPRESS)
    parser.add_argument("--index", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(PHASES[args.phase](args)))
        return 0

    if not args.corpus.is_file():
        parser.error(f"{args.corpus}: no such file (the DBLP corpus, e.g. dblp-sample-100k.bib.gz)")
    dump, info = synthesize(args.corpus, args.papers, args.work)
    index = args.work / "anthology.index"
    results = {name: run_phase(name, dump, index)
               for name in ("build", "stream", "tracemalloc", "parse-text", "load", "match")}
    build, stream, traced = results["build"], results["stream"], results["tracemalloc"]
    text, load, match = results["parse-text"], results["load"], results["match"]
    host = machine()

    rows = [
        ("dump", f"{info['papers']:,} papers ({info['articles']:,} @article; {info['repeated']:,} repeated "
                 f"under other ids to reach {args.papers:,}) "
                 f"+ {info['proceedings']:,} @proceedings; {info['gz_bytes'] / 2**20:.1f} MiB gz, "
                 f"{info['raw_bytes'] / 2**20:.1f} MiB raw"),
        ("parse (parse_dump_file)", f"{build['parse_s']:.2f} s ({build['papers']:,} papers found)"),
        ("index (build_index)", f"{build['index_s']:.2f} s"),
        ("parse + index, streamed (as open_index does)", f"{stream['build_s']:.2f} s"),
        ("peak RSS, parse + index streamed (whole process)", f"{stream['peak_rss_mib']:.0f} MiB "
                                                          f"(interpreter + imports: {stream['baseline_rss_mib']:.0f} MiB)"),
        ("peak RSS, parse to a list + index + save", f"{build['peak_rss_mib']:.0f} MiB"),
        ("peak Python allocations, streamed (tracemalloc)", f"{traced['peak_mib']:.0f} MiB "
                                                         f"(the index itself: {traced['index_mib']:.0f} MiB)"),
        ("parse_dump on the whole text (str API)", f"{text['parse_s']:.2f} s (+ {text['gunzip_s']:.2f} s gunzip), "
                                                   f"peak RSS {text['peak_rss_mib']:.0f} MiB"),
        ("save (save_index)", f"{build['save_s']:.2f} s; {build['index_bytes'] / 2**20:.1f} MiB file"),
        ("load (load_index), fresh process", f"{load['first_s']:.3f} s first, {load['median_s']:.3f} s median of 5 "
                                             f"(import exporter.anthology: {load['import_s']:.2f} s)"),
        (f"match {match['queries']:,} titles (normalise + by_title + candidates)", f"{match['match_s']:.3f} s"),
        ("  of which normalise_title / by_title / candidates",
         f"{match['normalise_s']:.3f} s / {match['by_title_s']:.3f} s / {match['candidates_s']:.3f} s"),
        ("  exact by_title hits", f"{match['exact_hits']} of {match['queries']} "
                                  f"({match['same_normalised']} queries normalise to their paper's title)"),
        ("  right paper first / in top 20 candidates", f"{match['top1']} / {match['top20']} of {match['queries']}"),
        ("machine", f"{host['cpus']} CPUs ({host['cpu']}), {host['memory']} RAM, {host['python']}, {host['system']}"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"| {'what'.ljust(width)} | figure |")
    print(f"| {'-' * width} | --- |")
    for key, value in rows:
        print(f"| {key.ljust(width)} | {value} |")
    if args.json:
        print(json.dumps({"dump": info, **results, "machine": host}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
