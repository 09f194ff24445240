"""Prometheus metrics of the hub, derived from the database at scrape time (H2, G1, G3; issue 4).

Why the database: the hub runs as several processes (web replicas, workers, one scheduler) over one
database; a counter in one process's memory would see only that process's work. Every value here is
computed from rows every process writes (``sync_runs``, ``sp_api_calls``, ``orders`` + ``outbox``,
``error_log``, ``connections``), so each replica answers the same numbers. Only ``queue_depth`` comes
from the runtime (a callable the process that knows the queue sets).

Why incremental: the logs grow to millions of rows, and a full ``GROUP BY`` over a million call-log
rows takes seconds on SQLite. :class:`IdTally` counts each row once into totals the process keeps,
by primary-key ranges, and re-aggregates on every scrape only the rows above the last settled id:
the newest minutes, found through the primary key. A new process counts the whole history once.

When is an id range settled, i.e. will never gain or change a row?
- New rows: on SQLite, writers are serialised and ids are given in commit order, so every id up to the
  highest one visible is settled at once. On PostgreSQL a sequence value is taken at INSERT and a
  transaction that took a lower one may commit later, so an id seen at a scrape counts as settled only
  :data:`PG_SETTLE_SECONDS` later (write units of work are short: DESIGN.md, ``db/uow.py``).
- ``sync_runs`` rows change status (running -> done; a failed backlog run can be resumed), so a run
  is settled only once it has been finished for :data:`RUN_REOPEN_HORIZON`; the range stops before
  the oldest run that is not.
Deleting rows (call-log retention) does not lower a running process's totals; a process started
after it counts what is left: Prometheus reads that as a counter reset of that instance.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, extract, func, or_, select
from sqlalchemy.orm import Session

from ..bootstrap import Hub
from ..db.repositories.sync_runs import FINISHED
from ..db.stores.order_batch import ORDER_CREATED
from ..db.tables import connections, error_log, orders, outbox, sp_api_calls, sync_runs
from ..db.tables.connections import CONNECTION_STATUSES
from .prometheus_text import Family, render

log = logging.getLogger(__name__)

PREFIX = "sellerbridge_"
PG_SETTLE_SECONDS = 60.0  # no write transaction stays open this long after its INSERT (short units of work)
RUN_REOPEN_HORIZON = timedelta(hours=24)  # a failed retryable backlog run is resumed well within a day
MAX_MARKS = 1000  # scrapes remembered while waiting to settle; more than a scrape a second is not expected
# Purchase -> stored with its outbox event: the push path takes seconds, the poll minutes (Amazon's
# search index trails by two), an order pending payment hours; a backlog import shows days.
LATENCY_BUCKETS: tuple[float, ...] = (30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400)
NO_ANSWER = "none"  # the status label of a call that got no answer (timeout, connection error)

Key = tuple[Any, ...]
Totals = dict[Key, list[float]]
Aggregate = Callable[[Session, int, int | None], Totals]


class IdTally:
    """Totals of rows grouped by a key, each row counted once per settled primary-key range.

    ``aggregate(session, after, upto)`` sums the rows with ``after < id <= upto`` (``upto`` None: no
    bound) into ``{key: [values...]}``. ``limit(session, after, upto, now)`` may lower how far a range
    is settled (rows that can still change). See the module docstring for when a range is settled.
    """

    def __init__(self, id_column: Any, aggregate: Aggregate, *, settle_seconds: float,
                 limit: Callable[[Session, int, int, datetime], int] | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._id = id_column
        self._aggregate = aggregate
        self._settle = settle_seconds
        self._limit = limit
        self._monotonic = monotonic
        self._final_id = 0
        self._final: Totals = {}
        self._marks: deque[tuple[float, int]] = deque(maxlen=MAX_MARKS)
        self._lock = threading.Lock()

    @property
    def settled_id(self) -> int:
        return self._final_id

    def totals(self, session: Session, now: datetime) -> Totals:
        with self._lock:
            top = session.execute(select(func.max(self._id))).scalar() or 0
            seen_at = self._monotonic()
            self._marks.append((seen_at, int(top)))
            settled = self._final_id
            while self._marks and self._marks[0][0] <= seen_at - self._settle:
                settled = max(settled, self._marks.popleft()[1])
            if settled > self._final_id and self._limit is not None:
                settled = max(self._final_id, self._limit(session, self._final_id, settled, now))
            if settled > self._final_id:
                _merge(self._final, self._aggregate(session, self._final_id, settled))
                self._final_id = settled
            result = {key: list(values) for key, values in self._final.items()}
            _merge(result, self._aggregate(session, self._final_id, None))
            return result


def _merge(into: Totals, more: Totals) -> None:
    for key, values in more.items():
        have = into.get(key)
        into[key] = list(values) if have is None else [a + b for a, b in zip(have, values, strict=True)]


def _id_range(column: Any, after: int, upto: int | None) -> Any:
    return column > after if upto is None else and_(column > after, column <= upto)


# --- the aggregates (all SQL of the metrics; read-only) ------------------------------------------------

def _runs(session: Session, after: int, upto: int | None) -> Totals:
    """(flow, status, retryable) -> [runs]; ``retryable`` only for failed runs (from the run's counts)."""
    r = sync_runs
    retryable = case((r.c.status == "failed", r.c.counts["retryable"].as_boolean()), else_=None)
    # A subquery, so GROUP BY names a column: PostgreSQL does not match two copies of an expression
    # holding bound parameters (the JSON path).
    inner = select(r.c.flow, r.c.status, retryable.label("retryable")).where(_id_range(r.c.id, after, upto)).subquery()
    stmt = select(inner.c.flow, inner.c.status, inner.c.retryable, func.count()).group_by(
        inner.c.flow, inner.c.status, inner.c.retryable)
    out: Totals = {}
    for flow, status, retry, n in session.execute(stmt):
        _merge(out, {(flow, status, bool(retry) if status == "failed" else None): [n]})
    return out


def _runs_limit(session: Session, after: int, upto: int, now: datetime) -> int:
    """The highest id up to which every run is finished since :data:`RUN_REOPEN_HORIZON` (see module doc)."""
    r = sync_runs
    first_open = session.execute(select(func.min(r.c.id)).where(
        r.c.id > after, r.c.id <= upto,
        or_(r.c.status.not_in(FINISHED), r.c.finished_at.is_(None), r.c.finished_at > now - RUN_REOPEN_HORIZON),
    )).scalar()
    return upto if first_open is None else int(first_open) - 1


def _calls(session: Session, after: int, upto: int | None) -> Totals:
    """(operation, status) -> [calls]: every attempt the gateway logged (one row per attempt)."""
    c = sp_api_calls
    stmt = (select(c.c.operation, c.c.status, func.count()).where(_id_range(c.c.id, after, upto))
            .group_by(c.c.operation, c.c.status))
    return {(operation, status): [n] for operation, status, n in session.execute(stmt)}


def _latency_seconds(dialect: str) -> Any:
    if dialect == "sqlite":
        # julianday keeps milliseconds; rounding to them makes a bound like 300 s compare exactly
        days = func.julianday(outbox.c.created_at) - func.julianday(orders.c.purchase_date)
        return func.round(days * 86400.0, 3)
    return extract("epoch", outbox.c.created_at - orders.c.purchase_date)


def _latency(session: Session, after: int, upto: int | None) -> Totals:
    """() -> [count, sum, cumulative count per bound]: ``order.created`` events (one per order the
    warehouse ships) against their order's purchase date, joined through the event's ``order_id``."""
    order_id = cast(outbox.c.payload["order_id"].as_string(), BigInteger)
    # The topic is tested in the select, not in WHERE: given ``topic = ?`` SQLite walks the (topic, key,
    # version) index through every order.created event ever written instead of the id range.
    seconds = case((outbox.c.topic == ORDER_CREATED, _latency_seconds(session.get_bind().dialect.name)), else_=None)
    inner = (select(seconds.label("s")).select_from(outbox.join(orders, orders.c.id == order_id))
             .where(_id_range(outbox.c.id, after, upto)).subquery())
    s = inner.c.s
    stmt = select(func.count(s), func.coalesce(func.sum(s), 0),
                  *(func.coalesce(func.sum(case((s <= bound, 1), else_=0)), 0) for bound in LATENCY_BUCKETS))
    count, total, *buckets = session.execute(stmt).one()
    return {(): [int(count), float(total), *(int(b) for b in buckets)]} if count else {}


def _open_errors(session: Session) -> dict[str, int]:
    e = error_log
    stmt = select(e.c.kind, func.count()).where(e.c.status == "open").group_by(e.c.kind)  # index (status, ...)
    return {kind: n for kind, n in session.execute(stmt)}


def _connections(session: Session) -> dict[str, int]:
    stmt = select(connections.c.status, func.count()).group_by(connections.c.status)
    return {status: n for status, n in session.execute(stmt)}


# --- the collector ------------------------------------------------------------------------------------

class HubMetrics:
    """The metrics of one hub's database; one per process (it keeps the settled totals). Thread-safe."""

    def __init__(self, hub: Hub, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._hub = hub
        settle = 0.0 if hub.store.engine.dialect.name == "sqlite" else PG_SETTLE_SECONDS
        self.runs = IdTally(sync_runs.c.id, _runs, settle_seconds=settle, limit=_runs_limit, monotonic=monotonic)
        self.calls = IdTally(sp_api_calls.c.id, _calls, settle_seconds=settle, monotonic=monotonic)
        self.latency = IdTally(outbox.c.id, _latency, settle_seconds=settle, monotonic=monotonic)

    def families(self, *, queue_depth: Callable[[], int] | None = None) -> list[Family]:
        now = self._hub.now()
        with self._hub.store.uow(read_only=True) as session:  # one snapshot on SQLite
            runs = self.runs.totals(session, now)
            calls = self.calls.totals(session, now)
            latency = self.latency.totals(session, now).get((), [0, 0.0] + [0] * len(LATENCY_BUCKETS))
            errors = _open_errors(session)
            conns = _connections(session)
        families = [*_run_families(runs), *_call_families(calls), _latency_family(latency),
                    _labelled("errors_open", "gauge", "Error-log entries open (not resolved or dismissed), "
                              "by kind (H1).", "kind", errors)]
        depth = _queue_depth(queue_depth)
        if depth is not None:
            families.append(Family(PREFIX + "queue_depth", "Jobs waiting in the task queue (G3).", "gauge").add(depth))
        families.append(_labelled("connections", "gauge", "Seller connections by status (A4, A5).", "status",
                                  {s: 0 for s in CONNECTION_STATUSES} | conns))
        return families

    def exposition(self, *, queue_depth: Callable[[], int] | None = None) -> str:
        """The scrape: Prometheus text format 0.0.4."""
        return render(self.families(queue_depth=queue_depth))


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
