"""What shapes available-to-sell besides stock: item flags and buffers, warehouse buffers, connection settings
(issue 11: D2, D3, D4, D6), each change marked dirty in its own transaction (D5).

- an item's ``track_stock``, ``backorderable``, ``handling_days`` and buffer (D3, D4, D6): that item's SKUs;
- a warehouse's buffer (D3): every item stocked in that warehouse (one UPDATE over a sub-select);
- a connection's ``stock_settings`` (D2 enabled warehouses, D3 default buffer, D4, D6): every SKU of the
  connection's seller account and region (``mark_all_dirty``).

A write that changes nothing marks nothing: a replayed request costs no push.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..tables.catalog import items, stock, warehouses
from ..tables.connections import connections
from ..tables.stock import stock_settings
from ._sql import upsert
from .connections import KEEP
from .stock_marks import mark_all_dirty, mark_items_dirty


@dataclass(frozen=True, slots=True)
class ItemStockFields:
    item_id: int
    sku: str
    track_stock: bool
    backorderable: bool
    handling_days: int | None
    buffer_kind: str | None
    buffer_value: Decimal | None


@dataclass(frozen=True, slots=True)
class StockSettings:
    """A connection's stock settings (the table's defaults when it has no row)."""

    connection_id: int
    buffer_kind: str | None = None
    buffer_value: Decimal | None = None
    untracked_quantity: int = 1000
    handling_days: int | None = None
    warehouse_ids: tuple[int, ...] | None = None  # None: every warehouse
    full_refresh_minutes: int = 60
    patch_max: int = 50
    price_guard_percent: Decimal | None = Decimal("20")


SETTING_FIELDS = ("buffer_kind", "buffer_value", "untracked_quantity", "handling_days", "warehouse_ids",
                  "full_refresh_minutes", "patch_max", "price_guard_percent")
# the settings a quantity depends on: changing one re-sends every SKU; the others are how and when
QUANTITY_FIELDS = frozenset({"buffer_kind", "buffer_value", "untracked_quantity", "handling_days", "warehouse_ids"})


def item_stock_fields(session: Session, sku: str) -> ItemStockFields | None:
    row = session.execute(select(items.c.id.label("item_id"), items.c.sku, items.c.track_stock, items.c.backorderable,
                                 items.c.handling_days, items.c.buffer_kind, items.c.buffer_value)
                          .where(items.c.sku == sku)).first()
    return None if row is None else ItemStockFields(**row._mapping)


def set_item_stock_fields(session: Session, item_id: int, *, now: datetime, track_stock: bool = KEEP,
                          backorderable: bool = KEEP, handling_days: int | None = KEEP,
                          buffer_kind: str | None = KEEP, buffer_value: Decimal | None = KEEP) -> bool:
    """Change the item's stock flags, handling time or buffer (D3, D4, D6); True (and marked) when changed."""
    wanted = {name: value for name, value in (("track_stock", track_stock), ("backorderable", backorderable),
                                              ("handling_days", handling_days), ("buffer_kind", buffer_kind),
                                              ("buffer_value", buffer_value)) if value is not KEEP}
    current = session.execute(select(*(items.c[name] for name in wanted)).where(items.c.id == item_id)).first() \
        if wanted else None
    if current is None or all(_same(current._mapping[name], value) for name, value in wanted.items()):
        return False
    session.execute(update(items).where(items.c.id == item_id).values(**wanted, updated_at=now))
    mark_items_dirty(session, [item_id], cause="item", now=now)
    return True


def set_warehouse_buffer(session: Session, warehouse_id: int, *, buffer_kind: str | None,
                         buffer_value: Decimal | None, now: datetime) -> bool:
    """The warehouse's buffer (D3); every item stocked there is marked when it changed."""
    current = session.execute(select(warehouses.c.buffer_kind, warehouses.c.buffer_value)
                              .where(warehouses.c.id == warehouse_id)).first()
    if current is None or (current.buffer_kind == buffer_kind and _same(current.buffer_value, buffer_value)):
        return False
    session.execute(update(warehouses).where(warehouses.c.id == warehouse_id)
                    .values(buffer_kind=buffer_kind, buffer_value=buffer_value))
    stocked = session.execute(select(stock.c.item_id).where(stock.c.warehouse_id == warehouse_id)).scalars()
    mark_items_dirty(session, stocked, cause="warehouse buffer", now=now)
    return True


def warehouse_buffer(session: Session, warehouse_id: int) -> tuple[str | None, Decimal | None]:
    row = session.execute(select(warehouses.c.buffer_kind, warehouses.c.buffer_value)
                          .where(warehouses.c.id == warehouse_id)).one()
    return row.buffer_kind, row.buffer_value


def get_settings(session: Session, connection_id: int) -> StockSettings:
    row = session.execute(select(stock_settings).where(stock_settings.c.connection_id == connection_id)).first()
    if row is None:
        return StockSettings(connection_id)
    values = {name: row._mapping[name] for name in SETTING_FIELDS}
    ids = values["warehouse_ids"]
    values["warehouse_ids"] = None if ids is None else tuple(sorted(int(i) for i in ids))
    return StockSettings(connection_id, **values)


def set_settings(session: Session, connection_id: int, *, now: datetime, **changes: Any) -> StockSettings:
    """Change some of a connection's stock settings; a change of one a quantity depends on marks every SKU
    of the connection's seller account and region (``mark_all_dirty``, same transaction)."""
    unknown = set(changes) - set(SETTING_FIELDS)
    if unknown:
        raise ValueError(f"unknown stock settings: {', '.join(sorted(unknown))}")
    before = get_settings(session, connection_id)
    if changes.get("warehouse_ids") is not None:
        changes["warehouse_ids"] = tuple(sorted(set(int(i) for i in changes["warehouse_ids"])))
    after = replace(before, **changes)
    changed = {name for name in SETTING_FIELDS if not _same(getattr(before, name), getattr(after, name))}
    if not changed:
        return before
    values = {name: getattr(after, name) for name in SETTING_FIELDS}
    values["warehouse_ids"] = None if after.warehouse_ids is None else list(after.warehouse_ids)
    stmt = upsert(session, stock_settings).values(connection_id=connection_id, **values, updated_at=now)
    session.execute(stmt.on_conflict_do_update(index_elements=["connection_id"],
                                               set_={**values, "updated_at": now}))
    if changed & QUANTITY_FIELDS:
        account = session.execute(select(connections.c.seller_id, connections.c.region)
                                  .where(connections.c.id == connection_id)).one()
        mark_all_dirty(session, seller_id=account.seller_id, region=account.region, cause="settings", now=now)
    return after


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (Decimal, int, float)) and isinstance(b, (Decimal, int, float)) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return Decimal(a) == Decimal(b)
    return a == b
