"""The PII access log (B13, I1, I2): one row per view of buyer data; see ``db/tables/audit.py``.

Rows name who, through which front end, which order and which fields, never the values. They are
written in the caller's transaction, the one that reads what is shown (``services/pii.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..tables import pii_access_log as t


@dataclass(frozen=True, slots=True)
class PiiAccessRecord:
    id: int
    at: datetime
    actor: str
    channel: str
    connection_id: int | None
    amazon_order_id: str | None
    fields: tuple[str, ...]
    route: str


def record_access(session: Session, *, at: datetime, actor: str, channel: str, connection_id: int | None,
                  amazon_order_id: str | None, fields: Sequence[str], route: str) -> int:
    """Add one view of PII; returns its id."""
    stmt = t.insert().values(at=at, actor=actor[:160], channel=channel, connection_id=connection_id,
                             amazon_order_id=amazon_order_id, fields=list(fields), route=route[:255])
    return session.execute(stmt.returning(t.c.id)).scalar_one()


def list_accesses(session: Session, *, connection_id: int | None = None, amazon_order_id: str | None = None,
                  limit: int = 100) -> list[PiiAccessRecord]:
    """The newest views first, optionally of one connection or one order."""
    stmt = select(t).order_by(t.c.at.desc(), t.c.id.desc()).limit(max(1, min(limit, 1000)))
    if connection_id is not None:
        stmt = stmt.where(t.c.connection_id == connection_id)
    if amazon_order_id is not None:
        stmt = stmt.where(t.c.amazon_order_id == amazon_order_id)
    return [PiiAccessRecord(r.id, r.at, r.actor, r.channel, r.connection_id, r.amazon_order_id, tuple(r.fields),
                            r.route) for r in session.execute(stmt)]


def prune_accesses(session: Session, *, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` rows older than ``before`` (retention); returns how many."""
    ids = list(session.execute(select(t.c.id).where(t.c.at < before).order_by(t.c.id).limit(limit)).scalars())
    if ids:
        session.execute(delete(t).where(t.c.id.in_(ids)))
    return len(ids)
