"""The OAuth flow's issued states and parked authorizations (A2; ``db/tables/security.py``).

Only hashes of the state and of the browser nonce are stored: a copy of the database (or a log of
its queries) holds nothing a callback could replay. :func:`consume_state` is the single-use rule: one
conditional UPDATE, so two callbacks with one state (two replicas, a replay) cannot both win.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..crypto import SecretBox
from ..tables import oauth_states as states
from ..tables import pending_authorizations as pending
from ._sql import upsert

KEEP_EXPIRED = timedelta(days=1)  # a late callback still hears "expired", not "unknown"


def digest(secret: str) -> str:
    """SHA-256 hex of a random secret (states and nonces are 256-bit: a fast hash is enough)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def add_state(session: Session, *, state: str, connection_id: int, binding: str, now: datetime,
              expires_at: datetime) -> None:
    session.execute(states.insert().values(state_hash=digest(state), connection_id=connection_id,
                                           binding_hash=digest(binding), created_at=now, expires_at=expires_at))
    session.execute(delete(states).where(states.c.expires_at < now - KEEP_EXPIRED))


@dataclass(frozen=True, slots=True)
class StateCheck:
    """Why a state did not verify, when it did not: unknown | used | expired | other_browser."""

    connection_id: int | None
    problem: str | None


def consume_state(session: Session, *, state: str, binding: str, now: datetime) -> StateCheck:
    """Mark the state used if it is known, unused, unexpired and bound to ``binding`` (one UPDATE)."""
    state_hash, binding_hash = digest(state), digest(binding)
    won = session.execute(
        update(states)
        .where(states.c.state_hash == state_hash, states.c.binding_hash == binding_hash,
               states.c.used_at.is_(None), states.c.expires_at > now)
        .values(used_at=now)
    ).rowcount
    row = session.execute(select(states.c.connection_id, states.c.binding_hash, states.c.used_at,
                                 states.c.expires_at).where(states.c.state_hash == state_hash)).first()
    if row is None:
        return StateCheck(None, "unknown")
    if won == 1:
        return StateCheck(row.connection_id, None)
    if row.used_at is not None:
        return StateCheck(row.connection_id, "used")
    if row.expires_at <= now:
        return StateCheck(row.connection_id, "expired")
    return StateCheck(row.connection_id, "other_browser")


@dataclass(frozen=True, slots=True)
class PendingAuthorization:
    connection_id: int
    seller_id: str
    created_at: datetime


def park_authorization(session: Session, box: SecretBox, *, connection_id: int, seller_id: str,
                       refresh_token: str, now: datetime) -> None:
    """Keep (or replace) the connection's parked refresh token, encrypted (A3)."""
    values = {"seller_id": seller_id, "refresh_token_enc": box.encrypt(refresh_token), "created_at": now}
    stmt = upsert(session, pending).values(connection_id=connection_id, **values)
    session.execute(stmt.on_conflict_do_update(index_elements=["connection_id"], set_=values))


def get_parked(session: Session, connection_id: int) -> PendingAuthorization | None:
    row = session.execute(select(pending.c.connection_id, pending.c.seller_id, pending.c.created_at)
                          .where(pending.c.connection_id == connection_id)).first()
    return PendingAuthorization(row.connection_id, row.seller_id, row.created_at) if row else None


def take_parked(session: Session, box: SecretBox, connection_id: int) -> tuple[str, str] | None:
    """(seller id, refresh token) of the parked authorization, removed; None when there is none."""
    row = session.execute(select(pending.c.seller_id, pending.c.refresh_token_enc)
                          .where(pending.c.connection_id == connection_id)).first()
    if row is None:
        return None
    session.execute(delete(pending).where(pending.c.connection_id == connection_id))
    return row.seller_id, box.decrypt(row.refresh_token_enc) or ""


def drop_parked(session: Session, connection_id: int) -> bool:
    return session.execute(delete(pending).where(pending.c.connection_id == connection_id)).rowcount > 0

