"""Watermarks (B1): how far a flow has read, per connection.

:func:`set_watermark` writes inside the caller's transaction and never commits: the watermark becomes
visible only together with what was read up to it, and a rolled-back page leaves the old value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..tables import watermarks as t
from ..types import utcnow
from ._sql import dialect_insert, statement


def get_watermark(session: Session, connection_id: int, flow: str) -> datetime | None:
    return session.execute(
        select(t.c.value).where(t.c.connection_id == connection_id, t.c.flow == flow)
    ).scalar_one_or_none()


def set_watermark(
    session: Session, connection_id: int, flow: str, value: datetime, *, now: datetime | None = None
) -> None:
    values = {"connection_id": connection_id, "flow": flow, "value": value, "updated_at": now or utcnow()}
    session.execute(statement(session, "watermarks.set", _set_stmt), values)


def _set_stmt(dialect: str) -> Any:
    stmt = dialect_insert(dialect, t)
    return stmt.on_conflict_do_update(
        index_elements=["connection_id", "flow"],
        set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
    )


def reset_watermark(session: Session, connection_id: int, flow: str) -> None:
    """Forget the watermark: the next run starts from the flow's first-run window (operator action)."""
    session.execute(t.delete().where(t.c.connection_id == connection_id, t.c.flow == flow))
