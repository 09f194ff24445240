"""Marking SKUs dirty in the transaction of the stock change (issue 11: D5, D2).

Every write that can change an item's available-to-sell (a hold placed, resized, released or consumed, a
stock count, receipt or adjustment, a commitment elsewhere, a buffer or setting) calls
:func:`mark_items_dirty` in its own transaction, so a change is never committed without its mark and a
mark never names a change that did not happen. A mark bumps ``quantity_pushes.version`` (the push flow
sends a SKU while ``version > sent_version``) and makes the owning connection's ``stock_push`` job due
at once: the scheduler queues it at its next tick, so a change reaches Amazon in seconds, not at an hourly
run. The owner of a seller account's quantity in a region is its lowest-numbered active connection
(a unified account shares the quantity across the region's marketplaces: it is pushed once).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..tables import connections, quantity_pushes
from .jobs import job_key, request_runs

STOCK_PUSH_FLOW = "stock_push"
CHUNK = 500  # item ids per statement: well under every database's bound-parameter limit


def mark_items_dirty(session: Session, item_ids: Iterable[int], *, cause: str, now: datetime) -> int:
    """Bump the version of every SKU of these items and ask their owners' ``stock_push`` runs; the rows
    marked (a SKU not yet known to the push state is added by the push flow's next run)."""
    ids = sorted(set(item_ids))
    marked = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        result = session.execute(
            update(quantity_pushes).where(quantity_pushes.c.item_id.in_(chunk))
            .values(version=quantity_pushes.c.version + 1, dirty_cause=cause[:64], updated_at=now,
                    dirty_at=func.coalesce(quantity_pushes.c.dirty_at, now)))
        marked += result.rowcount or 0
        if result.rowcount:
            ask_owners(session, select(quantity_pushes.c.seller_id, quantity_pushes.c.region)
                       .where(quantity_pushes.c.item_id.in_(chunk)).distinct(), now=now)
    return marked


def mark_all_dirty(session: Session, *, seller_id: str, region: str, cause: str, now: datetime,
                   skus: Iterable[str] | None = None) -> int:
    """"Send now" (D5) and settings that change every figure: every SKU of the seller account and region
    (or the named ones) is sent again, once the push flow finds Amazon does not have it yet."""
    stmt = (update(quantity_pushes)
            .where(quantity_pushes.c.seller_id == seller_id, quantity_pushes.c.region == region)
            .values(version=quantity_pushes.c.version + 1, dirty_cause=cause[:64], updated_at=now,
                    dirty_at=func.coalesce(quantity_pushes.c.dirty_at, now)))
    if skus is not None:
        stmt = stmt.where(quantity_pushes.c.amazon_sku.in_(sorted(set(skus))))
    marked = session.execute(stmt).rowcount or 0
    if marked:
        ask_owners(session, select(connections.c.seller_id, connections.c.region)
                   .where(connections.c.seller_id == seller_id, connections.c.region == region).distinct(), now=now)
    return marked


def owner_connection(session: Session, seller_id: str, region: str) -> int | None:
    """The connection whose ``stock_push`` runs push this seller account's quantities in this region."""
    return session.execute(select(func.min(connections.c.id)).where(
        connections.c.seller_id == seller_id, connections.c.region == region,
        connections.c.status == "active")).scalar()


def ask_owners(session: Session, accounts, *, now: datetime) -> None:
    """Make the ``stock_push`` job of the owner of each (seller_id, region) of ``accounts`` due now."""
    pairs = accounts.subquery()
    owners = (select(func.min(connections.c.id))
              .join(pairs, (pairs.c.seller_id == connections.c.seller_id) & (pairs.c.region == connections.c.region))
              .where(connections.c.status == "active")
              .group_by(connections.c.seller_id, connections.c.region))
    request_runs(session, [job_key(STOCK_PUSH_FLOW, cid) for cid in session.execute(owners).scalars()
                           if cid is not None], now=now)
