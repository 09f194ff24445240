"""Flow ``shipment_confirm`` on the real sandbox, SQLite and PostgreSQL (C2, C3, C4, H1, H2).

Packages are written as the intake stores them (tests/support/confirmations.py); the flow runs as the
runtime runs it (tests/support/flows.run_flow).
"""

from __future__ import annotations

import pytest

from sellerbridge.db.stores import confirmations as store_module
from sellerbridge.domain.common.errors import ConfigError
from sellerbridge.domain.common.results import RunStatus
from sellerbridge.domain.shipments import confirmation
from sellerbridge.services import errors as error_service
from tests.support.confirmations import add_shipment, amazon_order, hub_lines, package, prepare_order
from tests.support.flows import run_flow, sync_orders

FLOW = "shipment_confirm"


def confirm(world):
    report = run_flow(world.hub, FLOW, world.connection_id)
    assert report is not None
    return report


def holds_of(world, amazon_order_id):
    return world.rows("SELECT h.* FROM holds h JOIN order_lines l ON l.id = h.order_line_id "
                      "JOIN orders o ON o.id = l.order_id WHERE o.amazon_order_id = :a ORDER BY l.id",
                      a=amazon_order_id)


def test_c2_split_shipment_confirmed_as_three_order_shipped_after_the_last(world):
    order_id = prepare_order(world, [3])
    first, second, third = add_shipment(world, order_id, [{0: 1}, {0: 1}, {0: 1}])
    report = confirm(world)
    assert report.status is RunStatus.DONE, report
    assert report.counts["confirmed"] == 3
    shown = amazon_order(world, order_id)
    assert [s["package_reference_id"] for s in shown["shipments"]] == [str(first), str(second), str(third)]
    assert shown["status"] == "Shipped"
    assert world.stored(order_id).status == "shipped"
    assert {package(world, p).status for p in (first, second, third)} == {"verified"}
    [hold] = holds_of(world, order_id)
    assert hold.status == "consumed"
    assert [i.key for i in report.items] == [f"package:{p}" for p in (first, second, third)]
    # Amazon's next answer about the order agrees with the hub: nothing held, nothing moved twice
    world.past_search_lag()
    sync_orders(world.hub, world.connection_id)
    assert world.stored(order_id).status == "shipped"
    world.assert_consistent()
    assert [r.delta for r in world.rows("SELECT delta FROM stock_movements ORDER BY id")] == [-1, -1, -1]


def test_c3_partial_shipment_leaves_partially_shipped_and_the_hold_reduced(world):
    order_id = prepare_order(world, [3, 2])
    [pkg] = add_shipment(world, order_id, [{0: 2}])
    confirm(world)
    assert amazon_order(world, order_id)["status"] == "PartiallyShipped"
    assert world.stored(order_id).status == "partially_shipped"
    first_hold, second_hold = holds_of(world, order_id)
    assert (first_hold.status, first_hold.quantity) == ("held", 1)
    assert (second_hold.status, second_hold.quantity) == ("held", 2)
    [line, _] = hub_lines(world, order_id)
    assert line.quantity_shipped == 2
    movements = world.rows("SELECT * FROM stock_movements WHERE ref = :r", r=f"package:{pkg}:line:{line.id}")
    assert [(m.delta, m.reason) for m in movements] == [(-2, "shipment")]


def test_c2_package_run_twice_is_confirmed_once_with_effects_once(world):
    order_id = prepare_order(world, [2])
    [pkg] = add_shipment(world, order_id, [{0: 2}])
    confirm(world)
    # the same package again, as after a crash that lost the record: back to sending, run again
    with world.hub.store.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE shipment_packages SET status = 'sending', verified_at = NULL WHERE id = {pkg}")
    report = confirm(world)
    assert report.counts["reconciled"] == 1
    assert len(amazon_order(world, order_id)["shipments"]) == 1
    assert world.calls("confirmShipment") == 1
    assert package(world, pkg).status == "confirmed"
    assert len(world.rows("SELECT * FROM stock_movements WHERE reason = 'shipment'")) == 1
    [line] = hub_lines(world, order_id)
    assert line.quantity_shipped == 2


def test_c2_crash_after_the_call_before_the_record_is_reconciled_not_resent(world, monkeypatch):
    order_id = prepare_order(world, [1])
    [pkg] = add_shipment(world, order_id, [{0: 1}])
    def crash(self, package_id, *, now, verified=False):
        raise KeyboardInterrupt("the process died")

    original = store_module.DbConfirmationStore.confirmed
    monkeypatch.setattr(store_module.DbConfirmationStore, "confirmed", crash)
    with pytest.raises(KeyboardInterrupt):
        confirm(world)
    monkeypatch.setattr(store_module.DbConfirmationStore, "confirmed", original)
    assert package(world, pkg).status == "sending"
    report = confirm(world)
    assert report.counts["reconciled"] == 1 and report.counts["confirmed"] == 1
    assert world.calls("confirmShipment") == 1
    assert package(world, pkg).status == "confirmed"
    assert len(world.rows("SELECT * FROM stock_movements")) == 1


def test_c2_amazon_already_shipped_is_reconciled_not_retried(world):
    order_id = prepare_order(world, [1])
    # someone confirmed the order at Amazon already (Seller Central): Amazon refuses ours as shipped
    seller = world.sandbox.client_for(world.creds)
    line = amazon_order(world, order_id)["lines"][0]
    r = seller.post(f"/orders/v0/orders/{order_id}/shipmentConfirmation", json={
        "marketplaceId": world.creds.marketplace_ids[0], "packageDetail": {
            "packageReferenceId": "999", "carrierCode": "UPS", "trackingNumber": "1Z999AA10123456784",
            "shipDate": world.hub.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "orderItems": [{"orderItemId": line["order_item_id"], "quantity": 1}]}})
    assert r.status_code == 204, r.text
    [pkg] = add_shipment(world, order_id, [{0: 1}])
    report = confirm(world)
    assert report.counts["reconciled"] == 1 and report.counts["failed"] == 1
    assert package(world, pkg).status == "failed"
    [error] = world.open_errors()
    assert error.code == confirmation.ALREADY_SHIPPED and "already been shipped" in error.message
    again = confirm(world)
    assert again.counts["calls"] == 0  # not retried for ever
    assert world.calls("confirmShipment") == 2  # ours once, the Seller Central one


def test_c4_refused_confirmation_fails_with_amazons_text_in_the_error_log(world):
    order_id = prepare_order(world, [1])
    [pkg] = add_shipment(world, order_id, [{0: 1}], carrier_code="Pigeon Post")
    report = confirm(world)
    assert report.status is RunStatus.PARTIAL
    row = package(world, pkg)
    assert row.status == "failed" and "not a valid carrier code" in row.amazon_message
    [error] = world.open_errors()
    assert error.kind == "shipment_confirm" and error.key == f"package:{pkg}"
    assert "CarrierCode 'Pigeon Post' is not a valid carrier code" in error.message
    assert [i.status.value for i in report.items] == ["error"]


def test_c3_order_cancelled_since_is_held_never_sent(world):
    order_id = prepare_order(world, [1])
    [pkg] = add_shipment(world, order_id, [{0: 1}])
    with world.hub.store.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE orders SET status = 'cancelled' WHERE amazon_order_id = '{order_id}'")
    report = confirm(world)
    assert report.counts["held"] == 1
    assert package(world, pkg).status == "held"
    assert world.calls("confirmShipment") == 0
    [error] = world.open_errors()
    assert error.message == "shipment for an order cancelled since; not confirmed"


def test_c3_stock_movements_one_per_package_line_never_twice(world):
    order_id = prepare_order(world, [2, 1])
    [a, b] = add_shipment(world, order_id, [{0: 1, 1: 1}, {0: 1}])
    confirm(world)
    confirm(world)
    refs = sorted(r.ref for r in world.rows("SELECT ref FROM stock_movements"))
    first, second = hub_lines(world, order_id)
    assert refs == sorted([f"package:{a}:line:{first.id}", f"package:{a}:line:{second.id}",
                           f"package:{b}:line:{first.id}"])
    assert world.stored(order_id).status == "shipped"


def test_c2_amazon_failing_the_call_leaves_the_package_in_doubt_then_it_is_read_and_sent_once(world):
    order_id = prepare_order(world, [1])
    [pkg] = add_shipment(world, order_id, [{0: 1}])
    r = world.sandbox.http.post("/_sandbox/faults", json={"operation": "confirmShipment", "kind": "status",
                                                          "status": 500, "count": 20})
    assert r.status_code in (200, 201), r.text
    failed = confirm(world)
    assert failed.status is RunStatus.FAILED and failed.retryable
    assert package(world, pkg).status == "sending"
    world.sandbox.http.delete("/_sandbox/faults")
    report = confirm(world)
    assert report.counts["reconciled"] == 1 and report.counts["confirmed"] == 1
    assert len(amazon_order(world, order_id)["shipments"]) == 1
    assert package(world, pkg).status == "verified" and package(world, pkg).attempts == 2


def test_c3_order_amazon_cancelled_before_the_hub_knew_is_held_with_amazons_text(world):
    order_id = prepare_order(world, [1])
    [pkg] = add_shipment(world, order_id, [{0: 1}])
    world.cancel(order_id, "AMAZON")  # the hub has not read the cancellation yet
    report = confirm(world)
    assert report.counts["held"] == 1 and report.counts["confirmed"] == 0
    row = package(world, pkg)
    assert row.status == "held" and "canceled" in row.hold_reason
    assert amazon_order(world, order_id)["shipments"] == []
    [error] = world.open_errors()
    assert error.key == f"package:{pkg}" and "not confirmed" in error.message


def test_h1_a_refused_package_is_reprocessed_from_the_error_log_after_a_fix(world):
    order_id = prepare_order(world, [1])
    [pkg] = add_shipment(world, order_id, [{0: 1}], carrier_code="Pigeon Post")
    confirm(world)
    [error] = world.open_errors()
    with world.hub.store.engine.begin() as conn:  # the person corrects the carrier
        conn.exec_driver_sql(f"UPDATE shipment_packages SET carrier_code = 'UPS' WHERE id = {pkg}")
    record = error_service.reprocess(world.hub, error.id)
    assert error_service.reprocess_flow(record) == FLOW
    assert package(world, pkg).status == "queued"
    report = confirm(world)
    assert report.counts["confirmed"] == 1
    assert package(world, pkg).status == "verified"
    assert world.open_errors() == []
    with pytest.raises(ConfigError, match="not failed or held"):
        error_service.reprocess(world.hub, error.id)


def test_d2_shipped_units_leave_the_fullest_warehouse_so_available_to_sell_does_not_rise(world):
    """A confirmed line consumes its hold and takes its units off on-hand, once: between the shipment and the
    warehouse's next count, what the hub would tell Amazon stays what it was (held units were not sellable)."""
    from sellerbridge.db.repositories import catalog, stock_facts
    from sellerbridge.domain.stock.availability import available_to_sell

    order_id = prepare_order(world, [3])
    [line] = hub_lines(world, order_id)
    now = world.hub.now()
    with world.hub.store.uow() as session:
        east = catalog.add_warehouse(session, code="EAST", name="East", now=now)
        west = catalog.add_warehouse(session, code="WEST", name="West", now=now)
        catalog.set_on_hand(session, item_id=line.item_id, warehouse_id=east.id, on_hand=4, now=now)
        catalog.set_on_hand(session, item_id=line.item_id, warehouse_id=west.id, on_hand=10, now=now)

    def figure() -> int:
        with world.hub.store.uow(read_only=True) as session:
            facts = stock_facts.stock_facts(session, [line.item_id])[line.item_id]
            return available_to_sell(facts, stock_facts.stock_policy(session, world.connection_id)).quantity

    before = figure()
    assert before == 14 - 3  # on hand over both, minus the hold
    add_shipment(world, order_id, [{0: 2}])
    confirm(world)
    confirm(world)  # a second run moves nothing more
    assert figure() == before
    on_hand = {r.warehouse_id: r.on_hand for r in world.rows("SELECT * FROM stock WHERE item_id = :i", i=line.item_id)}
    assert on_hand == {east.id: 4, west.id: 8}
    [movement] = world.rows("SELECT * FROM stock_movements WHERE reason = 'shipment'")
    assert (movement.warehouse_id, movement.delta) == (west.id, -2)
