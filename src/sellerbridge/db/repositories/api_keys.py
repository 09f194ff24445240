"""API keys (I2): a key is shown once when created; the store keeps only its SHA-256.

Keys are 256-bit random tokens, so a fast hash is enough (nothing to brute-force); the prefix is kept
in clear so people can tell their keys apart in listings.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import DuplicateName, NotFound
from ..tables import api_keys as t
from ..types import utcnow
from ._sql import upsert

KEY_PREFIX = "sb_"
_SHOWN_PREFIX_LENGTH = 10


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    id: int
    name: str
    key_prefix: str
    roles: tuple[str, ...]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _hash(clear_key: str) -> str:
    return hashlib.sha256(clear_key.encode("utf-8")).hexdigest()


def _record(m: Any) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=m["id"],
        name=m["name"],
        key_prefix=m["key_prefix"],
        roles=tuple(m["roles"] or ()),
        created_at=m["created_at"],
        last_used_at=m["last_used_at"],
        revoked_at=m["revoked_at"],
    )


def create_api_key(
    session: Session, *, name: str, roles: Iterable[str], now: datetime | None = None
) -> tuple[ApiKeyRecord, str]:
    """A new key: ``(record, clear_key)``; the clear key is never stored nor shown again."""
    clear = KEY_PREFIX + secrets.token_urlsafe(32)
    now = now or utcnow()
    values = {
        "name": name,
        "key_prefix": clear[:_SHOWN_PREFIX_LENGTH],
        "key_hash": _hash(clear),
        "roles": sorted(set(roles)),
        "created_at": now,
        "last_used_at": None,
        "revoked_at": None,
    }
    stmt = upsert(session, t).values(**values).on_conflict_do_nothing().returning(t.c.id)
    new_id = session.execute(stmt).scalar_one_or_none()
    if new_id is None:
        raise DuplicateName(f"an API key named {name!r} exists")
    return _record({"id": new_id, **values}), clear


def verify_api_key(session: Session, clear_key: str) -> ApiKeyRecord | None:
    """The active key matching ``clear_key``, or None (unknown or revoked)."""
    if not clear_key:
        return None
    row = session.execute(select(t).where(t.c.key_hash == _hash(clear_key), t.c.revoked_at.is_(None))).first()
    return None if row is None else _record(row._mapping)


def touch_api_key(session: Session, key_id: int, *, now: datetime | None = None) -> None:
    session.execute(update(t).where(t.c.id == key_id).values(last_used_at=now or utcnow()))


def revoke_api_key(session: Session, key_id: int, *, now: datetime | None = None) -> None:
    result = session.execute(
        update(t).where(t.c.id == key_id, t.c.revoked_at.is_(None)).values(revoked_at=now or utcnow())
    )
    if result.rowcount == 0 and get_api_key(session, key_id) is None:  # type: ignore[attr-defined]
        raise NotFound("API key", key_id)


def get_api_key(session: Session, key_id: int) -> ApiKeyRecord | None:
    row = session.execute(select(t).where(t.c.id == key_id)).first()
    return None if row is None else _record(row._mapping)


def lock_active_api_keys(session: Session) -> list[ApiKeyRecord]:
    """The active keys, locked until the transaction ends (PostgreSQL ``FOR UPDATE``; SQLite has one
    writer at a time): two revocations at once cannot both see the other's key as still there."""
    rows = session.execute(select(t).where(t.c.revoked_at.is_(None)).order_by(t.c.id).with_for_update())
    return [_record(row._mapping) for row in rows]


def list_api_keys(session: Session) -> list[ApiKeyRecord]:
    return [_record(row._mapping) for row in session.execute(select(t).order_by(t.c.name))]
