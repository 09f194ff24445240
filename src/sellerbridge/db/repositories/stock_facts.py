"""What available-to-sell is computed from, read in bulk (D2-D4, D6, D9): ``StockFacts`` and ``StockPolicy``.

The push flow computes available-to-sell for a few claimed SKUs on every run and for every SKU at a full
refresh (100,000 SKUs over 3 warehouses within seconds): so the facts of many items are read by a few
set-based queries (items, stock x warehouses, held holds with their orders, commitments), never one query
per item. A large set of items is read whole and filtered here: cheaper than thousands of ``IN`` lists.

``held`` holds only count (B10): released and consumed holds no longer keep stock back; a hold names its
order by the Amazon order id, as people know it (D9's "why").
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.stock.availability import (
    DEFAULT_UNTRACKED_QUANTITY,
    Buffer,
    BufferKind,
    Committed,
    HeldFor,
    StockFacts,
    StockPolicy,
    WarehouseStock,
)
from ..tables import holds, items, order_lines, orders, stock_commitments, stock_settings, warehouses
from ..tables.catalog import stock  # tables.stock is also the name of a submodule: the table is catalog's

CHUNK = 500  # item ids per IN list
WHOLE_ABOVE = 5_000  # more items than this: read every row and keep the wanted ones


@dataclass(frozen=True, slots=True)
class PushSettings:
    """A connection's stock settings as the push flow reads them (``stock_settings``; defaults: no row)."""

    policy: StockPolicy
    patch_max: int = 50  # G2: up to this many dirty SKUs go by patchListingsItem, more by a feed
    full_refresh_minutes: int = 60  # D5; 0: never


def push_settings(session: Session, connection_id: int) -> PushSettings:
    """The connection's settings, or the defaults when it has no row."""
    row = session.execute(select(stock_settings).where(stock_settings.c.connection_id == connection_id)
                          ).mappings().first()
    if row is None:
        return PushSettings(StockPolicy())
    ids = row["warehouse_ids"]
    policy = StockPolicy(
        default_buffer=_buffer(row["buffer_kind"], row["buffer_value"], "connection"),
        untracked_quantity=row["untracked_quantity"] if row["untracked_quantity"] is not None
        else DEFAULT_UNTRACKED_QUANTITY,
        handling_days=row["handling_days"],
        warehouse_ids=None if ids is None else frozenset(int(i) for i in ids))
    return PushSettings(policy, patch_max=row["patch_max"], full_refresh_minutes=row["full_refresh_minutes"])


def stock_policy(session: Session, connection_id: int) -> StockPolicy:
    return push_settings(session, connection_id).policy


def stock_facts(session: Session, item_ids: Collection[int] | None = None) -> dict[int, StockFacts]:
    """The facts of these items (None: every item), by item id; an unknown id is absent."""
    wanted = None if item_ids is None else set(item_ids)
    if wanted is not None and not wanted:
        return {}
    house = {r.id: (r.code, _buffer(r.buffer_kind, r.buffer_value, f"warehouse {r.code}"))
             for r in session.execute(select(warehouses.c.id, warehouses.c.code, warehouses.c.buffer_kind,
                                             warehouses.c.buffer_value))}
    per_stock: dict[int, list[WarehouseStock]] = {}
    for item_id, warehouse_id, on_hand in _rows(session, select(stock.c.item_id, stock.c.warehouse_id,
                                                                 stock.c.on_hand), stock.c.item_id, wanted):
        code, buffer = house.get(warehouse_id, (str(warehouse_id), None))
        per_stock.setdefault(item_id, []).append(WarehouseStock(warehouse_id, code, on_hand, buffer))
    per_hold: dict[int, list[HeldFor]] = {}
    held = (select(holds.c.item_id, orders.c.amazon_order_id, holds.c.quantity)
            .join(order_lines, order_lines.c.id == holds.c.order_line_id)
            .join(orders, orders.c.id == order_lines.c.order_id)
            .where(holds.c.status == "held", holds.c.quantity > 0))
    for item_id, order_id, quantity in _rows(session, held, holds.c.item_id, wanted):
        per_hold.setdefault(item_id, []).append(HeldFor(order_id, quantity))
    per_commit: dict[int, list[Committed]] = {}
    committed = select(stock_commitments.c.item_id, stock_commitments.c.source, stock_commitments.c.quantity)
    for item_id, source, quantity in _rows(session, committed, stock_commitments.c.item_id, wanted):
        per_commit.setdefault(item_id, []).append(Committed(source, quantity))
    out: dict[int, StockFacts] = {}
    read = select(items.c.id, items.c.sku, items.c.track_stock, items.c.backorderable, items.c.buffer_kind,
                  items.c.buffer_value, items.c.handling_days)
    for item_id, sku, track, backorder, kind, value, handling in _rows(session, read, items.c.id, wanted):
        out[item_id] = StockFacts(
            item_id, sku, sorted(per_stock.get(item_id, ()), key=lambda w: w.code),
            tuple(sorted(per_hold.get(item_id, ()), key=lambda h: h.order)),
            tuple(sorted(per_commit.get(item_id, ()), key=lambda c: c.source)),
            track_stock=bool(track), backorderable=bool(backorder), buffer=_buffer(kind, value, "item"),
            handling_days=handling)
    return out


def _rows(session: Session, stmt: Any, key: Any, wanted: set[int] | None) -> Any:
    """The statement's rows for the wanted items: one statement when many (filtered here), else IN chunks."""
    if wanted is None or len(wanted) > WHOLE_ABOVE:
        for row in session.execute(stmt):
            if wanted is None or row[0] in wanted:
                yield tuple(row)
        return
    ids = sorted(wanted)
    for start in range(0, len(ids), CHUNK):
        yield from (tuple(row) for row in session.execute(stmt.where(key.in_(ids[start:start + CHUNK]))))


def _buffer(kind: str | None, value: Decimal | int | None, source: str) -> Buffer | None:
    if kind is None or value is None:
        return None
    return Buffer(BufferKind(kind), Decimal(value), source)
