"""The registry of checks and what one check reports: `check` registers, `Result` is its outcome.

A check raises CheckError to fail (its message is the check's detail line) and NotApplicableError
to skip; `_problems` and `_first_difference` word those messages.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from exporter.errors import ExporterError


class CheckError(ExporterError):
    """One check found a problem (or could not run); its message is the check's detail line."""


@dataclass(frozen=True)
class Result:
    """The outcome of one check: `detail` says what was checked, or what went wrong.

    `skipped` is only for a check that does not apply to the file (BibTeX styles on a
    biblatex-native refs.bib); a missing tool is a failure, never a skip.
    """

    name: str
    ok: bool
    detail: str
    skipped: bool = False

    @property
    def line(self) -> str:
        """The line `exporter validate` prints: `PASS name: detail`, `FAIL ...` or `SKIP ...`."""
        return f"{'SKIP' if self.skipped else 'PASS' if self.ok else 'FAIL'} {self.name}: {self.detail}"


class NotApplicableError(Exception):
    """Raised by a check that does not apply to these outputs; the message says why."""


CHECKS: dict[str, Callable[[Path], Result]] = {}


def check(name: str) -> Callable[[Callable[[Path], str]], Callable[[Path], Result]]:
    """Register a check: the function returns its detail, or raises CheckError to fail."""

    def register(func: Callable[[Path], str]) -> Callable[[Path], Result]:
        @functools.wraps(func)
        def run(outputs: Path) -> Result:
            try:
                return Result(name, True, func(outputs))
            except NotApplicableError as exc:
                return Result(name, True, str(exc), skipped=True)
            except CheckError as exc:
                return Result(name, False, str(exc))
            except Exception as exc:  # a parser that crashes on the file is that check's failure
                return Result(name, False, f"{type(exc).__name__}: {_one_line(str(exc))}")

        CHECKS[name] = run
        return run

    return register


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _problems(what: str, problems: Sequence[str], shown: int = 3) -> CheckError:
    """A CheckError listing the first problems and how many more there are."""
    more = f" (and {len(problems) - shown} more)" if len(problems) > shown else ""
    return CheckError(f"{what}: " + "; ".join(problems[:shown]) + more)


def _first_difference(want: Sequence[str], got: Sequence[str]) -> str:
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    if missing or extra:
        return f"(missing {missing[:3]}, unexpected {extra[:3]})"
    return "(in another order)"
