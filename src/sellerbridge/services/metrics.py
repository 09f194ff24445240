"""Prometheus metrics of the hub, derived from the database at scrape time (H2, G1, G3; issue 4).

Why the database: the hub runs as several processes (web replicas, workers, one scheduler) over one
database; a counter in one process's memory would see only that process's work. Every value here is
computed from rows every process writes (``sync_runs``, ``sp_api_calls``, ``orders`` + ``outbox``,
``error_log``, ``connections``, ``pending_fetches``), so each replica answers the same numbers. The SQL
is in ``db/repositories/metrics.py``. Only ``queue_depth`` comes
from the runtime (a callable the process that knows the queue sets).

Why incremental: the logs grow to millions of rows, and a full ``GROUP BY`` over a million call-log
rows takes seconds on SQLite. :class:`IdTally` counts each row once into totals the process keeps,
by primary-key ranges, and re-aggregates on every scrape only the rows above the last settled id:
the newest minutes, found through the primary key. A new process counts the whole history once.

When is an id range settled, i.e. will never gain or change a row?
- New rows: on SQLite, writers are serialised and ids are given in commit order, so every id up to the
  highest one visible is settled at once. On PostgreSQL a sequence value is taken at INSERT and a
  transaction that took a lower one may commit later, so an id seen at a scrape counts as settled only
  ``db.repositories.metrics.PG_SETTLE_SECONDS`` later (write units of work are short: DESIGN.md, ``db/uow.py``).
- ``sync_runs`` rows change status (running -> done; a failed backlog run can be resumed), so a run
  is settled only once it has been finished for ``RUN_REOPEN_HORIZON``; the range stops before
  the oldest run that is not.
Deleting rows (call-log retention) does not lower a running process's totals; a process started
after it counts what is left: Prometheus reads that as a counter reset of that instance.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from ..bootstrap import Hub
from ..db.repositories import intake_guard, ship_deadlines
from ..db.repositories import metrics as sql
from ..db.repositories.metrics import LATENCY_BUCKETS, Totals
from ..db.repositories.sync_runs import FINISHED
from ..db.tables.connections import CONNECTION_STATUSES
from ..db.tables.deliveries import RECEIVER_KINDS
from ..domain.shipments.deadlines import LATE_MARGIN, LateState
from .prometheus_text import Family, render

log = logging.getLogger(__name__)

PREFIX = "sellerbridge_"
NO_ANSWER = "none"  # the status label of a call that got no answer (timeout, connection error)

# --- the collector ------------------------------------------------------------------------------------

class HubMetrics:
    """The metrics of one hub's database; one per process (it keeps the settled totals). Thread-safe."""

    def __init__(self, hub: Hub, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._hub = hub
        self.runs, self.calls, self.latency = sql.collectors(hub.store.engine.dialect.name, monotonic)

    def families(self, *, queue_depth: Callable[[], int] | None = None) -> list[Family]:
        now = self._hub.now()
        with self._hub.store.uow(read_only=True) as session:  # one snapshot on SQLite
            runs = self.runs.totals(session, now)
            calls = self.calls.totals(session, now)
            latency = self.latency.totals(session, now).get((), [0, 0.0] + [0] * len(LATENCY_BUCKETS))
            errors = sql.open_errors(session)
            conns = sql.connections_by_status(session)
            waiting = sql.waiting_fetches(session)
            refused = intake_guard.refusal_totals(session)
            late = ship_deadlines.late_counts(session, now=now, margin=LATE_MARGIN)
            deliveries = sql.deliveries_by_kind(session)
            breakers = sql.open_breakers(session)
        families = [*_run_families(runs), *_call_families(calls), _latency_family(latency),
                    _labelled("errors_open", "gauge", "Error-log entries open (not resolved or dismissed), "
                              "by kind (H1).", "kind", errors)]
        families.append(Family(PREFIX + "pending_fetches", "Orders notified and waiting for getOrder, all "
                               "connections (B1).", "gauge").add(waiting))
        depth = _queue_depth(queue_depth)
        if depth is not None:
            families.append(Family(PREFIX + "queue_depth", "Jobs waiting in the task queue (G3).", "gauge").add(depth))
        families.append(_labelled("connections", "gauge", "Seller connections by status (A4, A5).", "status",
                                  {s: 0 for s in CONNECTION_STATUSES} | conns))
        families.append(_labelled("intake_refused_total", "counter", "ORDER_CHANGE notifications the intake "
                                  "ignored, by reason: rate_limited, foreign_subscription, foreign_application "
                                  "(issue 9).", "reason", refused))
        families.extend(_late_families(late))
        families.extend(_delivery_families(deliveries, breakers))
        return families

    def exposition(self, *, queue_depth: Callable[[], int] | None = None) -> str:
        """The scrape: Prometheus text format 0.0.4."""
        return render(self.families(queue_depth=queue_depth))


def _late_families(late: dict[tuple[str, str], int]) -> list[Family]:
    """Orders nearing or past their latest ship date with nothing shipped, per connection (C2: Amazon measures
    late shipment; ``domain/shipments/deadlines.py``). Every connection with such an order has a sample."""
    hours = int(LATE_MARGIN.total_seconds() // 3600)
    risk = Family(PREFIX + "orders_late_risk", f"Orders with nothing shipped whose latest ship date is within "
                  f"{hours} h, by connection (C2).", "gauge")
    past = Family(PREFIX + "orders_past_due", "Orders with nothing shipped whose latest ship date has passed, "
                  "by connection (C2).", "gauge")
    for name in sorted({name for name, _ in late}):
        risk.add(late.get((name, LateState.AT_RISK.value), 0), {"connection": name})
        past.add(late.get((name, LateState.PAST_DUE.value), 0), {"connection": name})
    return [risk, past]


def _delivery_families(deliveries: dict[tuple[str, str], int], breakers: dict[str, int]) -> list[Family]:
    """Deliveries to the warehouse by receiver kind and state, and open breakers (B14, issue 10)."""
    waiting = Family(PREFIX + "deliveries", "Deliveries to warehouse receivers by receiver kind and status: "
                     "pending (waiting for an attempt), sent (a file waiting for its ack), failed (given up, "
                     "in the error log) (B14).", "gauge")
    for kind in RECEIVER_KINDS:
        for status in sql.DELIVERY_GAUGE_STATUSES:
            waiting.add(deliveries.get((kind, status), 0), {"kind": kind, "status": status})
    open_ = Family(PREFIX + "delivery_breakers_open", "Warehouse receivers whose circuit breaker is open or "
                   "half open, by kind (B14).", "gauge")
    for kind in RECEIVER_KINDS:
        open_.add(breakers.get(kind, 0), {"kind": kind})
    return [waiting, open_]


def _queue_depth(queue_depth: Callable[[], int] | None) -> int | None:
    if queue_depth is None:
        return None
    try:
        return int(queue_depth())
    except Exception:  # a queue that cannot answer leaves the metric out; the rest of the scrape stands
        log.warning("queue depth unavailable for /metrics", exc_info=True)
        return None


def _labelled(name: str, kind: str, help_: str, label: str, values: dict[str, int]) -> Family:
    family = Family(PREFIX + name, help_, kind)
    for value in sorted(values):
        family.add(values[value], {label: value})
    return family


def _run_families(runs: Totals) -> list[Family]:
    flows = sorted({flow for flow, _, _ in runs})
    total = Family(PREFIX + "runs_total", "Sync runs finished, by flow and status: done, partial, failed (H2).",
                   "counter")
    failures = Family(PREFIX + "run_failures_total", "Sync runs that failed, by flow and whether running again "
                      "can help (throttled, Amazon 5xx) (H2, G1).", "counter")
    running = Family(PREFIX + "runs_running", "Sync runs running now, by flow (G3).", "gauge")
    for flow in flows:
        for status in FINISHED:
            total.add(sum(v[0] for (f, s, _), v in runs.items() if f == flow and s == status),
                      {"flow": flow, "status": status})
        for retryable in (False, True):
            failures.add(runs.get((flow, "failed", retryable), [0])[0],
                         {"flow": flow, "retryable": "true" if retryable else "false"})
        running.add(runs.get((flow, "running", None), [0])[0], {"flow": flow})
    return [total, failures, running]


def _call_families(calls: Totals) -> list[Family]:
    family = Family(PREFIX + "amazon_calls_total", "Calls to Amazon (SP-API, LWA, documents), every attempt, by "
                    f"operation and HTTP status ({NO_ANSWER!r}: no answer).", "counter")
    throttled = Family(PREFIX + "amazon_throttled_total", "Calls Amazon answered 429 (throttled; waited out and "
                       "retried, G1), by operation.", "counter")
    for operation, status in sorted(calls, key=lambda k: (k[0], -1 if k[1] is None else k[1])):
        family.add(calls[(operation, status)][0],
                   {"operation": operation, "status": NO_ANSWER if status is None else str(status)})
    for operation in sorted({operation for operation, _ in calls}):
        throttled.add(calls.get((operation, 429), [0])[0], {"operation": operation})
    return [family, throttled]


def _latency_family(values: Sequence[float]) -> Family:
    count, total, *cumulative = values
    family = Family(PREFIX + "order_latency_seconds", "Seconds from an order's purchase on Amazon to its storing "
                    "with the order.created event for the warehouse (B1, B14).", "histogram")
    return family.add_histogram(LATENCY_BUCKETS, [int(n) for n in cumulative], float(total), int(count))
