"""Deleting old traces in bounded batches (B13, H1, H2): the rules are ``domain/ports/retention.py``'s.

Each function picks at most ``limit`` ids (oldest first, by an indexed time column where the table is
large) and deletes exactly those, so a batch is one short transaction whatever the table's size.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, select
from sqlalchemy.orm import Session, aliased

from ..tables import error_log, feed_submissions, pending_fetches, report_requests, sp_api_calls, sync_runs
from .pii_access import prune_accesses
from .sync_runs import FINISHED

DOCUMENT_END_STATES = ("imported", "renewed", "failed", "cancelled", "fatal")  # never pending, never ready


def _delete_ids(session: Session, table: Any, picked: Select[Any]) -> int:
    ids = list(session.execute(picked).scalars())
    if ids:
        session.execute(delete(table).where(table.c.id.in_(ids)))
    return len(ids)


def prune_calls(session: Session, *, before: datetime, limit: int) -> int:
    t = sp_api_calls
    return _delete_ids(session, t, select(t.c.id).where(t.c.at < before).order_by(t.c.at, t.c.id).limit(limit))


def prune_runs(session: Session, *, before: datetime, limit: int) -> int:
    """Finished runs, but never the latest of its job: the run a job resumes or reports on."""
    t = sync_runs
    later = aliased(t)
    a_newer_run = (select(later.c.id)
                   .where(later.c.flow == t.c.flow, later.c.connection_id.is_not_distinct_from(t.c.connection_id),
                          later.c.id > t.c.id)
                   .exists())
    picked = (select(t.c.id)
              .where(t.c.status.in_(FINISHED), t.c.finished_at < before, a_newer_run)
              .order_by(t.c.finished_at, t.c.id).limit(limit))
    return _delete_ids(session, t, picked)


def prune_errors(session: Session, *, before: datetime, limit: int) -> int:
    """Resolved and dismissed errors; an open one stays, however old."""
    t = error_log
    picked = (select(t.c.id)
              .where(t.c.status.in_(("resolved", "dismissed")), t.c.resolved_at < before, t.c.last_seen < before)
              .order_by(t.c.last_seen, t.c.id).limit(limit))
    return _delete_ids(session, t, picked)


def prune_documents(session: Session, *, before: datetime, limit: int) -> int:
    """Report requests, then feed submissions, at an end state."""
    done = 0
    for t in (report_requests, feed_submissions):
        if done >= limit:
            break
        picked = (select(t.c.id)
                  .where(t.c.status.in_(DOCUMENT_END_STATES), t.c.requested_at < before)
                  .order_by(t.c.requested_at, t.c.id).limit(limit - done))
        done += _delete_ids(session, t, picked)
    return done


def prune_pending_fetches(session: Session, *, before: datetime, limit: int) -> int:
    t = pending_fetches
    rows = session.execute(select(t.c.connection_id, t.c.amazon_order_id).where(t.c.noted_at < before)
                           .order_by(t.c.noted_at).limit(limit)).all()
    for connection_id, amazon_order_id in rows:
        session.execute(delete(t).where(and_(t.c.connection_id == connection_id,
                                             t.c.amazon_order_id == amazon_order_id, t.c.noted_at < before)))
    return len(rows)


PRUNERS: dict[str, Callable[..., int]] = {
    "calls": prune_calls,
    "runs": prune_runs,
    "resolved_errors": prune_errors,
    "documents": prune_documents,
    "pending_fetches": prune_pending_fetches,
    "pii_access": prune_accesses,
}
