"""The hub at a glance (I3): orders by status, open errors, how fast orders arrive. No buyer data."""

from __future__ import annotations

import statistics
from typing import Any

from ..bootstrap import Hub
from ..db.repositories import metrics


def order_overview(hub: Hub) -> dict[str, Any]:
    """Stored orders by status, open errors, and the p50/p95 seconds from purchase to storing."""
    with hub.store.uow(read_only=True) as session:
        by_status = metrics.orders_by_status(session)
        errors = sum(metrics.open_errors(session).values())
        latencies = metrics.import_latencies(session)
    return {"stored": sum(by_status.values()), "by_status": by_status, "errors": errors,
            "p50": percentile(latencies, 50), "p95": percentile(latencies, 95)}


def percentile(values: list[float], pct: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]
