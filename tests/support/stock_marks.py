"""Stock-in test worlds: an item sold on a connection with its push state and ``stock_push`` job (D5).

``stock_world`` adds a connection, a warehouse, an item listed on the connection, its ``quantity_pushes``
row and the owner's ``stock_push`` job (not due); ``mark_state`` reads what a dirty mark changes: the
SKU's version and cause, and whether the job was made due.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select

from sellerbridge.db.repositories import catalog
from sellerbridge.db.repositories.jobs import ensure_job, job_key
from sellerbridge.db.repositories.stock_marks import STOCK_PUSH_FLOW
from sellerbridge.db.tables import connections, jobs, order_lines, orders, quantity_pushes
from tests.support.db_samples import T0, add_connection


@dataclass(frozen=True)
class StockWorld:
    connection_id: int
    item_id: int
    warehouse_id: int
    sku: str = "SKU-1"
    warehouse: str = "WH1"


@dataclass(frozen=True)
class MarkState:
    version: int
    cause: str | None
    requests: int


def stock_world(session, box, *, sku: str = "SKU-1", warehouse: str = "WH1", name: str = "us-main") -> StockWorld:
    conn = add_connection(session, box, name=name)
    item = catalog.add_item(session, sku=sku, now=T0)
    wh = catalog.get_warehouse_by_code(session, warehouse) or catalog.add_warehouse(
        session, code=warehouse, name=f"Warehouse {warehouse}", now=T0)
    push_state(session, conn.id, item.id, sku)
    return StockWorld(conn.id, item.id, wh.id, sku, warehouse)


def push_state(session, connection_id: int, item_id: int, sku: str) -> None:
    """The item listed on the connection with a clean push state, and the connection's ``stock_push`` job."""
    conn = session.execute(select(connections.c.seller_id, connections.c.region)
                           .where(connections.c.id == connection_id)).one()
    catalog.set_listing(session, connection_id=connection_id, amazon_sku=sku, item_id=item_id, now=T0)
    session.execute(insert(quantity_pushes).values(seller_id=conn.seller_id, region=conn.region, amazon_sku=sku,
                                                   item_id=item_id, version=1, sent_version=1, created_at=T0,
                                                   updated_at=T0))
    ensure_job(session, flow=STOCK_PUSH_FLOW, connection_id=connection_id, every_seconds=None, now=T0)


def add_order_line(session, world: StockWorld, amazon_order_id: str = "111-0000001-0000001",
                   quantity: int = 2) -> tuple[int, int]:
    """An Unshipped order of the world's connection with one line of its item: (order id, line id)."""
    order_id = session.execute(insert(orders).values(
        connection_id=world.connection_id, amazon_order_id=amazon_order_id, status="Unshipped",
        marketplace_id="ATVPDKIKX0DER", fulfillment="MFN", purchase_date=T0, amazon_last_updated=T0,
        created_at=T0, updated_at=T0).returning(orders.c.id)).scalar_one()
    line_id = session.execute(insert(order_lines).values(
        order_id=order_id, order_item_id=f"OI-{amazon_order_id[-7:]}", item_id=world.item_id, quantity=quantity,
    ).returning(order_lines.c.id)).scalar_one()
    return order_id, line_id


def mark_state(session, world: StockWorld | None = None, *, item_id: int | None = None,
               connection_id: int | None = None) -> MarkState:
    """The item's push version and cause, and how many runs its connection's ``stock_push`` job was asked."""
    item_id = item_id or world.item_id  # type: ignore[union-attr]
    connection_id = connection_id or world.connection_id  # type: ignore[union-attr]
    row = session.execute(select(quantity_pushes.c.version, quantity_pushes.c.dirty_cause)
                          .where(quantity_pushes.c.item_id == item_id)).one()
    requests = session.execute(select(jobs.c.requests)
                               .where(jobs.c.key == job_key(STOCK_PUSH_FLOW, connection_id))).scalar_one()
    return MarkState(row.version, row.dirty_cause, requests)


CLEAN = MarkState(1, None, 0)
