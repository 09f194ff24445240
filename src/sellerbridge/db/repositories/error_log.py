"""Error log (B11, H1): every failed document, once per (connection, kind, key), with a count.

Recording the same failure again bumps ``count`` and ``last_seen`` and replaces code, message, where
and payload with the newest; a resolved or dismissed error that fails again is open again. The
payload is Amazon's document without its buyer data: it goes through the one redaction of Amazon
documents (``domain.common.pii.redact_document``) before it is written, so the error log never holds
what the PII purge erases (B13); it is stored encrypted all the same (order ids, SKUs and amounts are
the seller's business) and read back only with the key. :func:`redact_payloads` cleans the rows
written before that rule (the purge calls it for the orders it purges).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ...domain.common.pii import redact_document
from ..crypto import SecretBox
from ..errors import NotFound
from ..tables import error_log as t
from ..types import utcnow
from ._sql import in_values, upsert


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    id: int
    connection_id: int
    kind: str
    key: str
    code: str
    message: str
    where: str | None
    first_seen: datetime
    last_seen: datetime
    count: int
    status: str
    resolved_at: datetime | None
    has_payload: bool
    payload: Any = field(default=None, repr=False)  # only when read with the key


_SUMMARY = [c for c in t.c if c.name != "payload_enc"]


def _record(m: Any, box: SecretBox | None = None) -> ErrorRecord:
    encrypted = m.get("payload_enc")
    payload = json.loads(box.decrypt(encrypted)) if box is not None and encrypted is not None else None  # type: ignore[arg-type]
    return ErrorRecord(
        **{c.name: m[c.name] for c in _SUMMARY},
        has_payload=bool(m["has_payload"]) if "has_payload" in m else encrypted is not None,
        payload=payload,
    )


def record_error(
    session: Session,
    box: SecretBox,
    *,
    connection_id: int,
    kind: str,
    key: str,
    code: str,
    message: str,
    where: str | None = None,
    payload: Any = None,
    now: datetime | None = None,
) -> int:
    """Insert the error or bump the existing one (H1); returns its id. ``payload`` must be JSON-able;
    its buyer data is dropped before it is stored (B13)."""
    now = now or utcnow()
    encrypted = _sealed(box, payload)
    stmt = upsert(session, t).values(
        connection_id=connection_id, kind=kind, key=key, code=code, message=message, where=where,
        payload_enc=encrypted, first_seen=now, last_seen=now, count=1, status="open", resolved_at=None,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["connection_id", "kind", "key"],
        set_={
            "code": stmt.excluded.code,
            "message": stmt.excluded.message,
            "where": stmt.excluded["where"],
            "payload_enc": stmt.excluded.payload_enc,
            "last_seen": stmt.excluded.last_seen,
            "count": t.c.count + 1,
            "status": "open",
            "resolved_at": None,
        },
    )
    return session.execute(stmt.returning(t.c.id)).scalar_one()


def _sealed(box: SecretBox, payload: Any) -> str | None:
    """The payload as stored: redacted (B13), JSON, encrypted; None stays None."""
    if payload is None:
        return None
    return box.encrypt(json.dumps(redact_document(payload), default=str))


def redact_payloads(session: Session, box: SecretBox, *, connection_id: int, keys: list[str]) -> int:
    """Re-store the payloads of the connection's errors about these documents (any kind) redacted (B13):
    rows written before payloads were redacted at write time still hold the buyer data of Amazon's
    document. Returns how many changed."""
    if not keys:
        return 0
    rows = session.execute(
        select(t.c.id, t.c.payload_enc)
        .where(t.c.connection_id == connection_id, in_values(session, t.c.key, keys), t.c.payload_enc.is_not(None))
    ).all()
    changed = 0
    for row in rows:
        payload = json.loads(box.decrypt(row.payload_enc))  # type: ignore[arg-type]
        redacted = redact_document(payload)
        if redacted != payload:
            session.execute(update(t).where(t.c.id == row.id).values(payload_enc=_sealed(box, redacted)))
            changed += 1
    return changed


def get_error(session: Session, error_id: int, *, box: SecretBox | None = None) -> ErrorRecord | None:
    """One error; with ``box`` its payload is decrypted (reprocess, download: B11)."""
    row = session.execute(select(t).where(t.c.id == error_id)).first()
    return None if row is None else _record(row._mapping, box)


def find_error(session: Session, connection_id: int, kind: str, key: str) -> ErrorRecord | None:
    row = session.execute(select(t).where(t.c.connection_id == connection_id, t.c.kind == kind, t.c.key == key)).first()
    return None if row is None else _record(row._mapping)


def list_errors(
    session: Session,
    *,
    status: str | None = "open",
    connection_id: int | None = None,
    kind: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[ErrorRecord], int]:
    """Errors newest first (``status=None``: all); returns ``(page, total)``."""
    conditions = []
    if status is not None:
        conditions.append(t.c.status == status)
    if connection_id is not None:
        conditions.append(t.c.connection_id == connection_id)
    if kind is not None:
        conditions.append(t.c.kind == kind)
    total = session.execute(select(func.count()).select_from(t).where(*conditions)).scalar_one()
    rows = session.execute(
        select(*_SUMMARY, t.c.payload_enc.is_not(None).label("has_payload"))
        .where(*conditions)
        .order_by(t.c.last_seen.desc(), t.c.id.desc())
        .limit(max(1, min(limit, 500)))
        .offset(max(0, offset))
    )
    return [_record(row._mapping) for row in rows], total


def _set_status(session: Session, error_id: int, status: str, now: datetime | None) -> None:
    result = session.execute(update(t).where(t.c.id == error_id).values(status=status, resolved_at=now or utcnow()))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("error", error_id)


def resolve_error(session: Session, error_id: int, *, now: datetime | None = None) -> None:
    _set_status(session, error_id, "resolved", now)


def dismiss_error(session: Session, error_id: int, *, now: datetime | None = None) -> None:
    """The operator decided the document needs nothing more (H1)."""
    _set_status(session, error_id, "dismissed", now)


def resolve_key(session: Session, connection_id: int, kind: str, key: str, *, now: datetime | None = None) -> bool:
    """The document went through (reprocess or a later sync): resolve its open error; False if none."""
    result = session.execute(
        update(t)
        .where(t.c.connection_id == connection_id, t.c.kind == kind, t.c.key == key, t.c.status == "open")
        .values(status="resolved", resolved_at=now or utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def resolve_keys(session: Session, connection_id: int, kind: str, keys: list[str], *,
                 now: datetime | None = None) -> None:
    """:func:`resolve_key` for a page of documents in one statement."""
    if keys:
        session.execute(
            update(t)
            .where(t.c.connection_id == connection_id, t.c.kind == kind, in_values(session, t.c.key, keys),
                   t.c.status == "open")
            .values(status="resolved", resolved_at=now or utcnow())
        )
