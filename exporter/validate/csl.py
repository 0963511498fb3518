"""refs.json against the official CSL-JSON schema (with jsonschema)."""

from __future__ import annotations

import json
from pathlib import Path

from exporter.validate.checks import _problems, check
from exporter.validate.outputs import _csl_items
from exporter.validate.tools import _module


@check("csl-schema")
def check_csl_schema(outputs: Path) -> str:
    """refs.json against the official CSL-JSON schema (csl-data.json, shipped in exporter/data)."""
    from importlib.resources import files

    data = _csl_items(outputs)
    jsonschema = _module("jsonschema")
    schema = json.loads((files("exporter") / "data" / "csl-data.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        path = list(error.absolute_path)
        where = f"item {path[0]} ({data[path[0]].get('id', 'no id')})" if path and isinstance(path[0], int) else "root"
        problems.append(f"{where}: {'/'.join(map(str, path[1:])) + ': ' if path[1:] else ''}{error.message}")
    if problems:
        raise _problems(f"{len(problems)} schema error(s)", problems)
    return f"{len(data)} items valid against CSL-JSON schema 1.0.2"
