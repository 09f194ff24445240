"""Report requests and feed submissions (``tables/documents.py``): one row per document asked of Amazon.

Both tables have the same lifecycle columns; :func:`add`, :func:`get`, :func:`update_status` and
:func:`latest` take the document kind and pick the table, so the stepper (``sync/lifecycle.py``) and
every flow that uses it speak of one :class:`~sellerbridge.domain.documents.DocumentRequest`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from ...domain.documents import DocumentKind, DocumentRequest
from ..errors import NotFound
from ..tables import feed_submissions, report_requests

_TABLES: dict[DocumentKind, tuple[Table, str, str]] = {
    DocumentKind.REPORT: (report_requests, "amazon_report_id", "report_type"),
    DocumentKind.FEED: (feed_submissions, "amazon_feed_id", "feed_type"),
}


def _request(kind: DocumentKind, m: Any) -> DocumentRequest:
    _, id_column, type_column = _TABLES[kind]
    return DocumentRequest(id=m["id"], kind=kind, amazon_id=m[id_column], amazon_type=m[type_column],
                           status=m["status"], requested_at=m["requested_at"], deadline_at=m["deadline_at"],
                           attempt=m["attempt"], checks=m["checks"], document_id=m["document_id"], error=m["error"])


def add(session: Session, kind: DocumentKind, *, connection_id: int, run_id: int | None, purpose: str,
        amazon_id: str, amazon_type: str, status: str, requested_at: datetime, deadline_at: datetime,
        attempt: int, input_document_id: str | None = None) -> DocumentRequest:
    table, id_column, type_column = _TABLES[kind]
    values: dict[str, Any] = {
        "connection_id": connection_id, "run_id": run_id, "purpose": purpose, "status": status,
        "attempt": attempt, "checks": 0, "requested_at": requested_at, "deadline_at": deadline_at,
        id_column: amazon_id, type_column: amazon_type}
    if kind is DocumentKind.FEED:
        values["input_document_id"] = input_document_id
    new_id = session.execute(table.insert().values(**values).returning(table.c.id)).scalar_one()
    found = get(session, kind, new_id)
    assert found is not None
    return found


def get(session: Session, kind: DocumentKind, request_id: int) -> DocumentRequest | None:
    table = _TABLES[kind][0]
    row = session.execute(select(table).where(table.c.id == request_id)).first()
    return None if row is None else _request(kind, row._mapping)


def update_status(session: Session, kind: DocumentKind, request_id: int, *, status: str, now: datetime,
                  looked: bool, document_id: str | None = None, error: str | None = None,
                  finished: bool = False) -> DocumentRequest:
    """One look at Amazon (``looked``: counted in ``checks``) or one of the hub's own steps."""
    table = _TABLES[kind][0]
    values: dict[str, Any] = {"status": status}
    if looked:
        values.update(checks=table.c.checks + 1, checked_at=now)
    if document_id is not None:
        values["document_id"] = document_id
    if error is not None:
        values["error"] = error
    if finished:
        values["finished_at"] = now
    if session.execute(update(table).where(table.c.id == request_id).values(**values)).rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"{kind.value} request", request_id)
    found = get(session, kind, request_id)
    assert found is not None
    return found


def list_requests(session: Session, kind: DocumentKind, *, connection_id: int | None = None,
                  purpose: str | None = None, limit: int = 50) -> list[DocumentRequest]:
    """Newest first (CLI, REST, the coming dashboard)."""
    table = _TABLES[kind][0]
    stmt = select(table).order_by(table.c.requested_at.desc(), table.c.id.desc()).limit(max(1, min(limit, 500)))
    if connection_id is not None:
        stmt = stmt.where(table.c.connection_id == connection_id)
    if purpose is not None:
        stmt = stmt.where(table.c.purpose == purpose)
    return [_request(kind, row._mapping) for row in session.execute(stmt)]
