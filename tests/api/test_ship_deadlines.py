"""Late shipment (C2, H1): the ``ship_deadlines`` flow flags an order nearing its latest ship date with
nothing shipped once, writes its error-log row and a log line without buyer data, and ``/metrics`` counts
the orders at risk and past due per connection; a shipped, shipping or cancelled order is not flagged."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import text

from sellerbridge.domain.shipments.model import ItemDraft, PackageDraft, ShipmentDraft
from tests.api.conftest import h
from tests.api.test_health_metrics import scrape_of, series, value
from tests.flows.support import World
from tests.support.flows import run_flow
from tests.support.shipments import stored_orders


def set_latest(world: World, amazon_order_id: str, hours: float) -> None:
    with world.hub.store.engine.begin() as conn:
        conn.execute(text("UPDATE orders SET latest_ship_date = :d WHERE amazon_order_id = :a"),
                     {"d": world.hub.now() + timedelta(hours=hours), "a": amazon_order_id})


def test_c2_late_orders_flagged_once_in_the_error_log_and_counted_in_metrics(bare_api, world, caplog):
    soon, late, far, shipping, cancelled = stored_orders(world, 5, cancel=1)
    for order, hours in ((soon, 3), (late, -1), (far, 30), (shipping, -2), (cancelled, -3)):
        set_latest(world, order.amazon_order_id, hours)
    intake = world.hub.flow_context().shipment_intake(world.connection_id)
    line = shipping.lines[0]
    assert intake.submit(ShipmentDraft(shipping.amazon_order_id, "k", world.hub.now(), (PackageDraft(
        "UPS", "1Z999AA10123456784", (ItemDraft(1, order_item_id=line.order_item_id),)),)), source="api").queued == 1

    with caplog.at_level(logging.WARNING, logger="sellerbridge.ship_deadlines"):
        report = run_flow(world.hub, "ship_deadlines", None)
    assert (report.status, report.counts["at_risk"], report.counts["past_due"]) == ("done", 1, 1)
    logged = sorted((r.amazon_order_id, r.late_state) for r in caplog.records)
    assert logged == sorted([(soon.amazon_order_id, "at_risk"), (late.amazon_order_id, "past_due")])
    flagged = world.rows("SELECT amazon_order_id FROM orders WHERE late_flagged_at IS NOT NULL")
    assert sorted(r[0] for r in flagged) == sorted([soon.amazon_order_id, late.amazon_order_id])

    again = run_flow(world.hub, "ship_deadlines", None)
    assert (again.counts["at_risk"], again.counts["past_due"]) == (0, 0)  # once per order

    errors = bare_api.get("/api/errors", params={"kind": "late_shipment"}, headers=h(bare_api, "viewer")).json()
    assert sorted((e["key"], e["code"], e["count"]) for e in errors["items"]) == sorted(
        [(soon.amazon_order_id, "at_risk", 1), (late.amazon_order_id, "past_due", 1)])
    assert "latest ship date" in errors["items"][0]["message"]

    scrape = scrape_of(bare_api)
    assert value(scrape, "sellerbridge_orders_late_risk", connection="us-main") == 1
    assert value(scrape, "sellerbridge_orders_past_due", connection="us-main") == 1
    assert len(series(scrape, "sellerbridge_orders_past_due")) == 1
