"""Runs as people read them (H2): list and show, the same for the CLI and the REST API."""

from __future__ import annotations

from typing import Any

from ..bootstrap import Hub
from ..db.repositories import sync_runs
from ..db.repositories.sync_runs import RunRecord
from . import connections as connection_service
from .orders import jsonable


def run_dict(record: RunRecord) -> dict[str, Any]:
    """A run as JSON: its counts, items, and for a stepping flow its state and when it continues; a failed
    run says whether running again can help (``retryable``, Amazon's ``retry_after``: G1)."""
    counts = record.counts or {}
    return {**jsonable(record), "run_id": record.id, "retryable": bool(counts.get("retryable", False)),
            "retry_after": counts.get("retry_after")}


def list_runs(hub: Hub, *, connection: int | str | None = None, flow: str | None = None, status: str | None = None,
              limit: int = 50) -> list[dict[str, Any]]:
    connection_id = connection_service.get_connection(hub, connection).id if connection else None
    with hub.store.uow(read_only=True) as session:
        runs = sync_runs.list_runs(session, connection_id=connection_id, flow=flow, status=status, limit=limit)
    return [run_dict(r) for r in runs]


def get_run(hub: Hub, run_id: int) -> dict[str, Any]:
    with hub.store.uow(read_only=True) as session:
        run = sync_runs.get_run(session, run_id)
    if run is None:
        raise LookupError(f"run {run_id} not found")
    return run_dict(run)
