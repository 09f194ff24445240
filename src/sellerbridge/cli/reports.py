"""Showing a flow's RunReport (H2): counts as a table or JSON, and the exit code it means."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from ..services.orders import jsonable
from .context import EXIT_FAILED, EXIT_PARTIAL


def report_dict(report: Any) -> dict[str, Any]:
    """The report as JSON-ready data, whatever its exact shape (a dataclass or an ``as_dict``)."""
    data = report.as_dict() if hasattr(report, "as_dict") else jsonable(report)
    return jsonable(data) if isinstance(data, dict) else {"result": data}


def counts_of(data: dict[str, Any]) -> dict[str, Any]:
    counts = data.get("counts")
    return counts if isinstance(counts, dict) else {k: v for k, v in data.items() if isinstance(v, int)}


def summary_table(data: dict[str, Any], title: str) -> Table:
    table = Table("count", "value", title=title)
    for key, value in counts_of(data).items():
        if isinstance(value, dict):
            for sub, n in value.items():
                table.add_row(f"{key}: {sub}", str(n))
        else:
            table.add_row(key, str(value))
    return table


def exit_code(data: dict[str, Any]) -> int:
    status = str(data.get("status") or "").lower()
    if status == "failed":
        return EXIT_FAILED
    if status == "partial" or (counts_of(data).get("errors") or 0) > 0:
        return EXIT_PARTIAL
    return 0
