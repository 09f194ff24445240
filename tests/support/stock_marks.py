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
from sellerbridge.db.tables import jobs, quantity_pushes
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
    catalog.set_listing(session, connection_id=conn.id, amazon_sku=sku, item_id=item.id, now=T0)
    session.execute(insert(quantity_pushes).values(seller_id=conn.seller_id, region=conn.region, amazon_sku=sku,
                                                   item_id=item.id, version=1, sent_version=1, created_at=T0,
                                                   updated_at=T0))
    ensure_job(session, flow=STOCK_PUSH_FLOW, connection_id=conn.id, every_seconds=None, now=T0)
    return StockWorld(conn.id, item.id, wh.id, sku, warehouse)


def add_pushed_item(session, world: StockWorld, sku: str) -> int:
    """Another item of the world's connection, listed and with its push state; its id."""
    item = catalog.add_item(session, sku=sku, now=T0)
    catalog.set_listing(session, connection_id=world.connection_id, amazon_sku=sku, item_id=item.id, now=T0)
    first = session.execute(select(quantity_pushes.c.seller_id, quantity_pushes.c.region)).first()
    session.execute(insert(quantity_pushes).values(seller_id=first.seller_id, region=first.region, amazon_sku=sku,
                                                   item_id=item.id, version=1, sent_version=1, created_at=T0,
                                                   updated_at=T0))
    return item.id


def mark_state(session, world: StockWorld, item_id: int | None = None) -> MarkState:
    row = session.execute(select(quantity_pushes.c.version, quantity_pushes.c.dirty_cause)
                          .where(quantity_pushes.c.item_id == (item_id or world.item_id))).one()
    requests = session.execute(select(jobs.c.requests)
                               .where(jobs.c.key == job_key(STOCK_PUSH_FLOW, world.connection_id))).scalar_one()
    return MarkState(row.version, row.dirty_cause, requests)
