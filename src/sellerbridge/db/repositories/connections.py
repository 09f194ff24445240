"""Connections: one seller account in one marketplace (A1-A5).

Secrets (LWA client secret, refresh token) go in encrypted and come out only through
:func:`get_secrets`; a :class:`ConnectionRecord` never holds them, and :class:`ConnectionSecrets`
keeps them out of its repr (A3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Row, Select, func, select, update
from sqlalchemy.orm import Session

from ..crypto import SecretBox
from ..errors import DuplicateConnection, NotFound
from ..tables import connections as t
from ..tables.connections import CONNECTION_STATUSES
from ..types import utcnow
from ._sql import upsert


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final[Any] = _Keep()  # "leave this field as it is" in partial updates


@dataclass(frozen=True, slots=True)
class ConnectionRecord:
    id: int
    name: str
    seller_id: str
    marketplace_id: str
    region: str
    client_id: str
    api_base_url: str | None
    lwa_token_url: str | None
    status: str
    authorized_at: datetime | None
    authorization_expires_at: datetime | None
    expiry_warned_days: int | None
    settings: dict[str, Any]
    last_error: str | None
    credentials_version: int  # what the cached gateway was built from (bumped by set_secrets/endpoints)
    has_credentials: bool  # both secrets present (A5: removing them stops the syncs)
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ConnectionSecrets:
    client_id: str
    client_secret: str | None = field(repr=False)
    refresh_token: str | None = field(repr=False)


_RECORD_COLUMNS = [c for c in t.c if not c.name.endswith("_enc")]


def _record(row: Row[Any]) -> ConnectionRecord:
    m = row._mapping
    values = {c.name: m[c] for c in _RECORD_COLUMNS}
    values["settings"] = dict(values["settings"] or {})
    return ConnectionRecord(**values, has_credentials=bool(m["has_secret"] and m["has_token"]))


def _select() -> Select[Any]:
    return select(
        *_RECORD_COLUMNS,
        t.c.client_secret_enc.is_not(None).label("has_secret"),
        t.c.refresh_token_enc.is_not(None).label("has_token"),
    )


def add_connection(
    session: Session,
    box: SecretBox,
    *,
    name: str,
    seller_id: str,
    marketplace_id: str,
    region: str,
    client_id: str,
    client_secret: str | None,
    refresh_token: str | None,
    api_base_url: str | None = None,
    lwa_token_url: str | None = None,
    authorized_at: datetime | None = None,
    authorization_expires_at: datetime | None = None,
    settings: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> ConnectionRecord:
    """Store a new connection (A1); raises :class:`DuplicateConnection` on a taken name or seller+marketplace."""
    now = now or utcnow()
    stmt = (
        upsert(session, t)
        .values(
            name=name,
            seller_id=seller_id,
            marketplace_id=marketplace_id,
            region=region,
            client_id=client_id,
            client_secret_enc=box.encrypt(client_secret),
            refresh_token_enc=box.encrypt(refresh_token),
            api_base_url=api_base_url,
            lwa_token_url=lwa_token_url,
            status="active",
            authorized_at=authorized_at,
            authorization_expires_at=authorization_expires_at,
            settings=dict(settings or {}),
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing()
        .returning(t.c.id)
    )
    new_id = session.execute(stmt).scalar_one_or_none()
    if new_id is None:
        raise DuplicateConnection(
            f"a connection named {name!r} or for seller {seller_id} in marketplace {marketplace_id} exists"
        )
    return get_connection(session, new_id)  # type: ignore[return-value]


def get_connection(session: Session, connection_id: int) -> ConnectionRecord | None:
    row = session.execute(_select().where(t.c.id == connection_id)).first()
    return None if row is None else _record(row)


def exists(session: Session, connection_id: int) -> bool:
    """Whether the connection exists (without reading its settings)."""
    return session.execute(select(t.c.id).where(t.c.id == connection_id)).first() is not None


def require_connection(session: Session, connection_id: int) -> ConnectionRecord:
    record = get_connection(session, connection_id)
    if record is None:
        raise NotFound("connection", connection_id)
    return record


def get_connection_by_name(session: Session, name: str) -> ConnectionRecord | None:
    row = session.execute(_select().where(t.c.name == name)).first()
    return None if row is None else _record(row)


def find_connections_by_seller(
    session: Session, seller_id: str, marketplace_id: str | None = None
) -> list[ConnectionRecord]:
    """Connections of a seller account (the notification intake knows only seller and marketplace)."""
    stmt = _select().where(t.c.seller_id == seller_id)
    if marketplace_id is not None:
        stmt = stmt.where(t.c.marketplace_id == marketplace_id)
    return [_record(row) for row in session.execute(stmt.order_by(t.c.id))]


def list_connections(session: Session, *, status: str | None = None) -> list[ConnectionRecord]:
    stmt = _select().order_by(t.c.name)
    if status is not None:
        stmt = stmt.where(t.c.status == status)
    return [_record(row) for row in session.execute(stmt)]


def connection_ids(session: Session) -> list[int]:
    """Every connection's id (what the scheduler needs, without reading settings)."""
    return list(session.execute(select(t.c.id).order_by(t.c.id)).scalars())


def count_active(session: Session, *, seller_id: str, region: str) -> int:
    """Active connections of one seller account in one region (they share Amazon's budgets, G1)."""
    return int(session.execute(select(func.count()).select_from(t).where(
        t.c.seller_id == seller_id, t.c.region == region, t.c.status == "active")).scalar_one())


def _update(session: Session, connection_id: int, values: dict[str, Any]) -> None:
    result = session.execute(update(t).where(t.c.id == connection_id).values(**values))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("connection", connection_id)


def set_status(
    session: Session, connection_id: int, status: str, *, last_error: str | None = None, now: datetime | None = None
) -> None:
    """Activate, disable (A5) or mark expired (A4); ``last_error`` says why, for the operator."""
    if status not in CONNECTION_STATUSES:
        raise ValueError(f"unknown connection status {status!r}")
    _update(session, connection_id, {"status": status, "last_error": last_error, "updated_at": now or utcnow()})


def get_secrets(session: Session, box: SecretBox, connection_id: int) -> ConnectionSecrets:
    """The decrypted credentials, for the gateway only (A3)."""
    row = session.execute(
        select(t.c.client_id, t.c.client_secret_enc, t.c.refresh_token_enc).where(t.c.id == connection_id)
    ).first()
    if row is None:
        raise NotFound("connection", connection_id)
    return ConnectionSecrets(row.client_id, box.decrypt(row.client_secret_enc), box.decrypt(row.refresh_token_enc))


def set_secrets(
    session: Session,
    box: SecretBox,
    connection_id: int,
    *,
    client_id: str = KEEP,
    client_secret: str | None = KEEP,
    refresh_token: str | None = KEEP,
    authorized_at: datetime | None = KEEP,
    authorization_expires_at: datetime | None = KEEP,
    now: datetime | None = None,
) -> None:
    """Replace credentials (OAuth callback, rotation) or remove them (``None``, A5); KEEP leaves a field."""
    values: dict[str, Any] = {"updated_at": now or utcnow()}
    if client_id is not KEEP:
        values["client_id"] = client_id
    if client_secret is not KEEP:
        values["client_secret_enc"] = box.encrypt(client_secret)
    if refresh_token is not KEEP:
        values["refresh_token_enc"] = box.encrypt(refresh_token)
    if authorized_at is not KEEP:
        values["authorized_at"] = authorized_at
        values["expiry_warned_days"] = None  # a new authorization gets its 30/7/1-day warnings again
    if authorization_expires_at is not KEEP:
        values["authorization_expires_at"] = authorization_expires_at
    if any(v is not KEEP for v in (client_id, client_secret, refresh_token)):
        values["credentials_version"] = t.c.credentials_version + 1  # every process rebuilds its gateway
    _update(session, connection_id, values)


def update_connection(
    session: Session,
    connection_id: int,
    *,
    name: str = KEEP,
    seller_id: str = KEEP,
    api_base_url: str | None = KEEP,
    lwa_token_url: str | None = KEEP,
    expiry_warned_days: int | None = KEEP,
    last_error: str | None = KEEP,
    now: datetime | None = None,
) -> None:
    """Change plain fields; KEEP leaves a field as it is."""
    values: dict[str, Any] = {"updated_at": now or utcnow()}
    for key, value in (
        ("name", name),
        ("seller_id", seller_id),  # the OAuth callback names the seller of a pending connection (A2)
        ("api_base_url", api_base_url),
        ("lwa_token_url", lwa_token_url),
        ("expiry_warned_days", expiry_warned_days),
        ("last_error", last_error),
    ):
        if value is not KEEP:
            values[key] = value
    if any(v is not KEEP for v in (seller_id, api_base_url, lwa_token_url)):
        values["credentials_version"] = t.c.credentials_version + 1  # every process rebuilds its gateway
    _update(session, connection_id, values)


def clear_run_error(session: Session, connection_id: int, error: str, *, now: datetime) -> bool:
    """Clear ``last_error`` if it is still ``error`` (a later run succeeded); a newer error stays."""
    result = session.execute(update(t).where(t.c.id == connection_id, t.c.last_error == error)
                             .values(last_error=None, updated_at=now))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def update_settings(
    session: Session,
    connection_id: int,
    changes: Mapping[str, Any],
    *,
    replace: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Merge ``changes`` into the connection's settings (or replace them all); returns the new settings.

    Values must be JSON-serialisable (dates as ISO text); services validate them. The row is locked
    while merging (``FOR UPDATE`` on PostgreSQL; SQLite's write unit of work holds the lock already),
    so two concurrent edits of different keys both survive.
    """
    current = session.execute(select(t.c.settings).where(t.c.id == connection_id).with_for_update()).first()
    if current is None:
        raise NotFound("connection", connection_id)
    settings = dict(changes) if replace else {**(current.settings or {}), **changes}
    _update(session, connection_id, {"settings": settings, "updated_at": now or utcnow()})
    return settings
