"""B13: after the PII purge no buyer data is left anywhere in the database, on SQLite and PostgreSQL.

Orders are seeded on Amazon's side (the sandbox) with every personal field filled with a value found
nowhere else (buyer name and e-mail, ship-to name, address lines, postal code, phone, a gift message
on every line), imported through the real paths (the poll, the push fetch, a failed order in the error
log), shipped long enough ago, and purged by the ``pii_purge`` flow. Then every column of every table
is read, encrypted ones decrypted with the hub's key, and searched for each seeded value.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text

from sellerbridge.db.repositories import orders
from sellerbridge.domain.orders.model import OrderStatus
from tests.flows.support import World, skus_of
from tests.support.flows import fetch_orders, run_flow, sync_orders
from tests.support.pii import pii_found, seed_every_pii_field

pytestmark = pytest.mark.server


def _ship_all(world: World, days_ago: float) -> None:
    with world.hub.store.uow() as session:
        for [order_id] in world.rows("SELECT id FROM orders"):
            orders.set_order_fields(session, order_id, status=OrderStatus.SHIPPED,
                                    shipped_at=world.hub.now() - timedelta(days=days_ago))


def test_b13_the_purge_leaves_no_buyer_data_in_any_table_or_column(world: World):
    polled = world.create_orders(3, status="Unshipped", fba=False)
    pushed = world.create_orders(2, status="Unshipped", fba=False)
    failing = world.create_orders(1, status="Unshipped", fba=False)
    values = seed_every_pii_field(world, polled + pushed + failing)
    # the failing order names a SKU the hub has no item for: it goes to the error log with its document
    for sku in skus_of(world, failing)[failing[0]]:
        world.unmap_sku(sku)
    world.past_search_lag()

    report = sync_orders(world.hub, world.connection_id)  # searchOrders pages
    assert report.counts["created"] == 5 and report.counts["errors"] == 1, report
    assert fetch_orders(world.hub, world.connection_id, pushed).counts["fetched"] == 2  # getOrder, one by one
    [error] = world.open_errors()
    assert error.key == failing[0] and error.payload_enc is not None
    # the scan can fail: before the purge the stored orders hold (encrypted) every value of theirs
    before = pii_found(world, values)
    assert {"order_addresses.name_enc", "order_addresses.postal_code", "order_lines.gift_message_enc",
            "customers.email_enc"} <= set(before), before

    _ship_all(world, days_ago=45)
    purged = run_flow(world.hub, "pii_purge", None)
    assert purged is not None and purged.status == "done" and purged.counts["orders"] == 5, purged

    assert pii_found(world, values) == {}
    # what the purge keeps: the orders, their lines and the call log (without buyer data)
    assert len(world.stored_ids()) == 5
    assert world.rows("SELECT COUNT(*) FROM sp_api_calls WHERE operation = 'getOrder'")[0][0] >= 2


def test_b13_the_purge_redacts_an_error_payload_written_before_payloads_were_redacted(world: World):
    [order_id] = world.create_orders(1, status="Unshipped", fba=False)
    values = seed_every_pii_field(world, [order_id])
    world.past_search_lag()
    assert sync_orders(world.hub, world.connection_id).counts["created"] == 1
    # an error row as the hub wrote it before this rule: Amazon's document with the buyer in it
    document = world.amazon_orders()[order_id]
    legacy = {"orderId": order_id, "buyer": {"buyerName": values[-6], "buyerEmail": values[-5]},
              "recipient": {"deliveryAddress": {"addressLine1": values[-4]}}, "status": document["status"]}
    with world.hub.store.uow() as session:
        session.execute(text(
            "INSERT INTO error_log (connection_id, kind, key, code, message, payload_enc, first_seen, last_seen, "
            "count, status) VALUES (:c, 'order_import', :k, 'old', 'an older failure', :p, :t, :t, 1, 'resolved')"),
            {"c": world.connection_id, "k": order_id, "p": world.hub.store.box.encrypt(json.dumps(legacy)),
             "t": world.hub.now() - timedelta(days=60)})
    assert "error_log.payload_enc" in pii_found(world, values)

    _ship_all(world, days_ago=45)
    assert run_flow(world.hub, "pii_purge", None).counts["orders"] == 1

    assert pii_found(world, values) == {}
    [[payload_enc]] = world.rows("SELECT payload_enc FROM error_log WHERE key = :k", k=order_id)
    assert json.loads(world.hub.store.box.decrypt(payload_enc)) == {"orderId": order_id, "status": document["status"]}
