"""Showing a run (H2): counts as a table or JSON, a live line while it works, and the exit code it means."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..services.orders import jsonable
from . import context
from .context import EXIT_FAILED, EXIT_PARTIAL


def run_data(run: Any) -> dict[str, Any]:
    """A run (its record, or a dict) as JSON-ready data."""
    data = run.as_dict() if hasattr(run, "as_dict") else jsonable(run)
    return jsonable(data) if isinstance(data, dict) else {"result": data}


def counts_of(data: dict[str, Any]) -> dict[str, Any]:
    counts = data.get("counts")
    return counts if isinstance(counts, dict) else {}


def summary_table(data: dict[str, Any], title: str) -> Table:
    """The counts that are not zero (breakdowns like ``skipped.not_selected`` indented under their total)."""
    table = Table("count", "value", title=title)
    for key, value in counts_of(data).items():
        if isinstance(value, bool) or value in (0, None):
            continue
        table.add_row(f"  {key.split('.', 1)[1]}" if "." in key else key, str(value))
    return table


def progress_text(data: dict[str, Any]) -> str:
    counts = counts_of(data)
    shown = ", ".join(f"{k} {v}" for k, v in counts.items() if isinstance(v, int) and v and "." not in k)
    state = data.get("state") or {}
    phase = f"{state['phase']}: " if isinstance(state, dict) and state.get("phase") else ""
    return phase + (shown or "working")


@contextmanager
def live(description: str, quiet: bool) -> Iterator[Callable[[Any], None]]:
    """A spinner showing the run's counts as they are saved; silent with ``quiet`` (``--json``)."""
    if quiet:
        yield lambda _run: None
        return
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), TextColumn("{task.fields[info]}"),
                  TimeElapsedColumn(), console=context.console, transient=True) as progress:
        task = progress.add_task(description, info="starting")
        yield lambda run: progress.update(task, info=progress_text(run_data(run)))


def exit_code(data: dict[str, Any]) -> int:
    status = str(data.get("status") or "").lower()
    if status == "failed":
        return EXIT_FAILED
    if status == "partial" or (counts_of(data).get("errors") or 0) > 0:
        return EXIT_PARTIAL
    return 0
