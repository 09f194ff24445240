"""Connection marks: moments one flow notes for another's rules (``tables/ops.py``), e.g. when the push
path last deferred an order, read by the report backstop (B1, G2). Written in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..tables import connection_marks as t
from ._sql import dialect_insert, statement


def get_mark(session: Session, connection_id: int, name: str) -> datetime | None:
    return session.execute(
        select(t.c.value).where(t.c.connection_id == connection_id, t.c.name == name)).scalar_one_or_none()


def set_mark(session: Session, connection_id: int, name: str, value: datetime, *, now: datetime) -> None:
    session.execute(statement(session, "connection_marks.set", _set_stmt),
                    {"connection_id": connection_id, "name": name, "value": value, "updated_at": now})


def _set_stmt(dialect: str) -> Any:
    stmt = dialect_insert(dialect, t)
    return stmt.on_conflict_do_update(index_elements=["connection_id", "name"],
                                      set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at})
