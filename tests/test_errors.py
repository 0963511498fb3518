"""The error table: bad input gives one line naming file, line and entry, exit 1 (2 for usage), no traceback.

Each case runs the real `exporter` command in a fresh process on a copy of the committed list,
and checks that nothing was written: no half-written output, no changed lock or sources file.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).parent.parent
GOOD = (ROOT / "sources" / "papers.toml").read_text(encoding="utf-8")


def replace(old: str, new: str) -> Callable[[Path], None]:
    def setup(project: Path) -> None:
        path = project / "sources" / "papers.toml"
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return setup


def append(extra: str) -> Callable[[Path], None]:
    def setup(project: Path) -> None:
        with (project / "sources" / "papers.toml").open("a", encoding="utf-8") as handle:
            handle.write(extra)
    return setup


def remove(name: str) -> Callable[[Path], None]:
    return lambda project: (project / name).unlink()


def make_file(name: str) -> Callable[[Path], None]:
    return lambda project: (project / name).write_text("not a folder\n", encoding="utf-8")


def make_folder(name: str) -> Callable[[Path], None]:
    return lambda project: (project / name).mkdir(parents=True)


# (case, setup, command line, expected stderr (a regex matching the whole of it), exit code)
CASES = [
    ("malformed TOML", replace('arxiv = "2109.01652"', 'arxiv = "2109.01652'), ["build", "--offline"],
     r"Error: sources/papers\.toml:27: invalid TOML: .+", 1),
    ("unknown top-level key", append('\n[lists]\nheading = "x"\n'), ["build", "--offline"],
     r"Error: sources/papers\.toml: unknown top-level key 'lists' \(expected \[list\] and \[\[papers\]\]\)", 1),
    ("unknown paper key", replace('arxiv = "2109.01652"\n', 'arxiv = "2109.01652"\nvenu = "ICLR"\n'), ["build", "--offline"],
     r"Error: sources/papers\.toml:28: entry 2 \(arxiv = '2109\.01652'\): unknown key 'venu'; allowed: arxiv, .+", 1),
    ("wrong type", replace('arxiv = "2109.01652"\n', 'arxiv = "2109.01652"\nyear = "2022"\n'), ["build", "--offline"],
     r"Error: sources/papers\.toml:28: entry 2 \(arxiv = '2109\.01652'\): 'year' must be an integer, not str", 1),
    ("wrong type in [list]", replace('section = "Papers"', 'section = ["Papers"]'), ["build", "--offline"],
     r"Error: sources/papers\.toml:4: \[list\]: 'section' must be a string", 1),
    ("invalid arXiv id", replace('arxiv = "2109.01652"', 'arxiv = "2109.0165"'), ["build", "--offline"],
     r"Error: sources/papers\.toml:27: entry 2 \(arxiv = '2109\.0165'\): '2109\.0165' is not an arXiv id, URL or DOI .+", 1),
    ("invalid Anthology id", replace('acl = "2022.acl-long.244"', 'acl = "ACL 2022"'), ["build", "--offline"],
     r"Error: sources/papers\.toml:23: entry 1 \(arxiv = '2104\.08773'\): 'ACL 2022' is not an ACL Anthology id, URL or DOI .+", 1),
    ("duplicate citation keys", append('\n[[papers]]\narxiv = "2401.00001"\nkey = "Wei2021"\n\n[[papers]]\narxiv = "2401.00002"\nkey = "wei2021"\n'),
     ["build", "--offline"],
     r"Error: sources/papers\.toml:241: entry 69 \(arxiv:2401\.00002\): duplicate key 'wei2021', already used by entry 68 \(line 235\)", 1),
    ("a manual entry without authors", append('\n[[papers]]\ntitle = "Alpaca"\nyear = 2023\n'), ["build", "--offline"],
     r"Error: sources/papers\.toml:235: entry 68 \(title = 'Alpaca'\): a manual entry needs 'authors' \(an organisation "
     r"as one name: .+\) and 'year'", 1),
    ("a report without its institution", append('\n[[papers]]\ntype = "report"\ntitle = "GPT-4 Technical Report"\n'
                                                'authors = ["OpenAI"]\nyear = 2023\n'), ["build", "--offline"],
     r"Error: sources/papers\.toml:236: entry 68 \(title = 'GPT-4 Technical Report'\): a report needs 'publisher': "
     r"its institution", 1),
    ("duplicate ids", append('\n[[papers]]\narxiv = "https://arxiv.org/abs/2109.01652v3"\n'), ["build", "--offline"],
     r"Error: sources/papers\.toml:236: entry 68 \(arxiv:2109\.01652v3\): duplicate arxiv '2109\.01652', already used by entry 2 \(line 26\)", 1),
    ("a paper with nothing to name it", append('\n[[papers]]\nsection = "Other"\n'), ["build", "--offline"],
     r"Error: sources/papers\.toml:235: entry 68: needs an 'arxiv' or an 'acl' identifier, or a 'title' \(a manual entry written in full\)", 1),
    ("missing sources file", remove("sources/papers.toml"), ["build", "--offline"],
     r"Error: sources/papers\.toml: file not found \(looked in /.+/sources\); run exporter in the list's folder, pass "
     r"--sources, or start one with 'exporter add' or 'exporter import'", 1),
    ("damaged lock", replace("", ""), ["build", "--offline"], None, 1),  # set up below: a truncated lock
    ("entry missing from the lock, offline", append('\n[[papers]]\narxiv = "2401.00001"\n'), ["build", "--offline"],
     r"Error: sources/papers\.toml:235: entry 68 \(arxiv:2401\.00001\): not in the lock; run 'exporter resolve' online "
     r"\(--offline was given\)", 1),
    ("unwritable outputs folder", make_file("outputs"), ["--outputs", "outputs/site", "build", "--offline"],
     r"Error: outputs/site/refs\.bib: cannot write: Not a directory", 1),
    ("an output that is a folder", make_folder("outputs/refs.bib"), ["build", "--offline"],
     r"Error: outputs/refs\.bib: cannot write: Is a directory", 1),
    ("outputs option naming a file", make_file("out.txt"), ["--outputs", "out.txt", "build", "--offline"],
     r"Usage: .+\n(?:.*\n)*Error: Invalid value for '--outputs': Directory 'out\.txt' is a file\.", 2),
    ("unknown format", replace("", ""), ["export", "--format", "docx"],
     r"Usage: .+\n(?:.*\n)*Error: Invalid value for '--format': 'docx' is not one of .+", 2),
    ("add: invalid identifier", replace("", ""), ["add", "arxiv:2109.0165"],
     r"Error: 'arxiv:2109\.0165': 'arxiv:2109\.0165' is not an arXiv or ACL Anthology id, URL or DOI; nothing added", 1),
    ("import: missing file", replace("", ""), ["import", "list.md"], r"Error: list\.md: file not found", 1),
    ("check: bad sources", replace('arxiv = "2109.01652"', 'arxiv = "2109.0165"'), ["check"], None, 1),
]


@pytest.mark.parametrize(("case", "setup", "args", "expected", "code"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_a_nonzero_exit(tmp_path: Path, case: str, setup: Callable[[Path], None],
                                                  args: list[str], expected: str | None, code: int) -> None:
    shutil.copytree(ROOT / "sources", tmp_path / "sources")
    setup(tmp_path)
    if case == "damaged lock":
        lock = tmp_path / "sources" / "papers.lock.json"
        lock.write_text(lock.read_text(encoding="utf-8")[:5000], encoding="utf-8")
        expected = (r"Error: sources/papers\.lock\.json: unreadable lock file \(.+\); "
                    r"delete it and run 'exporter resolve'")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    env = {**os.environ, "EXPORTER_ARXIV_URL": "http://127.0.0.1:9/api/query", "EXPORTER_ACL_URL": "http://127.0.0.1:9",
           "EXPORTER_ARXIV_DELAY": "0", "EXPORTER_RETRIES": "0"}
    result = subprocess.run([sys.executable, "-m", "exporter", *args], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode == code, result.stderr
    if case == "check: bad sources":  # check prints its problems on stdout, one per line
        assert re.fullmatch(r"sources/papers\.toml:27: entry 2 \(arxiv = '2109\.0165'\): .+\n", result.stdout)
        assert result.stderr == "1 problem\n"
    else:
        assert re.fullmatch(expected + r"\n", result.stderr), result.stderr
        if code == 1:
            assert result.stderr.count("\n") == 1  # one line
    # Nothing half-written, nothing changed: the same files with the same bytes.
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before
