"""The files of an outputs folder, read as the checks read them, and text normalised for comparing them."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

from exporter.validate.checks import CheckError, _one_line


BIB, CSL, RIS, MARKDOWN, YML = "refs.bib", "refs.json", "refs.ris", "README.md", "refs.yml"


def _read(outputs: Path, name: str) -> str:
    path = outputs / name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CheckError(f"{path} not found: run 'exporter build' first") from exc
    except UnicodeDecodeError as exc:
        raise CheckError(f"{path} is not UTF-8: {exc}") from exc


def _csl_items(outputs: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(_read(outputs, CSL))
    except json.JSONDecodeError as exc:
        raise CheckError(f"{outputs / CSL} is not JSON: {exc}") from exc
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise CheckError(f"{outputs / CSL} is not a list of CSL-JSON items")
    return data


def _norm(text: str) -> str:
    """Text compared across formats: NFC, white space collapsed (no-break spaces too)."""
    return _one_line(unicodedata.normalize("NFC", text).replace("\u00a0", " "))


def _letters(text: str) -> str:
    """Only letters and digits, case-folded: for output that a style may re-case and re-punctuate."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())
