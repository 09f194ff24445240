"""Marking prices dirty in the transaction of the change (issue 11: E1, E3).

Every write that can change the price a SKU is sent at (a listing's Amazon price or range set, an item's
list price, the guard's setting, an approval, a new mapping from the items import) calls
:func:`mark_prices_dirty` in its own transaction: ``price_pushes.version`` is bumped (the price push sends
a SKU while ``version > sent_version``) and the connection's ``price_push`` job is made due at once. A
price is per marketplace, so the job is per connection (not per seller account as the quantity's is).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..tables import price_pushes
from .jobs import job_key, request_runs

PRICE_PUSH_FLOW = "price_push"
CHUNK = 500  # ids per statement: well under every database's bound-parameter limit


def mark_prices_dirty(session: Session, *, connection_id: int | None = None, item_ids: Iterable[int] | None = None,
                      skus: Iterable[str] | None = None, cause: str, now: datetime) -> int:
    """Bump the version of the SKUs named (all of a connection's, its named SKUs, or every SKU of these
    items on every connection) and ask their connections' ``price_push`` runs; the rows marked (a SKU not
    yet in the push state is added, dirty, by the flow's next run)."""
    where = []
    if connection_id is not None:
        where.append(price_pushes.c.connection_id == connection_id)
    if skus is not None:
        where.append(price_pushes.c.amazon_sku.in_(sorted(set(skus))))
    ids = sorted(set(item_ids)) if item_ids is not None else None
    chunks = [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)] if ids is not None else [None]
    marked = 0
    for chunk in chunks:
        clause = list(where)
        if chunk is not None:
            clause.append(price_pushes.c.item_id.in_(chunk))
        if not clause:
            raise ValueError("mark_prices_dirty: name a connection, items or SKUs")
        marked += session.execute(
            update(price_pushes).where(*clause)
            .values(version=price_pushes.c.version + 1, dirty_cause=cause[:64], updated_at=now,
                    dirty_at=func.coalesce(price_pushes.c.dirty_at, now))).rowcount or 0
        owners = ([connection_id] if connection_id is not None else
                  session.execute(select(price_pushes.c.connection_id).where(*clause).distinct()).scalars().all())
        ask_price_push(session, owners, now=now)
    return marked


def ask_price_push(session: Session, connection_ids: Iterable[int], *, now: datetime) -> None:
    """Make these connections' ``price_push`` jobs due now (the scheduler queues them at its next tick)."""
    request_runs(session, [job_key(PRICE_PUSH_FLOW, cid) for cid in connection_ids], now=now)
