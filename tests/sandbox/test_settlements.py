"""Settlement reports Amazon publishes by itself every 14 days (F1, F2, F3, I4).

The clock is pinned to a known date so whether a month starts in the period (the subscription fee)
does not depend on the day the tests run.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import jsonschema

from sellerbridge.sandbox.clock import Clock
from tests.sandbox.reports_support import (
    BASE,
    SETTLEMENT,
    checked,
    create_orders,
    outbox_payloads,
    parse_tsv,
    report_rows,
    ship,
    subscribe,
)
from tests.support.models import load_schema

DAY = 86400
PERIOD = 14 * DAY


def _seller(sandbox, start: datetime, **spec):
    sandbox.backend.clock = Clock(start=start, scale=0)
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=30, seed=7, **spec)
    return sandbox.client_for(creds)


def _advance(sandbox, client, seconds: float) -> None:
    sandbox.advance(seconds)
    client.token = sandbox.access_token(client.creds)  # access tokens live an hour


def _settlements(client) -> list[dict]:
    r = client.get(f"{BASE}/reports", params={"reportTypes": SETTLEMENT})
    return checked(r, "getReports", 200)["reports"]


def _money(value: str) -> Decimal:
    return Decimal(value)


def _split_line(sandbox, client) -> tuple[str, str]:
    """An MFN order with a line of 2+ units, for a split shipment."""
    orders = sandbox.backend.sellers[client.creds.seller_id].orders
    for _ in range(20):
        for order_id in create_orders(sandbox, client.creds.seller_id, 5, fba=False):
            line = next((ln for ln in orders[order_id].lines if ln.quantity >= 2), None)
            if line is not None:
                return order_id, line.order_item_id
    raise AssertionError("no multi-unit line generated")


def test_f1_settlement_is_published_after_14_days_with_every_shipped_order_and_exact_total(sandbox):
    client = _seller(sandbox, datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    subscribe(sandbox, client.creds)
    seller_id = client.creds.seller_id
    mfn = create_orders(sandbox, seller_id, 4, fba=False)
    afn = create_orders(sandbox, seller_id, 3, fba=True)
    unshipped = create_orders(sandbox, seller_id, 2, fba=False)
    split_order, split_item = _split_line(sandbox, client)
    _advance(sandbox, client, DAY)
    for order_id in mfn + afn:
        ship(sandbox, seller_id, order_id)
    ship(sandbox, seller_id, split_order, {split_item: 1})
    state = sandbox.backend.sellers[seller_id]
    refunded = state.orders[mfn[0]]
    refunded_line = refunded.lines[0]
    _advance(sandbox, client, DAY)
    refunded.refunds.append({"posted": sandbox.backend.now(), "order_item_id": refunded_line.order_item_id,
                             "principal": str(refunded_line.unit_price), "quantity": 1})
    ship(sandbox, seller_id, split_order, {split_item: state.orders[split_order].line(split_item).quantity - 1})

    _advance(sandbox, client, PERIOD - 2 * DAY - 1)
    assert _settlements(client) == []  # not before the period ends
    _advance(sandbox, client, 1)
    [report] = _settlements(client)
    assert report["processingStatus"] == "DONE"
    assert report["createdTime"] == report["processingStartTime"] == report["processingEndTime"]
    assert report["dataStartTime"] == "2026-03-03T09:00:00+00:00"
    assert report["dataEndTime"] == "2026-03-17T09:00:00+00:00"
    checked(client.get(f"{BASE}/reports/{report['reportId']}"), "getReport", 200)

    header, rows = report_rows(sandbox, client, report)
    assert header[0] == "settlement-id" and header[-1] == "promotion-id" and len(header) == 24
    summary, details = rows[0], rows[1:]
    assert summary["transaction-type"] == "" and summary["currency"] == "USD"
    assert summary["settlement-start-date"] == "2026-03-03 09:00:00 UTC"
    assert summary["deposit-date"] == "2026-03-19 09:00:00 UTC"
    assert _money(summary["total-amount"]) == sum((_money(r["amount"]) for r in details), Decimal("0"))
    assert all(r["settlement-id"] == summary["settlement-id"] for r in details)

    orders_in_report = {r["order-id"] for r in details if r["transaction-type"] == "Order"}
    assert orders_in_report == set(mfn + afn + [split_order])
    assert not orders_in_report & set(unshipped)
    by_item = defaultdict(lambda: defaultdict(Decimal))
    for r in details:
        if r["transaction-type"] == "Order":
            by_item[r["order-item-code"]][(r["amount-type"], r["amount-description"])] += _money(r["amount"])
    for order in state.orders.values():
        if order.order_id not in orders_in_report:
            continue
        for line in order.lines:
            if line.quantity_shipped == 0:  # another line of the split order, never shipped
                assert line.order_item_id not in by_item
                continue
            amounts = by_item[line.order_item_id]
            principal = amounts[("ItemPrice", "Principal")]
            assert principal == line.unit_price * line.quantity_shipped
            assert amounts[("ItemPrice", "Tax")] == line.item_tax  # split shipments add up exactly
            assert amounts[("ItemWithheldTax", "MarketplaceFacilitatorTax-Principal")] == -line.item_tax
            commission = amounts[("ItemFees", "Commission")]
            assert abs(commission + principal * Decimal("0.15")) <= Decimal("0.01") * len(order.shipments)
            fba_fee = amounts[("ItemFees", "FBAPerUnitFulfillmentFee")]
            assert (fba_fee < 0) == (order.fulfillment_channel == "AFN")
    split_rows = [r for r in details if r["order-item-code"] == split_item and r["amount-description"] == "Principal"
                  and r["amount-type"] == "ItemPrice"]
    assert len(split_rows) == 2 and len({r["shipment-id"] for r in split_rows}) == 2

    refunds = [r for r in details if r["transaction-type"] == "Refund"]
    assert {r["order-id"] for r in refunds} == {refunded.order_id}
    refund_amounts = {r["amount-description"]: _money(r["amount"]) for r in refunds}
    assert refund_amounts["Principal"] == -refunded_line.unit_price
    commission_back = (refunded_line.unit_price * Decimal("0.15")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert refund_amounts["Commission"] == commission_back
    assert refund_amounts["RefundCommission"] == -min(
        (commission_back * Decimal("0.2")).quantize(Decimal("0.01"), ROUND_HALF_UP), Decimal("5.00"))
    assert not [r for r in details if r["transaction-type"] == "other-transaction"]  # no month began

    [note] = [n for n in outbox_payloads(sandbox)
              if n["payload"]["reportProcessingFinishedNotification"]["reportType"] == SETTLEMENT]
    jsonschema.Draft7Validator(load_schema("ReportProcessingFinishedNotification.json")).validate(note)
    body = note["payload"]["reportProcessingFinishedNotification"]
    assert body["processingStatus"] == "DONE" and body["reportDocumentId"] == report["reportDocumentId"]


def test_f1_next_settlement_starts_where_the_last_ended_and_holds_only_its_own_shipments(sandbox):
    client = _seller(sandbox, datetime(2026, 3, 3, tzinfo=UTC))
    seller_id = client.creds.seller_id
    first, second = create_orders(sandbox, seller_id, 2, fba=False)
    ship(sandbox, seller_id, first)
    _advance(sandbox, client, PERIOD + DAY)
    ship(sandbox, seller_id, second)
    _advance(sandbox, client, PERIOD)
    newer, older = _settlements(client)  # newest first
    assert newer["dataStartTime"] == older["dataEndTime"]
    _, old_rows = report_rows(sandbox, client, older)
    _, new_rows = report_rows(sandbox, client, newer)
    assert {r["order-id"] for r in old_rows[1:]} == {first}
    assert {r["order-id"] for r in new_rows[1:]} == {second}
    assert old_rows[0]["settlement-id"] != new_rows[0]["settlement-id"]


def test_f1_a_period_without_activity_publishes_no_settlement(sandbox):
    client = _seller(sandbox, datetime(2026, 3, 3, tzinfo=UTC))
    create_orders(sandbox, client.creds.seller_id, 2)  # never shipped: nothing to settle
    _advance(sandbox, client, PERIOD + 1)
    assert _settlements(client) == []


def test_f3_a_month_starting_in_the_period_brings_the_subscription_fee(sandbox):
    client = _seller(sandbox, datetime(2026, 3, 20, tzinfo=UTC))
    _advance(sandbox, client, PERIOD + 1)
    [report] = _settlements(client)
    _, rows = report_rows(sandbox, client, report)
    summary, fee = rows
    assert (fee["transaction-type"], fee["amount-type"], fee["amount-description"]) == (
        "other-transaction", "other-transaction", "Subscription Fee")
    assert fee["amount"] == "-39.99" and fee["posted-date"] == "2026-04-01"
    assert summary["total-amount"] == "-39.99"


def test_f1_settlement_period_follows_the_configured_timing(sandbox):
    sandbox.config(settlement_period_days=1)
    client = _seller(sandbox, datetime(2026, 3, 3, tzinfo=UTC))
    [order_id] = create_orders(sandbox, client.creds.seller_id, 1, fba=True)
    ship(sandbox, client.creds.seller_id, order_id)
    _advance(sandbox, client, DAY)
    [report] = _settlements(client)
    _, rows = parse_tsv(sandbox.http.get(checked(
        client.get(f"{BASE}/documents/{report['reportDocumentId']}"), "getReportDocument", 200)["url"]).content)
    kinds = {(r["amount-type"], r["amount-description"]) for r in rows[1:]}
    assert ("ItemFees", "FBAPerUnitFulfillmentFee") in kinds and rows[1]["fulfillment-id"] == "AFN"
