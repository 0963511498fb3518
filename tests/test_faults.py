"""The fault matrix (issue 9): the real CLI against the local fake services with injected faults.

For every fault the same promises are checked (`assert_lock_sound`): nothing that resolved is
lost, no record in the lock is partial (each arXiv record has every author, the title and the
abstract the fake serves; each Anthology record is what the fake's BibTeX parses to), every
failing entry is named as `sources/papers.toml:LINE: entry N (id)`, the exit code is right,
there is no traceback or internal error, and the lock loads and is exactly as exporter writes it.

The commands run as subprocesses (`python -m exporter ...`) on a copy of the committed list,
with EXPORTER_ARXIV_URL / EXPORTER_ACL_URL pointing at the fake, EXPORTER_ARXIV_DELAY=0 and a
private EXPORTER_CACHE_DIR per test (conftest's `_private_cache`). Only the full-disk case runs
in process, to make writes fail.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fakeserver import FakeServices, anthology_bibtex

from exporter import lock as lockfile
from exporter import sources as sourcesfile
from exporter.resolvers.bibtex_export import parse_bibtex

ROOT = Path(__file__).resolve().parent.parent
COMMITTED_LOCK = (ROOT / "sources" / "papers.lock.json").read_bytes()
OUTPUTS = ("refs.bib", "refs.json", "refs.ris", "README.md")
COMMITTED_OUTPUTS = {name: (ROOT / "outputs" / name).read_bytes() for name in OUTPUTS}
LOCK = Path("sources") / "papers.lock.json"
TOML = Path("sources") / "papers.toml"
# A failing entry as the CLI names it (resolve errors, `check` and `build --offline` lines).
NAMED = re.compile(r"^(?:Error: )?(sources/papers\.toml:\d+: entry \d+ \([^)]*\))", re.M)
RETRY_LINE = re.compile(r"^(?P<service>arXiv API|ACL Anthology): (?P<problem>.+); "
                        r"retrying in (?P<wait>\d+) s \(try (?P<try>\d+) of (?P<of>\d+)\)$", re.M)
TEMP_NAMED = "a temporary file left by an interrupted exporter run"

# Two seed papers without a published version (no Anthology dump needed to re-resolve them);
# 2110.08207 (T0) has 41 authors.
PLAIN = ["2109.01652", "2110.08207"]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _env(services: FakeServices, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        **os.environ,  # EXPORTER_CACHE_DIR: this test's own (conftest's _private_cache)
        "EXPORTER_ARXIV_URL": services.arxiv_url,
        "EXPORTER_ACL_URL": services.acl_url,
        "EXPORTER_ARXIV_DELAY": "0",
        "EXPORTER_LOCK_WAIT": "60",
        **(extra or {}),
    }


def run_cli(project: Path, services: FakeServices, *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """Run `python -m exporter ARGS` in `project` against the fake services; `.seconds` is its wall time."""
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "exporter", *args], cwd=project, env=_env(services),
                            capture_output=True, text=True, timeout=timeout)
    result.seconds = time.monotonic() - started  # type: ignore[attr-defined]
    return result


def start_cli(project: Path, services: FakeServices, log: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start `python -m exporter ARGS` in the background, its stdout and stderr going to `log`."""
    handle = log.open("wb")
    try:
        return subprocess.Popen([sys.executable, "-m", "exporter", *args], cwd=project, env=_env(services),
                                stdout=handle, stderr=subprocess.STDOUT)
    finally:
        handle.close()


def wait_until(condition: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def reduce_lock(project: Path, *, arxiv: Iterable[str] = (), acl: Iterable[str] = (),
                decisions: Iterable[str] = (), keys: Iterable[str] = ()) -> lockfile.Lock:
    """Drop records, published-version decisions and citation keys from the project's lock, written
    as exporter writes it; returns the reduced lock as loaded back."""
    path = project / LOCK
    lock = lockfile.load(path)
    for ident in arxiv:
        del lock.arxiv[ident]
    for ident in acl:
        del lock.acl[ident]
    for ident in decisions:
        del lock.published[f"arxiv:{ident}"]
    for uid in keys:
        del lock.keys[uid]
    lockfile.save(path, lock)
    return lockfile.load(path)


def upgrades(lock: lockfile.Lock, finder: str = "acl") -> dict[str, str | None]:
    """Published-version decisions by arXiv id: the id `finder` matched, or None when it matched none."""
    return {uid.removeprefix("arxiv:"): d["match"]["id"] if d["match"] and d["match"]["finder"] == finder else None
            for uid, d in lock.published.items()}


def entries_named(project: Path, idents: Iterable[str]) -> set[str]:
    """`sources/papers.toml:LINE: entry N (uid)` of each entry with one of these arXiv or Anthology ids."""
    wanted = set(idents)
    found = set()
    for entry in sourcesfile.load(project / TOML).entries:
        if {i for i in (entry.arxiv and entry.arxiv.full, entry.acl and entry.acl.id) if i} & wanted:
            found.add(f"{TOML.as_posix()}:{entry.line}: {entry.label}")
    assert len(found) == len(wanted), f"not every id has an entry: {sorted(wanted)}"
    return found


def assert_lock_sound(
    project: Path,
    services: FakeServices,
    result: subprocess.CompletedProcess[str],
    *,
    code: int,
    before: lockfile.Lock | None = None,
    failing: Iterable[str] = (),
    absent: Iterable[str] = (),
) -> lockfile.Lock:
    """The promises every fault must keep; returns the lock as the run left it.

    `code`: the exit code. `before`: the lock before the run; every record and published-version
    decision in it must still be there, unchanged. `failing`: the arXiv/Anthology ids whose entries
    must be named on stderr as `sources/papers.toml:LINE: entry N (id)`, and no other entry.
    `absent`: ids that must not be in the lock (no partial record stored for them).
    """
    output = result.stdout + result.stderr
    assert no_crash(output), output
    assert result.returncode == code, f"exit code {result.returncode}, expected {code}; stderr:\n{result.stderr}"
    path = project / LOCK
    lock = lockfile.load(path)  # raises on a damaged lock
    assert path.read_text(encoding="utf-8") == lock.to_json(), "the lock is not whole / not as exporter writes it"
    assert lock.edited() == [], f"lock values that differ from what was received: {lock.edited()}"
    for ident, record in lock.arxiv.items():
        served = services.arxiv[record["id"]]
        assert len(record["authors"]) == len(served.authors), \
            f"partial arXiv record {ident}: {len(record['authors'])} of {len(served.authors)} authors"
        assert record["authors"] == list(served.authors), f"arXiv record {ident}: authors differ"
        assert record["title"] == served.title, f"arXiv record {ident}: title differs"
        assert record["abstract"] == served.summary, f"arXiv record {ident}: abstract differs"
    for ident, record in lock.acl.items():
        served_acl = parse_bibtex(anthology_bibtex(services.anthology[ident]), ident, "ACL Anthology")
        assert record == served_acl, f"ACL Anthology record {ident} is not what the Anthology served"
    for ident, record in lock.of("dblp").items():
        served_dblp = parse_bibtex(services.dblp_index().by_key[ident].bibtex, ident, "DBLP")
        assert record == served_dblp, f"DBLP record {ident} is not what DBLP served"
    if before is not None:
        for kind in ("arxiv", "acl", "published"):
            have, had = getattr(lock, kind), getattr(before, kind)
            lost = sorted(i for i in had if i not in have or have[i] != had[i])
            assert not lost, f"{kind} values lost or changed by the run: {lost}"
    expected = entries_named(project, failing) if failing else set()
    named = set(NAMED.findall(result.stderr))
    assert named == expected, (f"entries named on stderr: {sorted(named)}\nexpected: {sorted(expected)}\n"
                               f"stderr:\n{result.stderr}")
    for ident in absent:
        assert ident not in lock.arxiv and ident not in lock.acl, f"{ident} is in the lock although it failed"
    return lock


def no_crash(output: str) -> bool:
    """No traceback, and no "internal error ...; this is a bug in exporter" line (an unforeseen exception)."""
    return "Traceback" not in output and "this is a bug in exporter" not in output


def lock_bytes(project: Path) -> bytes:
    return (project / LOCK).read_bytes()


def retry_lines(stderr: str) -> list[re.Match[str]]:
    return list(RETRY_LINE.finditer(stderr))


def temp_files(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders if folder.is_dir() for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def project(committed_list: Path) -> Path:
    """A copy of the committed sources, lock and outputs (the cwd; services are started per test)."""
    return committed_list


# ---------------------------------------------------------------------------
# 1, 2. arXiv answering 503, 429 or empty pages: beyond the retry budget and within it
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["503", "429", "empty"])
@pytest.mark.parametrize(("faults", "code"), [(3, 1), (2, 0)], ids=["beyond-budget", "within-budget"])
def test_arxiv_transient_faults(project: Path, fake_services: FakeServices, kind: str, faults: int, code: int) -> None:
    before = reduce_lock(project, arxiv=PLAIN)
    for _ in range(faults):
        fake_services.add_fault(kind, "/api/")
    result = run_cli(project, fake_services, "resolve", "--retries", "2")
    failing = PLAIN if code else []
    assert_lock_sound(project, fake_services, result, code=code, before=before, failing=failing, absent=failing)
    assert len(fake_services.arxiv_requests) == (3 if code else faults + 1)
    tries = [int(m["try"]) for m in retry_lines(result.stderr) if m["service"] == "arXiv API"]
    assert tries == [2, 3], f"retry lines:\n{result.stderr}"
    if code:
        for line in entries_named(project, PLAIN):
            assert re.search(rf"^{re.escape(line)}: .*\(after 3 tries\)", result.stderr, re.M), result.stderr
        assert not fake_services.faults
        again = run_cli(project, fake_services, "resolve", "--retries", "2")  # the service is back
        assert_lock_sound(project, fake_services, again, code=0, before=before)
    assert lock_bytes(project) == COMMITTED_LOCK


@pytest.mark.parametrize(("kind", "service", "path"), [("503", "arXiv API", "/api/"),
                                                       ("500", "ACL Anthology", "/2022.acl-long.244")])
def test_retry_message_names_the_service_once(project: Path, fake_services: FakeServices, kind: str, service: str,
                                              path: str) -> None:
    """Documented (Settings.notify): `arXiv API: HTTP 503; retrying in 3 s (try 2 of 5)`."""
    reduce_lock(project, arxiv=PLAIN, acl=["2022.acl-long.244"])
    fake_services.add_fault(kind, path)
    result = run_cli(project, fake_services, "resolve", "--retries", "1")
    assert_lock_sound(project, fake_services, result, code=0)
    lines = [m[0] for m in retry_lines(result.stderr)]
    assert len(lines) == 1, result.stderr
    assert re.fullmatch(rf"{service}: HTTP {kind}; retrying in \d+ s \(try 2 of 2\)", lines[0]), (
        f"the retry line names the service twice: {lines[0]!r} "
        f"(expected '{service}: HTTP {kind}; retrying in N s (try 2 of 2)')")


# ---------------------------------------------------------------------------
# 3. A body cut short (with a matching Content-Length): a 41-author record
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("cuts", "code"), [(3, 1), (1, 0)], ids=["every-try", "once"])
def test_cut_body_of_a_many_author_record(project: Path, fake_services: FakeServices, cuts: int, code: int) -> None:
    assert len(fake_services.arxiv["2110.08207"].authors) == 41
    before = reduce_lock(project, arxiv=["2110.08207"])  # its decision (no published version) stays
    for _ in range(cuts):
        fake_services.add_fault("cut", "/api/")
    result = run_cli(project, fake_services, "resolve", "--retries", "2")
    failing = ["2110.08207"] if code else []
    lock = assert_lock_sound(project, fake_services, result, code=code, before=before, failing=failing,
                             absent=failing)
    assert len(fake_services.arxiv_requests) == (3 if code else 2)
    assert all("not well-formed" in m["problem"] for m in retry_lines(result.stderr)), result.stderr
    if code:
        assert re.search(r"entry 3 \(arxiv:2110\.08207\): (?:not resolved: )?"
                         r"arXiv API: the answer is not well-formed XML", result.stderr), result.stderr
    else:
        assert len(lock.arxiv["2110.08207"]["authors"]) == 41
        assert lock_bytes(project) == COMMITTED_LOCK


# ---------------------------------------------------------------------------
# 4. A hung service: the budget bounds the run
# ---------------------------------------------------------------------------


def test_hung_anthology_ends_in_bounded_time(project: Path, fake_services: FakeServices) -> None:
    lock = lockfile.load(project / LOCK)
    extra = [f"2023.acl-short.{n}" for n in range(1, 5)]
    with (project / TOML).open("a", encoding="utf-8") as handle:
        handle.write("".join(f'\n[[papers]]\nacl = "{i}"\n' for i in extra))
    hung = list(lock.acl) + extra
    assert len(hung) == 30
    before = reduce_lock(project, acl=lock.acl)
    fake_services.hang_seconds = 3
    for _ in range(200):
        fake_services.add_fault("timeout", "/20")  # every per-paper .bib hangs
    timeout, retries = 0.5, 2
    result = run_cli(project, fake_services, "resolve", "--timeout", str(timeout), "--retries", str(retries))
    # Every entry whose Anthology record (its own or its published version's) hung is named.
    assert_lock_sound(project, fake_services, result, code=1, before=before,
                      failing=["2104.08773"] + [k for k, v in upgrades(lock).items() if v] + extra, absent=hung)
    naive = len(hung) * (retries + 1) * timeout  # 45 s without a budget
    assert result.seconds < 12, f"a hung service took {result.seconds:.1f} s (without the budget: {naive:.0f} s)"
    assert len(fake_services.acl_requests) == (retries + 1) + 2, [r.path for r in fake_services.acl_requests]
    assert result.stderr.count("not fetched: ACL Anthology is unreachable (timed out") == len(hung) - 3
    assert not fake_services.arxiv_requests and not fake_services.dump_requests


# ---------------------------------------------------------------------------
# 5. A failing Anthology dump
# ---------------------------------------------------------------------------

# Preprints re-fetched in the run, whose published versions must be checked again
# (2201.05966 and 2205.12673 have one); and entry 1's own Anthology record.
DUMP_ARXIV = ["2109.01652", "2201.05966", "2205.12673"]
DUMP_ACL = ["2022.emnlp-main.39", "2022.emnlp-main.33", "2022.acl-long.244"]


@pytest.mark.parametrize(("kind", "faults"), [("500", 3), ("truncate", 3), ("cut", 3), ("notgzip", 1),
                                              ("timeout", 3)])
def test_failing_dump_keeps_what_was_fetched(project: Path, fake_services: FakeServices, kind: str,
                                             faults: int) -> None:
    before = reduce_lock(project, arxiv=DUMP_ARXIV, decisions=DUMP_ARXIV, acl=DUMP_ACL)
    fake_services.hang_seconds = 1.5
    for _ in range(faults):
        fake_services.add_fault(kind, "/anthology.bib.gz")
    result = run_cli(project, fake_services, "resolve", "--retries", "2", "--timeout", "0.5")
    lock = assert_lock_sound(project, fake_services, result, code=1, before=before, failing=DUMP_ARXIV)
    assert not fake_services.faults, "every try was made" if faults > 1 else "a dump that is not gzip is not retried"
    for line in entries_named(project, DUMP_ARXIV):
        assert re.search(rf"^{re.escape(line)}: published version not checked \(ACL Anthology\): ", result.stderr, re.M), result.stderr
    # Everything fetched in the run is kept; nothing was decided for the unchecked preprints.
    assert set(DUMP_ARXIV) <= set(lock.arxiv) and "2022.acl-long.244" in lock.acl
    assert not set(DUMP_ARXIV) & set(upgrades(lock))
    cache = Path(os.environ["EXPORTER_CACHE_DIR"])
    assert not temp_files(cache) and not (cache / "anthology.bib.gz").exists()
    # Without the fault, a later resolve finishes the job: the lock is the committed one.
    again = run_cli(project, fake_services, "resolve")
    assert_lock_sound(project, fake_services, again, code=0, before=lock)
    assert lock_bytes(project) == COMMITTED_LOCK


# ---------------------------------------------------------------------------
# 6. Per-paper .bib failures for matched published versions
# ---------------------------------------------------------------------------


def test_failed_published_version_records_stay_decided(project: Path, fake_services: FakeServices) -> None:
    committed = lockfile.load(project / LOCK)
    matched = {k: v for k, v in upgrades(committed).items() if v and v.startswith("2023.findings-")}
    assert len(matched) == 7
    refetched = sorted(matched)[:3]  # re-matched in this run; the other four were decided earlier
    before = reduce_lock(project, arxiv=refetched, decisions=refetched, acl=matched.values())
    for _ in range(20):
        fake_services.add_fault("500", "/2023.findings-")
    result = run_cli(project, fake_services, "resolve", "--retries", "1")
    lock = assert_lock_sound(project, fake_services, result, code=1, before=before, failing=list(matched),
                             absent=list(matched.values()))
    for arxiv_id, acl_id in matched.items():  # every decision is kept, also the three made now
        assert lock.published[f"arxiv:{arxiv_id}"] == committed.published[f"arxiv:{arxiv_id}"]
    assert result.stderr.count("not fetched: ACL Anthology is unreachable") == 4  # budget: 2 + 1 + 1 tries
    fake_services.faults.clear()
    named = entries_named(project, list(matched))

    check = run_cli(project, fake_services, "check")
    assert check.returncode == 1 and no_crash(check.stdout + check.stderr)
    assert set(NAMED.findall(check.stdout)) == named, check.stdout
    for arxiv_id, acl_id in matched.items():
        assert f"its published version acl:{acl_id} is matched but" in check.stdout
    offline = run_cli(project, fake_services, "build", "--offline")
    assert offline.returncode == 1 and no_crash(offline.stderr)
    assert set(NAMED.findall(offline.stderr)) == named, offline.stderr
    for arxiv_id, acl_id in matched.items():
        assert f"its published version acl:{acl_id} is matched but" in offline.stderr
    assert {n: (project / "outputs" / n).read_bytes() for n in OUTPUTS} == COMMITTED_OUTPUTS

    seen = len(fake_services.requests)
    again = run_cli(project, fake_services, "resolve")
    assert_lock_sound(project, fake_services, again, code=0, before=lock)
    assert sorted(r.path for r in fake_services.requests[seen:]) == sorted(f"/{i}.bib" for i in matched.values())
    assert lock_bytes(project) == COMMITTED_LOCK
    assert run_cli(project, fake_services, "check").returncode == 0


# ---------------------------------------------------------------------------
# 7. kill -9 during resolve, build and add
# ---------------------------------------------------------------------------


def assert_whole_after_kill(project: Path, lock_before: bytes, toml_before: bytes,
                            outputs_allowed: dict[str, set[bytes]]) -> None:
    """After a SIGKILL: the lock loads (the old one, or a whole new one), the sources parse, each
    output is one of the allowed complete texts."""
    path = project / LOCK
    lock = lockfile.load(path)
    assert path.read_bytes() == lock_before or path.read_text(encoding="utf-8") == lock.to_json()
    text = (project / TOML).read_bytes()
    sourcesfile.load(project / TOML)
    assert text == toml_before or text.startswith(toml_before.rstrip(b"\n")), "papers.toml changed in place"
    for name, allowed in outputs_allowed.items():
        have = (project / "outputs" / name).read_bytes()
        assert have in allowed, f"outputs/{name} is neither the old nor the new complete text"


def plant_leftovers(project: Path) -> list[Path]:
    """What a run killed inside write_atomic leaves: mkstemp's temp files, half written."""
    planted = [project / "outputs" / ".refs.bib.k9x2m4q1.tmp", project / "sources" / ".papers.lock.json.a1b2c3d4.tmp"]
    for path in planted:
        path.write_bytes(b'{\n  "arxiv": {\n')
    return planted


def recover(project: Path, services: FakeServices, expect_leftovers: bool = True) -> None:
    """`check` names leftover temp files; `build` removes them and succeeds; then `check` passes."""
    leftovers = temp_files(project / "outputs", project / "sources")
    assert leftovers or not expect_leftovers
    check = run_cli(project, services, "check")
    for path in leftovers:
        assert f"{path.relative_to(project).as_posix()}: {TEMP_NAMED}" in check.stdout, check.stdout
    if leftovers:
        assert check.returncode == 1
    build = run_cli(project, services, "build")
    assert build.returncode == 0 and no_crash(build.stderr), build.stderr
    assert not temp_files(project / "outputs", project / "sources"), "build left temp files"
    final = run_cli(project, services, "check")
    assert final.returncode == 0, final.stdout + final.stderr


def _remove_entry(project: Path, arxiv_id: str) -> None:
    path = project / TOML
    text = path.read_text(encoding="utf-8")
    table = f'[[papers]]\narxiv = "{arxiv_id}"\n\n'
    assert table in text
    path.write_text(text.replace(table, ""), encoding="utf-8")


@pytest.mark.parametrize("command", ["resolve", "build", "add"])
def test_kill_9_mid_request(project: Path, fake_services: FakeServices, tmp_path_factory: pytest.TempPathFactory,
                            command: str) -> None:
    if command == "add":
        _remove_entry(project, "2109.01652")
        reduce_lock(project, arxiv=["2109.01652"], decisions=["2109.01652"], keys=["arxiv:2109.01652"])
        args = ["add", "2109.01652"]
    else:
        reduce_lock(project, arxiv=PLAIN)
        args = [command]
    lock_before, toml_before = lock_bytes(project), (project / TOML).read_bytes()
    fake_services.hang_seconds = 60  # held until killed (stop() releases it)
    fake_services.add_fault("timeout", "/api/")
    log = tmp_path_factory.mktemp("log") / "run.log"
    process = start_cli(project, fake_services, log, *args)
    try:
        wait_until(lambda: fake_services.arxiv_requests, "the arXiv request")
        time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert no_crash(log.read_text()), log.read_text()
    assert_whole_after_kill(project, lock_before, toml_before, {n: {COMMITTED_OUTPUTS[n]} for n in OUTPUTS})
    assert lock_bytes(project) == lock_before and (project / TOML).read_bytes() == toml_before
    plant_leftovers(project)
    if command == "add":
        again = run_cli(project, fake_services, "add", "--no-build", "2109.01652")
        assert no_crash(again.stderr) and again.returncode == 0, again.stderr
        assert not temp_files(project / "sources"), "add did not remove the sources' leftovers"
    recover(project, fake_services, expect_leftovers=command != "add")
    if command != "add":
        assert lock_bytes(project) == COMMITTED_LOCK


def test_kill_9_at_varied_moments_of_a_build(project: Path, fake_services: FakeServices,
                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    """Killed at spread-out moments (startup, rendering, writing): never a half-written file."""
    old = {name: b"old " + COMMITTED_OUTPUTS[name] for name in OUTPUTS}
    allowed = {name: {old[name], COMMITTED_OUTPUTS[name]} for name in OUTPUTS}
    lock_before, toml_before = lock_bytes(project), (project / TOML).read_bytes()
    log = tmp_path_factory.mktemp("log") / "run.log"
    for delay in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8):
        for name in OUTPUTS:
            (project / "outputs" / name).write_bytes(old[name])
        process = start_cli(project, fake_services, log, "build", "--offline")
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        assert no_crash(log.read_text()), log.read_text()
        assert_whole_after_kill(project, lock_before, toml_before, allowed)
    recover(project, fake_services, expect_leftovers=False)
    assert {n: (project / "outputs" / n).read_bytes() for n in OUTPUTS} == COMMITTED_OUTPUTS


# ---------------------------------------------------------------------------
# 8. Two concurrent `exporter add`
# ---------------------------------------------------------------------------


def test_concurrent_adds_both_land(project: Path, fake_services: FakeServices,
                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    ids = ["2109.01652", "2203.02155"]
    for arxiv_id in ids:
        _remove_entry(project, arxiv_id)
    reduce_lock(project, arxiv=ids, decisions=ids, keys=[f"arxiv:{i}" for i in ids])
    base_toml, base_lock = (project / TOML).read_bytes(), lock_bytes(project)
    fake_services.hang_seconds = 0.3
    logs = tmp_path_factory.mktemp("logs")
    for attempt in range(5):
        (project / TOML).write_bytes(base_toml)
        (project / LOCK).write_bytes(base_lock)
        fake_services.faults.clear()
        for _ in range(30):  # the first writer's arXiv request is held until the second waits
            fake_services.add_fault("timeout", "/api/")
        paths = [logs / f"{attempt}-{i}.log" for i in ids]
        processes = [start_cli(project, fake_services, path, "add", "--retries", "30", arxiv_id)
                     for path, arxiv_id in zip(paths, ids)]
        try:
            wait_until(lambda: any("another exporter run is writing this list; waiting" in p.read_text()
                                   for p in paths),
                       "the second add to wait for the first (no writer lock?)", timeout=20)
            fake_services.faults.clear()
            codes = [p.wait(timeout=60) for p in processes]
        finally:
            for p in processes:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        outputs = [p.read_text() for p in paths]
        assert codes == [0, 0], "\n".join(outputs)
        assert no_crash("".join(outputs)), "".join(outputs)
        text = (project / TOML).read_text(encoding="utf-8")
        for arxiv_id in ids:
            assert text.count(f'arxiv = "{arxiv_id}"') == 1, f"attempt {attempt}: {arxiv_id} lost"
        lock = lockfile.load(project / LOCK)
        assert set(ids) <= set(lock.arxiv) and set(ids) <= set(upgrades(lock))
        check = run_cli(project, fake_services, "check")
        assert check.returncode == 0, f"attempt {attempt}: {check.stdout}{check.stderr}"


# ---------------------------------------------------------------------------
# 9. A full disk (in process: the writes in exporter.files fail with ENOSPC)
# ---------------------------------------------------------------------------


class _FullDisk:
    """Stands in for `os` in exporter.files: writes of files in `folder` fail with ENOSPC, half
    written (mode "write"), or their final rename does (mode "replace")."""

    def __init__(self, folder: Path, mode: str) -> None:
        self.folder, self.mode = folder.resolve(), mode

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def _full(self, path: str | os.PathLike[str]) -> bool:
        return Path(path).resolve().parent == self.folder

    def fdopen(self, fd: int, *args: Any, **kwargs: Any) -> Any:
        handle = os.fdopen(fd, *args, **kwargs)
        if self.mode != "write" or not self._full(os.readlink(f"/proc/self/fd/{fd}")):
            return handle

        class Half:
            def __enter__(self) -> Half:
                return self

            def __exit__(self, *exc: object) -> None:
                handle.close()

            def write(self, data: bytes) -> int:
                handle.write(data[: len(data) // 2])
                handle.flush()
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        return Half()

    def replace(self, src: str, dst: str | os.PathLike[str]) -> None:
        if self.mode == "replace" and self._full(dst):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.replace(src, dst)


@pytest.mark.parametrize("mode", ["write", "replace"])
@pytest.mark.parametrize("target", ["outputs", "lock"])
def test_full_disk(project: Path, fake_services: FakeServices, monkeypatch: pytest.MonkeyPatch, mode: str,
                   target: str) -> None:
    import exporter.files
    from exporter.cli import main

    if target == "outputs":
        for name in OUTPUTS:  # stale outputs, so that build rewrites them
            (project / "outputs" / name).write_bytes(b"old " + COMMITTED_OUTPUTS[name])
        args, failing = ["build", "--offline"], "outputs/refs.bib"
    else:
        reduce_lock(project, arxiv=["2109.01652"])
        monkeypatch.setenv("EXPORTER_ARXIV_URL", fake_services.arxiv_url)
        monkeypatch.setenv("EXPORTER_ACL_URL", fake_services.acl_url)
        args, failing = ["resolve"], "sources/papers.lock.json"
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    monkeypatch.setattr(exporter.files, "os", _FullDisk(project / Path(failing).parent, mode))
    result = CliRunner().invoke(main, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [f"Error: {failing}: cannot write: No space left on device"], result.stderr
    assert result.stderr.endswith(errors[0] + "\n")
    assert not temp_files(project / "outputs", project / "sources"), "a temp file was left behind"
    after = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    assert after == before, "a file changed although the disk is full"


# ---------------------------------------------------------------------------
# 10. Retry-After is honoured
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "prefix"), [("429-retry-after", "/api/"), ("503-retry-after", "/api/"),
                                              ("503-retry-after", "/2022.acl-long.244")])
def test_retry_after_is_honoured(project: Path, fake_services: FakeServices, kind: str, prefix: str) -> None:
    before = reduce_lock(project, arxiv=PLAIN, acl=["2022.acl-long.244"])
    fake_services.add_fault(kind, prefix)
    result = run_cli(project, fake_services, "resolve")
    assert_lock_sound(project, fake_services, result, code=0, before=before)
    times = [t for t, _ in fake_services.timed_requests(prefix)]
    assert len(times) == 2, fake_services.requests
    assert times[1] - times[0] >= 1.0, f"retried after {times[1] - times[0]:.2f} s despite Retry-After: 1"
    waits = [int(m["wait"]) for m in retry_lines(result.stderr)]
    assert waits == [1], result.stderr
    assert lock_bytes(project) == COMMITTED_LOCK


# ---------------------------------------------------------------------------
# 11. Regressions: what an independent fault review found
# ---------------------------------------------------------------------------

WAITING = "another exporter run is writing this list; waiting"


def run_cli_env(project: Path, services: FakeServices, env: dict[str, str], *args: str,
                timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """`run_cli` with extra environment variables (over the ones `_env` sets)."""
    return subprocess.run([sys.executable, "-m", "exporter", *args], cwd=project, env=_env(services, env),
                          capture_output=True, text=True, timeout=timeout)


def _stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def _adds_held_then_released(project: Path, services: FakeServices, logs: Path,
                             runs: list[tuple[str, ...]]) -> tuple[list[int], list[str]]:
    """Start the `add` runs together, every arXiv request held (timeout faults) until all but one run
    wait for the writer lock, or until every run has asked arXiv (nothing serialises them); then let
    them finish. Returns their exit codes and output."""
    services.hang_seconds = 0.3
    for _ in range(60):
        services.add_fault("timeout", "/api/")
    paths = [logs / f"{n}.log" for n in range(len(runs))]
    processes = [start_cli(project, services, path, *args) for path, args in zip(paths, runs)]
    try:
        def settled() -> bool:
            waiting = sum(WAITING in p.read_text() for p in paths)
            asked = {r.query.get("id_list") for r in services.arxiv_requests}
            return waiting == len(runs) - 1 or len(asked) == len(runs)
        wait_until(settled, "the runs to wait for the writer lock or all ask arXiv", timeout=30)
        services.faults.clear()
        codes = [p.wait(timeout=60) for p in processes]
    finally:
        _stop_all(processes)
    return codes, [p.read_text() for p in paths]


def test_concurrent_adds_into_a_list_not_created_yet_all_land(project: Path, fake_services: FakeServices,
                                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    """D1: three adds creating `new/sources/papers.toml` take turns (the lock is the nearest existing folder)."""
    ids = ["2109.01652", "2110.08207", "2203.02155"]
    sources = Path("new") / "sources" / "papers.toml"
    assert not (project / "new").exists()
    runs = [("--sources", sources.as_posix(), "add", "--no-build", "--retries", "30", i) for i in ids]
    codes, outputs = _adds_held_then_released(project, fake_services, tmp_path_factory.mktemp("logs"), runs)
    assert no_crash("".join(outputs)), "".join(outputs)
    assert codes == [0, 0, 0], "\n".join(outputs)
    text = (project / sources).read_text(encoding="utf-8")
    lost = [i for i in ids if text.count(f'arxiv = "{i}"') != 1]
    assert not lost, f"entries lost from {sources}: {lost}\n{text}\n" + "\n".join(outputs)
    lock = lockfile.load(project / sources.with_name("papers.lock.json"))
    assert set(ids) <= set(lock.arxiv), sorted(lock.arxiv)


def test_concurrent_adds_through_a_symlinked_list_both_land(project: Path, fake_services: FakeServices,
                                                           tmp_path_factory: pytest.TempPathFactory) -> None:
    """D2: `A/papers.toml` and `A/papers.lock.json` link to `sources/`'s: adds through either path take turns."""
    ids = ["2109.01652", "2203.02155"]
    for arxiv_id in ids:
        _remove_entry(project, arxiv_id)
    reduce_lock(project, arxiv=ids, decisions=ids, keys=[f"arxiv:{i}" for i in ids])
    (project / "A").mkdir()
    (project / "A" / "papers.toml").symlink_to(Path("..") / TOML)
    (project / "A" / "papers.lock.json").symlink_to(Path("..") / LOCK)
    runs = [("--sources", "A/papers.toml", "add", "--no-build", "--retries", "30", ids[0]),
            ("--sources", TOML.as_posix(), "add", "--no-build", "--retries", "30", ids[1])]
    codes, outputs = _adds_held_then_released(project, fake_services, tmp_path_factory.mktemp("logs"), runs)
    assert no_crash("".join(outputs)), "".join(outputs)
    assert codes == [0, 0], "\n".join(outputs)
    assert (project / "A" / "papers.toml").is_symlink() and (project / "A" / "papers.lock.json").is_symlink()
    text = (project / TOML).read_text(encoding="utf-8")
    lost = [i for i in ids if text.count(f'arxiv = "{i}"') != 1]
    assert not lost, f"entries lost from {TOML}: {lost}\n" + "\n".join(outputs)
    lock = lockfile.load(project / LOCK)
    assert set(ids) <= set(lock.arxiv) and set(ids) <= set(upgrades(lock)), sorted(lock.arxiv)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_signal_during_a_hanging_dump_saves_the_fetched_records(project: Path, fake_services: FakeServices,
                                                                tmp_path_factory: pytest.TempPathFactory,
                                                                signum: int) -> None:
    """D3: SIGTERM/SIGHUP end a run as Ctrl-C does: the arXiv records that arrived are in the lock."""
    committed = lockfile.load(project / LOCK)
    before = reduce_lock(project, arxiv=PLAIN, decisions=PLAIN)
    fake_services.hang_seconds = 60  # the dump request is held until the run is stopped
    fake_services.add_fault("timeout", "/anthology.bib.gz")
    log = tmp_path_factory.mktemp("log") / "run.log"
    process = start_cli(project, fake_services, log, "resolve")
    try:
        wait_until(lambda: fake_services.dump_requests, "the dump request")
        time.sleep(0.2)
        process.send_signal(signum)
        code = process.wait(timeout=15)
    finally:
        _stop_all([process])
    output = log.read_text()
    assert no_crash(output), output
    assert code == 128 + signum, f"exit code {code}, expected {128 + signum}:\n{output}"
    lock = lockfile.load(project / LOCK)
    assert (project / LOCK).read_text(encoding="utf-8") == lock.to_json()
    for arxiv_id in PLAIN:
        assert lock.arxiv.get(arxiv_id) == committed.arxiv[arxiv_id], f"{arxiv_id}: fetched, but not in the lock"
        assert f"arxiv:{arxiv_id}" not in lock.published
    for kind in ("arxiv", "acl", "published"):
        assert all(getattr(lock, kind).get(i) == v for i, v in getattr(before, kind).items())
    assert not temp_files(project / "sources", project / "outputs")
    assert len(fake_services.arxiv_requests) == 1


def test_dump_of_no_papers_decides_nothing(project: Path, fake_services: FakeServices) -> None:
    """D4: a gzipped error page as the dump: nothing is decided against it, and it is not kept."""
    import gzip

    from fakeserver import ANTHOLOGY_DUMP

    before = reduce_lock(project, arxiv=DUMP_ARXIV, decisions=DUMP_ARXIV, acl=DUMP_ACL)
    fake_services.set_anthology_dump(gzip.compress(b"<html>error</html>"))
    result = run_cli(project, fake_services, "resolve", "--retries", "1")
    lock = assert_lock_sound(project, fake_services, result, code=1, before=before, failing=DUMP_ARXIV)
    for line in entries_named(project, DUMP_ARXIV):
        assert re.search(rf"^{re.escape(line)}: published version not checked \(ACL Anthology\): .*holds no papers",
                         result.stderr, re.M), result.stderr
    assert not set(DUMP_ARXIV) & set(upgrades(lock)), "decided against a dump without papers"
    assert set(DUMP_ARXIV) <= set(lock.arxiv)
    cache = Path(os.environ["EXPORTER_CACHE_DIR"])
    assert not (cache / "anthology.bib.gz").exists(), "the dump without papers was kept in the cache"
    fake_services.set_anthology_dump(ANTHOLOGY_DUMP.read_bytes())
    again = run_cli(project, fake_services, "resolve")
    assert_lock_sound(project, fake_services, again, code=0, before=lock)
    assert lock_bytes(project) == COMMITTED_LOCK


@pytest.mark.parametrize("how", ["dump-500", "cache-under-a-file"])
def test_add_keeps_the_paper_when_its_published_version_cannot_be_checked(
        project: Path, fake_services: FakeServices, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """D5: the paper's own record resolved; only the published-version check failed: it is added."""
    arxiv_id = "2109.01652"
    committed = lockfile.load(project / LOCK)
    _remove_entry(project, arxiv_id)
    reduce_lock(project, arxiv=[arxiv_id], decisions=[arxiv_id], keys=[f"arxiv:{arxiv_id}"])
    if how == "dump-500":
        for _ in range(10):
            fake_services.add_fault("500", "/anthology.bib.gz")
    else:
        (project / "blocker").write_text("a regular file\n")
        monkeypatch.setenv("EXPORTER_CACHE_DIR", str(project / "blocker" / "cache"))
    result = run_cli(project, fake_services, "add", "--no-build", "--retries", "1", arxiv_id)
    output = result.stdout + result.stderr
    assert no_crash(output), output
    text = (project / TOML).read_text(encoding="utf-8")
    assert text.count(f'arxiv = "{arxiv_id}"') == 1, f"the paper was not added (exit {result.returncode}):\n{output}"
    lock = lockfile.load(project / LOCK)
    assert lock.arxiv.get(arxiv_id) == committed.arxiv[arxiv_id], output
    assert f"arxiv:{arxiv_id}" not in lock.published
    assert re.search(rf"\(arxiv:{re.escape(arxiv_id)}\): .*published version not checked.*"
                     r"'exporter resolve' tries again", result.stderr), result.stderr


@pytest.mark.parametrize(("kind", "gap"), [("429-retry-after", 2.0), ("503", 1.0)],
                         ids=["429-retry-after-2", "503-delay"])
def test_arxiv_pacing_holds_across_batches(project: Path, fake_services: FakeServices, kind: str,
                                           gap: float) -> None:
    """D6: a failed batch's Retry-After (or the delay) holds for the next batch, beyond the retries."""
    ids = [f"2401.{n:05d}" for n in range(1, 100)] + PLAIN  # 101 ids: two batches, the second PLAIN[1]
    (project / TOML).write_text("".join(f'[[papers]]\narxiv = "{i}"\n\n' for i in ids), encoding="utf-8")
    (project / LOCK).unlink()
    fake_services.retry_after = "2"
    fake_services.add_fault(kind, "/api/")
    result = run_cli(project, fake_services, "resolve", "--no-upgrade", "--retries", "0", "--arxiv-delay", "1")
    output = result.stdout + result.stderr
    assert no_crash(output) and result.returncode == 1, output
    timed = fake_services.timed_requests("/api/")
    assert [r.query.get("id_list") for _, r in timed] == [",".join(ids[:100]), PLAIN[1]], output
    waited = timed[1][0] - timed[0][0]
    assert waited >= gap, f"the second batch came {waited:.2f} s after the first failed ({kind}), not {gap:g} s"
    assert PLAIN[1] in lockfile.load(project / LOCK).arxiv


def test_trickled_answer_times_out(project: Path, fake_services: FakeServices) -> None:
    """D7: a 200 whose body comes a byte at a time is bounded by --timeout for the whole answer."""
    before = reduce_lock(project, arxiv=PLAIN)
    fake_services.add_fault("trickle", "/api/")
    try:
        result = run_cli(project, fake_services, "resolve", "--timeout", "1", "--retries", "0", timeout=15)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"`resolve --timeout 1 --retries 0` against a trickling answer still ran after 15 s "
                    f"(stderr so far: {exc.stderr!r})")
    assert_lock_sound(project, fake_services, result, code=1, before=before, failing=PLAIN, absent=PLAIN)
    assert result.seconds < 6, f"a trickling answer took {result.seconds:.1f} s with --timeout 1"
    for line in entries_named(project, PLAIN):
        assert re.search(rf"^{re.escape(line)}: .*(?:timed out|not complete after 1 s)", result.stderr,
                         re.M), result.stderr


def test_sources_given_from_inside_the_sources_folder(project: Path, fake_services: FakeServices) -> None:
    """D9: `--sources papers.toml` in LIST/sources: the outputs are LIST/outputs, and check agrees."""
    import shutil

    shutil.rmtree(project / "outputs")
    inside = project / "sources"
    build = run_cli(inside, fake_services, "--sources", "papers.toml", "build", "--offline")
    assert build.returncode == 0 and no_crash(build.stderr), build.stderr
    assert not (inside / "outputs").exists(), "the outputs went to sources/outputs"
    assert {n: (project / "outputs" / n).read_bytes() for n in OUTPUTS if (project / "outputs" / n).exists()} \
        == COMMITTED_OUTPUTS
    check = run_cli(inside, fake_services, "--sources", "papers.toml", "check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_lock_wait_that_is_not_a_number(project: Path, fake_services: FakeServices) -> None:
    """D12: a mistyped EXPORTER_LOCK_WAIT is one clear line, not an internal error."""
    result = run_cli_env(project, fake_services, {"EXPORTER_LOCK_WAIT": "abc"}, "build", "--offline")
    assert result.returncode == 1, result.stderr
    assert result.stderr == "Error: EXPORTER_LOCK_WAIT must be a number of seconds, not 'abc'\n", result.stderr


def test_toml_nested_too_deeply(project: Path, fake_services: FakeServices) -> None:
    """D12: 5,000 nested arrays are one clear line, not an internal error."""
    (project / TOML).write_text("papers = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    result = run_cli(project, fake_services, "build", "--offline")
    assert result.returncode == 1, result.stderr
    assert result.stderr == "Error: sources/papers.toml: invalid TOML: nested too deeply\n", result.stderr


def test_cut_anthology_bibtex_logs_nothing_from_bibtexparser(project: Path, fake_services: FakeServices) -> None:
    """D14: an Anthology .bib cut in half on every try: the entry is named, bibtexparser says nothing."""
    acl_id = "2022.acl-long.244"
    before = reduce_lock(project, acl=[acl_id])
    for _ in range(3):
        fake_services.add_fault("cut", f"/{acl_id}")
    result = run_cli(project, fake_services, "resolve", "--retries", "2")
    assert_lock_sound(project, fake_services, result, code=1, before=before, failing=[acl_id], absent=[acl_id])
    assert "bibtexparser" not in result.stderr and "Parsing of" not in result.stderr, result.stderr
