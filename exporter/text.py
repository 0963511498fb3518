"""Text rules every record and list field passes through (a leaf module: imports nothing of exporter).

Control characters (NUL, DEL, the C0 and C1 ranges) and the bidi embedding, override and isolate
marks can reach us from a TOML escape or from upstream metadata. They have no place in a
bibliography: pdflatex stops at them, and bidi overrides make text display differently from what
it is. They are removed; tab and line ends stay (white space rules apply later), and every other
Unicode character is kept as it is.
"""

from __future__ import annotations

import re
from typing import Any

_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """`text` without control characters and bidi overrides (tab, LF and CR kept)."""
    return _UNWANTED.sub("", text) if _UNWANTED.search(text) else text


def strip_controls_in(value: Any) -> Any:
    """`value` (strings, lists and dicts of them, as TOML and JSON give) with `strip_controls` applied to every
    string, keys included. Applied where text comes in, before white space is collapsed or names split."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, list):
        return [strip_controls_in(v) for v in value]
    if isinstance(value, dict):
        return {strip_controls_in(k): strip_controls_in(v) for k, v in value.items()}
    return value
