"""The warehouse message's JSON Schema, read from docs/ (it is in the repository), and a validator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "warehouse-message-v1.json"


def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def check_message(body: Any) -> None:
    """AssertionError naming every way ``body`` is not a version-1 warehouse message."""
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(body)]
    assert not problems, problems
