"""Items and listings written by the items import (I5): by SKU, never remapping a listing silently."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..tables import channel_listings, items
from ._sql import upsert


def listing_of(session: Session, connection_id: int, sku: str) -> Any:
    return session.execute(select(channel_listings.c.id, channel_listings.c.item_id, channel_listings.c.asin,
                                  channel_listings.c.fulfillment_channel, items.c.sku.label("item_sku"),
                                  items.c.description)
                           .select_from(channel_listings.outerjoin(items, items.c.id == channel_listings.c.item_id))
                           .where(channel_listings.c.connection_id == connection_id,
                                  channel_listings.c.amazon_sku == sku)).first()


def item_by_sku(session: Session, sku: str) -> Any:
    return session.execute(select(items.c.id, items.c.description).where(items.c.sku == sku)).first()


def add_item(session: Session, sku: str, description: str | None, *, now: datetime) -> int:
    stmt = upsert(session, items).values(sku=sku, description=description, created_at=now, updated_at=now)
    stmt = stmt.on_conflict_do_update(index_elements=["sku"], set_={"updated_at": stmt.excluded.updated_at})
    return session.execute(stmt.returning(items.c.id)).scalar_one()


def set_description(session: Session, item_id: int, description: str, *, now: datetime) -> None:
    session.execute(update(items).where(items.c.id == item_id).values(description=description, updated_at=now))


def upsert_listing(session: Session, connection_id: int, sku: str, *, asin: str | None, fulfillment_channel: str,
                   item_id: int | None, now: datetime) -> None:
    """The listing's Amazon facts; ``item_id`` given: mapped to it (only when it was not mapped, see caller)."""
    values: dict[str, Any] = {"asin": asin, "fulfillment_channel": fulfillment_channel, "updated_at": now}
    if item_id is not None:
        values |= {"item_id": item_id, "mapped_by": "sku"}
    stmt = upsert(session, channel_listings).values(connection_id=connection_id, amazon_sku=sku, created_at=now,
                                                    **({"item_id": None, "mapped_by": "sku"} | values))
    session.execute(stmt.on_conflict_do_update(index_elements=["connection_id", "amazon_sku"], set_=values))
