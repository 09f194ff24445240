"""Golden files for the mappers: drafts as plain JSON, compared to a saved expectation.

Set ``UPDATE_GOLDEN=1`` to rewrite an expectation after a deliberate change, then review the diff.
"""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from sellerbridge.domain.common.money import Money

GOLDEN = Path(__file__).parent / "golden"


def plain(value: Any) -> Any:
    """A draft (or any dataclass tree) as JSON-ready values: Money as strings, dates ISO, enums by value.

    Fields a dataclass never compares (``OrderDraft.source``: Amazon's document itself) are left out.
    """
    if isinstance(value, Money):
        return f"{value.amount} {value.currency}"
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.compare}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def assert_golden(name: str, actual: Any) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(actual, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert path.exists(), f"no golden file {name}: run with UPDATE_GOLDEN=1 and review it"
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert actual == expected


def load_json(name: str) -> Any:
    return json.loads((GOLDEN / name).read_text(encoding="utf-8"))


def load_text(name: str) -> str:
    return (GOLDEN / name).read_bytes().decode("utf-8")
