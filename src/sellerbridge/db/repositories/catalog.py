"""Items, channel listings, warehouses and on-hand stock (B6, D2, I5).

Product code per connection (B6): with ``sku`` a line's Amazon SKU is looked up in the connection's
channel listings, then as an internal SKU; with ``asin`` the connection's listings of that ASIN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import DuplicateName
from ..tables.catalog import channel_listings, items, stock, warehouses
from ..types import utcnow
from ._sql import in_values, upsert
from .stock_marks import mark_items_dirty


@dataclass(frozen=True, slots=True)
class ItemRecord:
    id: int
    sku: str
    description: str | None
    list_price: Decimal | None
    currency: str | None
    weight_kg: Decimal | None
    track_stock: bool
    backorderable: bool
    handling_days: int | None


@dataclass(frozen=True, slots=True)
class ListingRecord:
    id: int
    connection_id: int
    amazon_sku: str
    asin: str | None
    item_id: int | None


@dataclass(frozen=True, slots=True)
class WarehouseRecord:
    id: int
    code: str
    name: str


def _item(m: Any) -> ItemRecord:
    return ItemRecord(**{name: m[name] for name in ItemRecord.__dataclass_fields__})


def _listing(m: Any) -> ListingRecord:
    return ListingRecord(**{name: m[name] for name in ListingRecord.__dataclass_fields__})


def add_item(
    session: Session,
    *,
    sku: str,
    description: str | None = None,
    list_price: Decimal | None = None,
    currency: str | None = None,
    weight_kg: Decimal | None = None,
    track_stock: bool = True,
    backorderable: bool = False,
    handling_days: int | None = None,
    now: datetime | None = None,
) -> ItemRecord:
    now = now or utcnow()
    values = {
        "sku": sku, "description": description, "list_price": list_price, "currency": currency,
        "weight_kg": weight_kg, "track_stock": track_stock, "backorderable": backorderable,
        "handling_days": handling_days,
    }
    stmt = upsert(session, items).values(**values, created_at=now, updated_at=now).on_conflict_do_nothing()
    new_id = session.execute(stmt.returning(items.c.id)).scalar_one_or_none()
    if new_id is None:
        raise DuplicateName(f"an item with SKU {sku!r} exists")
    return _item({"id": new_id, **values})


def get_item(session: Session, item_id: int) -> ItemRecord | None:
    row = session.execute(select(items).where(items.c.id == item_id)).first()
    return None if row is None else _item(row._mapping)


def get_item_by_sku(session: Session, sku: str) -> ItemRecord | None:
    row = session.execute(select(items).where(items.c.sku == sku)).first()
    return None if row is None else _item(row._mapping)


def set_listing(
    session: Session,
    *,
    connection_id: int,
    amazon_sku: str,
    asin: str | None = None,
    item_id: int | None = None,
    now: datetime | None = None,
    fulfillment_channel: str | None = None,
) -> ListingRecord:
    """Create or change the mapping of a connection's Amazon SKU (B6); idempotent by (connection, SKU).
    ``fulfillment_channel`` ("MFN" or "AFN": Amazon fulfils it, D1) is kept as it is when not given."""
    now = now or utcnow()
    values: dict = dict(connection_id=connection_id, amazon_sku=amazon_sku, asin=asin, item_id=item_id,
                        created_at=now, updated_at=now)
    if fulfillment_channel is not None:
        if fulfillment_channel not in ("MFN", "AFN"):
            raise ValueError("fulfillment_channel is MFN or AFN")
        values["fulfillment_channel"] = fulfillment_channel
    stmt = upsert(session, channel_listings).values(**values)
    changed = {"asin": stmt.excluded.asin, "item_id": stmt.excluded.item_id, "updated_at": stmt.excluded.updated_at}
    if fulfillment_channel is not None:
        changed["fulfillment_channel"] = stmt.excluded.fulfillment_channel
    stmt = stmt.on_conflict_do_update(
        index_elements=["connection_id", "amazon_sku"], set_=changed,
    ).returning(channel_listings.c.id)
    listing_id = session.execute(stmt).scalar_one()
    return ListingRecord(listing_id, connection_id, amazon_sku, asin, item_id)


def find_listing(session: Session, connection_id: int, amazon_sku: str) -> ListingRecord | None:
    row = session.execute(
        select(channel_listings).where(
            channel_listings.c.connection_id == connection_id, channel_listings.c.amazon_sku == amazon_sku
        )
    ).first()
    return None if row is None else _listing(row._mapping)


def listed_items(session: Session, connection_id: int, amazon_skus: Sequence[str]) -> dict[str, ItemRecord | None]:
    """The item each of the connection's listings of these Amazon SKUs maps to, in one query (B6).

    A listing without an item maps to None; an Amazon SKU the connection does not list is absent.
    """
    if not amazon_skus:
        return {}
    rows = session.execute(
        select(channel_listings.c.amazon_sku, *items.c)
        .select_from(channel_listings.outerjoin(items, items.c.id == channel_listings.c.item_id))
        .where(channel_listings.c.connection_id == connection_id,
               in_values(session, channel_listings.c.amazon_sku, list(amazon_skus)))
    )
    return {row.amazon_sku: None if row.id is None else _item(row._mapping) for row in rows}


def find_listings_by_asin(session: Session, connection_id: int, asin: str) -> list[ListingRecord]:
    rows = session.execute(
        select(channel_listings)
        .where(channel_listings.c.connection_id == connection_id, channel_listings.c.asin == asin)
        .order_by(channel_listings.c.id)
    )
    return [_listing(row._mapping) for row in rows]


def find_item_for_line(
    session: Session, connection_id: int, *, sku: str | None, asin: str | None, product_code: str = "sku"
) -> ItemRecord | None:
    """The internal item an Amazon line maps to, by the connection's product code (B6); None: unmapped."""
    if product_code == "asin":
        if not asin:
            return None
        mapped = [listing for listing in find_listings_by_asin(session, connection_id, asin) if listing.item_id]
        return get_item(session, mapped[0].item_id) if mapped else None  # type: ignore[arg-type]
    if not sku:
        return None
    listing = find_listing(session, connection_id, sku)
    if listing is not None and listing.item_id is not None:
        return get_item(session, listing.item_id)
    return get_item_by_sku(session, sku)


def add_warehouse(session: Session, *, code: str, name: str, now: datetime | None = None) -> WarehouseRecord:
    stmt = upsert(session, warehouses).values(code=code, name=name, created_at=now or utcnow()).on_conflict_do_nothing()
    new_id = session.execute(stmt.returning(warehouses.c.id)).scalar_one_or_none()
    if new_id is None:
        raise DuplicateName(f"a warehouse with code {code!r} exists")
    return WarehouseRecord(new_id, code, name)


def get_warehouse_by_code(session: Session, code: str) -> WarehouseRecord | None:
    stmt = select(warehouses.c.id, warehouses.c.code, warehouses.c.name).where(warehouses.c.code == code)
    found = session.execute(stmt).first()
    return None if found is None else WarehouseRecord(found.id, found.code, found.name)


def list_warehouses(session: Session) -> list[WarehouseRecord]:
    rows = session.execute(select(warehouses.c.id, warehouses.c.code, warehouses.c.name).order_by(warehouses.c.code))
    return [WarehouseRecord(row.id, row.code, row.name) for row in rows]


def set_on_hand(
    session: Session, *, item_id: int, warehouse_id: int, on_hand: int, now: datetime | None = None
) -> None:
    """The warehouse's count of an item, set directly (demo, tests, seeds). Stock from outside comes through
    ``stock_ledger.record_count`` (with a ref and a movement); this one still marks the item dirty (D5)."""
    now = now or utcnow()
    stmt = upsert(session, stock).values(item_id=item_id, warehouse_id=warehouse_id, on_hand=on_hand, updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["item_id", "warehouse_id"],
        set_={"on_hand": stmt.excluded.on_hand, "updated_at": stmt.excluded.updated_at},
    )
    session.execute(stmt)
    mark_items_dirty(session, [item_id], cause="count", now=now)


def on_hand_by_warehouse(session: Session, item_id: int) -> dict[int, int]:
    rows = session.execute(select(stock.c.warehouse_id, stock.c.on_hand).where(stock.c.item_id == item_id))
    return {row.warehouse_id: row.on_hand for row in rows}
