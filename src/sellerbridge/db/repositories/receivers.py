"""Receivers of a connection's warehouse messages (B14, B13): settings, secrets, PII permission, breaker.

Secrets (webhook signing secrets, SFTP credentials) are one Fernet-encrypted JSON object
(``secrets_enc``) and come out only through :func:`get_secrets`; a :class:`ReceiverRecord` never holds
them. Webhook secrets are ``{"signing": [newest, older]}``: during a rotation both are valid until
``rotation_ends_at``; :func:`valid_secrets` drops the older one once that passed. Every change of the
PII permission, of the secrets and of pausing is a ``receiver_audit`` row with who and when.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...domain.deliveries.breaker import Breaker, State
from ...domain.ports.deliveries import ReceiverKind, ReceiverSpec
from ..crypto import SecretBox
from ..errors import DuplicateName, NotFound
from ..tables import outbox, receiver_audit
from ..tables import receivers as t


@dataclass(frozen=True, slots=True)
class ReceiverRecord:
    id: int
    connection_id: int
    kind: str
    name: str
    config: dict[str, Any]
    file_format: str
    paused: bool
    pii_allowed: bool
    pii_changed_by: str | None
    pii_changed_at: datetime | None
    rotation_ends_at: datetime | None
    breaker_state: str
    breaker_failures: int
    breaker_trips: int
    breaker_retry_at: datetime | None
    event_cursor: int
    has_secrets: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    receiver_id: int
    at: datetime
    actor: str
    action: str
    detail: str | None


_COLUMNS = [c for c in t.c if c.name != "secrets_enc"]


def _record(m: Mapping[str, Any]) -> ReceiverRecord:
    values = {c.name: m[c.name] for c in _COLUMNS}
    values["config"] = dict(values["config"] or {})
    return ReceiverRecord(**values, has_secrets=bool(m["has_secrets"]))


def _select() -> Any:
    return select(*_COLUMNS, t.c.secrets_enc.is_not(None).label("has_secrets"))


def add_receiver(session: Session, box: SecretBox, *, connection_id: int, kind: str, name: str,
                 config: Mapping[str, Any], secrets: Mapping[str, Any] | None, file_format: str, actor: str,
                 now: datetime) -> ReceiverRecord:
    """A new receiver; it gets the connection's events stored from now on (its cursor is the newest event)."""
    newest = session.execute(select(func.coalesce(func.max(outbox.c.id), 0))
                             .where(outbox.c.connection_id == connection_id)).scalar_one()
    try:
        with session.begin_nested():
            receiver_id = session.execute(t.insert().values(
                connection_id=connection_id, kind=kind, name=name, config=dict(config),
                secrets_enc=_seal(box, secrets), file_format=file_format, event_cursor=int(newest),
                created_at=now, updated_at=now).returning(t.c.id)).scalar_one()
    except IntegrityError:
        raise DuplicateName(f"a receiver named {name!r} exists for this connection") from None
    audit(session, receiver_id, connection_id, actor, "added", f"{kind} receiver", now)
    return require(session, receiver_id)


def _seal(box: SecretBox, secrets: Mapping[str, Any] | None) -> str | None:
    return box.encrypt(json.dumps(dict(secrets))) if secrets else None


def get(session: Session, receiver_id: int) -> ReceiverRecord | None:
    row = session.execute(_select().where(t.c.id == receiver_id)).first()
    return None if row is None else _record(row._mapping)


def require(session: Session, receiver_id: int) -> ReceiverRecord:
    record = get(session, receiver_id)
    if record is None:
        raise NotFound("receiver", receiver_id)
    return record


def find(session: Session, ref: str | int, connection_id: int | None = None) -> ReceiverRecord | None:
    """By id, or by name (within ``connection_id`` when given: names are unique per connection)."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isascii() and ref.isdigit()):
        record = get(session, int(ref))
        if record is not None and (connection_id is None or record.connection_id == connection_id):
            return record
    stmt = _select().where(t.c.name == str(ref))
    if connection_id is not None:
        stmt = stmt.where(t.c.connection_id == connection_id)
    rows = session.execute(stmt.order_by(t.c.id).limit(2)).all()
    return _record(rows[0]._mapping) if len(rows) == 1 else None


def list_receivers(session: Session, *, connection_id: int | None = None) -> list[ReceiverRecord]:
    stmt = _select().order_by(t.c.id)
    if connection_id is not None:
        stmt = stmt.where(t.c.connection_id == connection_id)
    return [_record(row._mapping) for row in session.execute(stmt)]


def get_secrets(session: Session, box: SecretBox, receiver_id: int) -> dict[str, Any]:
    sealed = session.execute(select(t.c.secrets_enc).where(t.c.id == receiver_id)).scalar_one_or_none()
    return json.loads(box.decrypt(sealed)) if sealed else {}  # type: ignore[arg-type]


def valid_secrets(secrets: Mapping[str, Any], rotation_ends_at: datetime | None, now: datetime) -> dict[str, Any]:
    """The secrets valid now: the older signing secret only until the rotation's end."""
    out = dict(secrets)
    signing = [s for s in out.get("signing", []) if isinstance(s, str)]
    if len(signing) > 1 and (rotation_ends_at is None or now >= rotation_ends_at):
        signing = signing[:1]
    out["signing"] = signing
    return out


def set_secrets(session: Session, box: SecretBox, receiver_id: int, secrets: Mapping[str, Any], *,
                rotation_ends_at: datetime | None, now: datetime) -> None:
    session.execute(update(t).where(t.c.id == receiver_id).values(
        secrets_enc=_seal(box, secrets), rotation_ends_at=rotation_ends_at, updated_at=now))


def specs(session: Session, box: SecretBox, connection_id: int, *, now: datetime,
          include_paused: bool = False) -> list[ReceiverSpec]:
    """The connection's receivers as transports need them, secrets decrypted and valid now."""
    stmt = select(t).where(t.c.connection_id == connection_id).order_by(t.c.id)
    if not include_paused:
        stmt = stmt.where(t.c.paused.is_(False))
    out = []
    for row in session.execute(stmt):
        m = row._mapping
        secrets = json.loads(box.decrypt(m["secrets_enc"])) if m["secrets_enc"] else {}  # type: ignore[arg-type]
        out.append(ReceiverSpec(id=m["id"], connection_id=m["connection_id"], kind=ReceiverKind(m["kind"]),
                                name=m["name"], config=dict(m["config"] or {}),
                                secrets=valid_secrets(secrets, m["rotation_ends_at"], now),
                                file_format=m["file_format"], pii_allowed=bool(m["pii_allowed"])))
    return out


def spec_of(session: Session, box: SecretBox, receiver_id: int, *, now: datetime) -> ReceiverSpec:
    record = require(session, receiver_id)
    [spec] = [s for s in specs(session, box, record.connection_id, now=now, include_paused=True) if s.id == receiver_id]
    return spec


def set_paused(session: Session, receiver_id: int, paused: bool, *, actor: str, now: datetime) -> None:
    record = require(session, receiver_id)
    session.execute(update(t).where(t.c.id == receiver_id).values(paused=paused, updated_at=now))
    audit(session, receiver_id, record.connection_id, actor, "paused" if paused else "resumed", None, now)


def set_pii_allowed(session: Session, receiver_id: int, allowed: bool, *, actor: str, now: datetime) -> None:
    """The admin's decision (B13), with who and when, in the row and in the audit trail."""
    record = require(session, receiver_id)
    session.execute(update(t).where(t.c.id == receiver_id).values(
        pii_allowed=allowed, pii_changed_by=actor, pii_changed_at=now, updated_at=now))
    audit(session, receiver_id, record.connection_id, actor, "pii_allowed" if allowed else "pii_denied", None, now)


def audit(session: Session, receiver_id: int, connection_id: int, actor: str, action: str, detail: str | None,
          now: datetime) -> None:
    session.execute(receiver_audit.insert().values(receiver_id=receiver_id, connection_id=connection_id, at=now,
                                                   actor=actor[:160], action=action, detail=detail))


def audit_trail(session: Session, receiver_id: int) -> list[AuditRecord]:
    rows = session.execute(select(receiver_audit).where(receiver_audit.c.receiver_id == receiver_id)
                           .order_by(receiver_audit.c.id))
    return [AuditRecord(**{k: r._mapping[k] for k in AuditRecord.__dataclass_fields__}) for r in rows]


def breaker(session: Session, receiver_id: int) -> Breaker:
    row = session.execute(select(t.c.breaker_state, t.c.breaker_failures, t.c.breaker_trips, t.c.breaker_retry_at)
                          .where(t.c.id == receiver_id)).one()
    return Breaker(State(row.breaker_state), row.breaker_failures, row.breaker_trips, row.breaker_retry_at)


def set_breaker(session: Session, receiver_id: int, value: Breaker, *, now: datetime) -> None:
    session.execute(update(t).where(t.c.id == receiver_id).values(
        breaker_state=value.state.value, breaker_failures=value.failures, breaker_trips=value.trips,
        breaker_retry_at=value.retry_at, updated_at=now))
