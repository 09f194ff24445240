"""Shipments from the warehouse written straight into the tables, for the confirmation tests (tests only).

The intake (C1) is another part of issue 10; the confirmation tests need its rows, nothing more: a
``shipments`` row, its ``shipment_packages`` (status ``queued``) and their items. And an order to ship:
an Unshipped merchant-fulfilled order in the sandbox with the line quantities a test asks for, imported
into the hub by the real order poll.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sellerbridge.db.tables import shipment_package_items, shipment_packages, shipments
from sellerbridge.domain.common.results import RunStatus
from tests.flows.support import World
from tests.support.flows import run_flow, sync_orders

TRACKING = {"UPS": "1Z999AA10123456784", "FedEx": "794644790132", "USPS": "9400111899223197428490"}


def prepare_order(world: World, quantities: list[int]) -> str:
    """An Unshipped MFN order in the sandbox with one line per quantity, imported into the hub."""
    [order_id] = world.create_orders(1, status="Unshipped", fba=False)
    order = world.sandbox.backend.sellers[world.seller_id].orders[order_id]
    with world.sandbox.backend.lock:
        first = order.lines[0]
        lines = []
        for n, quantity in enumerate(quantities):
            base = order.lines[n] if n < len(order.lines) else replace(first, order_item_id=f"{first.order_item_id}{n}")
            lines.append(replace(base, quantity=quantity, quantity_shipped=0, quantity_cancelled=0))
        order.lines[:] = lines
        world.sandbox.backend.touch_order(world.sandbox.backend.sellers[world.seller_id], order)
    world.advance(60)  # a ship date "now" is after the purchase
    world.past_search_lag()
    report = sync_orders(world.hub, world.connection_id)
    assert report.status.value in ("done", "partial"), report
    return order_id


def hub_lines(world: World, amazon_order_id: str) -> list[Any]:
    return world.rows("SELECT l.* FROM order_lines l JOIN orders o ON o.id = l.order_id "
                      "WHERE o.amazon_order_id = :a ORDER BY l.id", a=amazon_order_id)


def add_shipment(world: World, amazon_order_id: str, packages: list[dict[int, int]], *, carrier_code: str = "UPS",
                 carrier_name: str | None = None, status: str = "queued", key: str | None = None) -> list[int]:
    """One shipment of ``packages`` (each ``{line index: quantity}``); the package ids, in order."""
    [order] = world.rows("SELECT id FROM orders WHERE amazon_order_id = :a", a=amazon_order_id)
    lines = hub_lines(world, amazon_order_id)
    now = world.hub.now()
    ids = []
    with world.hub.store.uow() as session:
        idem = key or f"{amazon_order_id}:{len(world.rows('SELECT id FROM shipments'))}"
        shipment_id = session.execute(shipments.insert().values(
            connection_id=world.connection_id, order_id=order.id, idempotency_key=idem,
            request_hash=hashlib.sha256(idem.encode()).hexdigest(), source="api", ship_date=now - timedelta(minutes=1),
            created_by="test", created_at=now, updated_at=now).returning(shipments.c.id)).scalar_one()
        for number, package in enumerate(packages):
            tracking = TRACKING.get(carrier_code, "TRK") + str(number)
            package_id = session.execute(shipment_packages.insert().values(
                shipment_id=shipment_id, connection_id=world.connection_id, order_id=order.id,
                carrier=carrier_name or carrier_code, carrier_code=carrier_code, carrier_name=carrier_name,
                ship_method="Ground", tracking_number=tracking, status=status, created_at=now,
                updated_at=now).returning(shipment_packages.c.id)).scalar_one()
            for index, quantity in package.items():
                session.execute(shipment_package_items.insert().values(
                    package_id=package_id, order_line_id=lines[index].id, quantity=quantity))
            ids.append(package_id)
    return ids


def package(world: World, package_id: int) -> Any:
    [row] = world.rows("SELECT * FROM shipment_packages WHERE id = :p", p=package_id)
    return row


def amazon_order(world: World, amazon_order_id: str) -> dict[str, Any]:
    r = world.sandbox.http.get(f"/_sandbox/sellers/{world.seller_id}/orders/{amazon_order_id}")
    assert r.status_code == 200, r.text
    return r.json()


def run_until_done(world: World, flow: str, *, limit: int = 10) -> list[Any]:
    """Run a stepping flow as the runtime would: again at the moment a waiting run names (the world's clock
    moved there), until a run ends; its reports."""
    reports = []
    for _ in range(limit):
        report = run_flow(world.hub, flow, world.connection_id)
        assert report is not None
        reports.append(report)
        if report.status is not RunStatus.WAITING:
            return reports
        world.advance(max(1.0, (report.resume_at - world.hub.now()).total_seconds()))
    raise AssertionError(f"{flow} still waiting after {limit} runs: {reports[-1]}")
