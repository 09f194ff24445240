"""The metrics' SQL (H2, G1, G3): incremental totals over the logs, counted once per settled id range.

``services/metrics.py`` renders them; see its docstring for why the database, why incremental, and when
an id range is settled. Every query here is read-only.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, extract, func, or_, select
from sqlalchemy.orm import Session

from ...domain.orders.changes import ORDER_CREATED
from ..tables import (
    connections,
    deliveries,
    error_log,
    orders,
    outbox,
    pending_fetches,
    receivers,
    sp_api_calls,
    sync_runs,
)
from .sync_runs import FINISHED

PG_SETTLE_SECONDS = 60.0  # no write transaction stays open this long after its INSERT (short units of work)
RUN_REOPEN_HORIZON = timedelta(hours=24)  # a failed retryable backlog run is resumed well within a day
MAX_MARKS = 1000  # scrapes remembered while waiting to settle; more than a scrape a second is not expected
# Purchase -> stored with its outbox event: the push path takes seconds, the poll minutes (Amazon's
# search index trails by two), an order pending payment hours; a backlog import shows days.
LATENCY_BUCKETS: tuple[float, ...] = (30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400)

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



def runs_by_status(session: Session, after: int, upto: int | None) -> Totals:
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


def runs_settled_upto(session: Session, after: int, upto: int, now: datetime) -> int:
    """The highest id up to which every run is finished since :data:`RUN_REOPEN_HORIZON` (see module doc)."""
    r = sync_runs
    first_open = session.execute(select(func.min(r.c.id)).where(
        r.c.id > after, r.c.id <= upto,
        or_(r.c.status.not_in(FINISHED), r.c.finished_at.is_(None), r.c.finished_at > now - RUN_REOPEN_HORIZON),
    )).scalar()
    return upto if first_open is None else int(first_open) - 1


def calls_by_operation(session: Session, after: int, upto: int | None) -> Totals:
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


def order_latency(session: Session, after: int, upto: int | None) -> Totals:
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


def open_errors(session: Session) -> dict[str, int]:
    e = error_log
    stmt = select(e.c.kind, func.count()).where(e.c.status == "open").group_by(e.c.kind)  # index (status, ...)
    return {kind: n for kind, n in session.execute(stmt)}


def connections_by_status(session: Session) -> dict[str, int]:
    stmt = select(connections.c.status, func.count()).group_by(connections.c.status)
    return {status: n for status, n in session.execute(stmt)}


def waiting_fetches(session: Session) -> int:
    """Orders waiting for getOrder in the push path's queue, all connections (B1)."""
    return int(session.execute(select(func.count()).select_from(pending_fetches)).scalar_one())


def collectors(dialect: str, monotonic: Callable[[], float] = time.monotonic) -> tuple[IdTally, IdTally, IdTally]:
    """The incremental totals of runs, calls and order latency, for one process."""
    settle = 0.0 if dialect == "sqlite" else PG_SETTLE_SECONDS
    return (IdTally(sync_runs.c.id, runs_by_status, settle_seconds=settle, limit=runs_settled_upto,
                    monotonic=monotonic),
            IdTally(sp_api_calls.c.id, calls_by_operation, settle_seconds=settle, monotonic=monotonic),
            IdTally(outbox.c.id, order_latency, settle_seconds=settle, monotonic=monotonic))


def orders_by_status(session: Session) -> dict[str, int]:
    return {status: int(n) for status, n in
            session.execute(select(orders.c.status, func.count()).group_by(orders.c.status))}


def import_latencies(session: Session) -> list[float]:
    """Seconds from purchase to storing, of every order (the demo's live table; a dashboard chart later)."""
    return sorted((created - purchased).total_seconds()
                  for purchased, created in session.execute(select(orders.c.purchase_date, orders.c.created_at)))


DELIVERY_GAUGE_STATUSES = ("pending", "sent", "failed")  # waiting, waiting for an ack, given up (issue 10)


def deliveries_by_kind(session: Session) -> dict[tuple[str, str], int]:
    """Deliveries waiting (pending), waiting for a file's ack (sent) and given up (failed), by receiver
    kind: ``{(kind, status): n}`` (pings left out). Served by the (status) index."""
    rows = session.execute(
        select(receivers.c.kind, deliveries.c.status, func.count())
        .select_from(deliveries.join(receivers, receivers.c.id == deliveries.c.receiver_id))
        .where(deliveries.c.status.in_(DELIVERY_GAUGE_STATUSES), deliveries.c.event_id.is_not(None))
        .group_by(receivers.c.kind, deliveries.c.status))
    return {(kind, status): int(n) for kind, status, n in rows}


def open_breakers(session: Session) -> dict[str, int]:
    """Receivers whose circuit breaker is open or half open, by kind."""
    rows = session.execute(select(receivers.c.kind, func.count()).where(receivers.c.breaker_state != "closed")
                           .group_by(receivers.c.kind))
    return {kind: int(n) for kind, n in rows}
