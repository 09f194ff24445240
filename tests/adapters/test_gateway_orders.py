"""The gateway's order reads against the sandbox over HTTP, in the hub's types (B1, B2, B3, B11, B12, B13;
domain/ports/orders.py ``OrderSource``; docs/amazon-quirks.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sellerbridge.amazon.errors import AmazonError
from sellerbridge.amazon.orders.api import SEARCH_LAG
from sellerbridge.amazon.orders.statuses import search_fulfilled_by_2026, search_statuses_2026
from sellerbridge.domain.orders.model import Fulfillment, OrderDraft, OrderStatus
from sellerbridge.domain.ports.orders import MappingFailure, OrderSource
from tests.adapters.test_gateway_support import CallLog, create_orders, make_gateway, served_sandbox

pytestmark = pytest.mark.server

ANY_CHANNEL: tuple[Fulfillment, ...] = ()
ANY_STATUS: tuple[OrderStatus, ...] = ()


@pytest.fixture
def live():
    with served_sandbox() as served:
        yield served


def _ids(pages) -> list[str]:
    return [o.amazon_order_id for p in pages for o in p.orders]


def _break(sandbox, seller_id: str, order_id: str) -> None:
    """Make Amazon's order one the hub cannot read: more units shipped than ordered (a bad quantity)."""
    order = sandbox.backend.sellers[seller_id].orders[order_id]
    order.lines[0].quantity_shipped = order.lines[0].quantity + 2
    sandbox.backend.touch_order(sandbox.backend.sellers[seller_id], order)


def test_b1_the_gateway_is_the_order_source_and_owns_amazons_search_lag(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    with make_gateway(sandbox, base, creds) as gateway:
        source: OrderSource = gateway  # what bootstrap hands the order flows
        assert source.index_lag == SEARCH_LAG == timedelta(minutes=2)


def test_b1_placed_orders_pages_through_250_orders_repeating_the_original_parameters(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=20)
    start = sandbox.backend.now() - timedelta(minutes=1)
    created = set(create_orders(sandbox, creds.seller_id, 250, status="Unshipped"))
    sandbox.advance(180)  # past the two-minute search lag
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        pages = list(gateway.placed_orders(after=start, before=sandbox.backend.now(), channels=ANY_CHANNEL,
                                           statuses=ANY_STATUS, pii=False))

    assert [len(p.orders) for p in pages] == [100, 100, 50]
    assert [p.more for p in pages] == [True, True, False]
    ids = _ids(pages)
    assert len(ids) == 250 and set(ids) == created  # every order once, as a draft
    assert all(isinstance(o, OrderDraft) and o.status is OrderStatus.UNSHIPPED for p in pages for o in p.orders)
    # Amazon accepted every page request: each repeated createdAfter/Before and the marketplace with its token
    assert log.statuses("searchOrders") == [200, 200, 200]
    first, *later = [r.request_summary for r in log.of("searchOrders")]
    assert "paginationToken" not in first
    for summary in later:
        assert "paginationToken=" in summary
        assert summary.split("&paginationToken=")[0] == first.split("&includedData")[0]
    for page in pages:  # pages come in update order; the newest change each one holds
        assert page.latest_update == max(o.last_updated for o in page.orders)


def test_b1_changed_orders_window_end_is_what_amazon_echoed_two_minutes_before_the_request(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    start = sandbox.backend.now() - timedelta(hours=1)
    create_orders(sandbox, creds.seller_id, 3, status="Unshipped")
    sandbox.advance(180)
    now = sandbox.backend.now()
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        [page] = list(gateway.changed_orders(after=start, before=now + timedelta(hours=1), pii=False))
    assert page.window_end == (now - timedelta(minutes=2)).replace(microsecond=0)  # clamped, then echoed
    assert not page.more and len(page.orders) == 3
    assert page.latest_update == max(o.last_updated for o in page.orders) <= page.window_end
    assert "lastUpdatedAfter=" in log.of("searchOrders")[0].request_summary


def test_b1_a_window_amazon_would_refuse_is_not_asked_for(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    now = sandbox.backend.now()
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        [page] = list(gateway.changed_orders(after=now - timedelta(hours=1), before=now, pii=False))
        assert page.orders == [] and page.latest_update is None and page.window_end is not None
        # a watermark younger than two minutes: no legal window yet, so no call at all
        assert list(gateway.changed_orders(after=now - timedelta(seconds=30), before=now, pii=False)) == []
    assert log.statuses("searchOrders") == [200]


def test_b2_b3_placed_orders_filter_by_the_domains_statuses_and_channels(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=20)
    start = sandbox.backend.now() - timedelta(minutes=1)
    unshipped_mfn = set(create_orders(sandbox, creds.seller_id, 6, status="Unshipped", fba=False))
    create_orders(sandbox, creds.seller_id, 4, status="Unshipped", fba=True)
    create_orders(sandbox, creds.seller_id, 5, status="Pending", fba=False)
    sandbox.advance(180)
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        pages = gateway.placed_orders(after=start, before=sandbox.backend.now(), channels=[Fulfillment.MERCHANT],
                                      statuses=[OrderStatus.UNSHIPPED], pii=False)
        assert set(_ids(pages)) == unshipped_mfn
    summary = log.of("searchOrders")[0].request_summary
    assert "fulfillmentStatuses=UNSHIPPED" in summary and "fulfilledBy=MERCHANT" in summary


def test_b2_invoice_unconfirmed_searches_as_shipped_and_payment_terms_come_with_the_payment_dataset(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    start = sandbox.backend.now() - timedelta(minutes=1)
    [net30] = create_orders(sandbox, creds.seller_id, 1, status="Unshipped", fba=False)
    seller = sandbox.backend.sellers[creds.seller_id]
    order = seller.orders[net30]
    order.status, order.payment_method, order.is_business = "InvoiceUnconfirmed", "Invoice", True
    for line in order.lines:
        line.quantity_shipped = line.quantity
    sandbox.backend.touch_order(seller, order)
    sandbox.advance(180)
    with make_gateway(sandbox, base, creds) as gateway:
        pages = list(gateway.placed_orders(after=start, before=sandbox.backend.now(), channels=ANY_CHANNEL,
                                           statuses=[OrderStatus.INVOICE_UNCONFIRMED], pii=False))
        [draft] = [o for p in pages for o in p.orders]
        assert isinstance(draft, OrderDraft) and draft.amazon_order_id == net30
        # 2026-01-01 shows it SHIPPED; only paymentMethod Invoice (the PAYMENT dataset) tells NET-30 apart
        assert draft.status is OrderStatus.SHIPPED and draft.payment_terms == "Invoice"
        assert gateway.get_order(net30).payment_terms == "Invoice"


def test_b2_the_search_filters_come_from_the_one_status_table():
    assert search_statuses_2026([OrderStatus.INVOICE_UNCONFIRMED, OrderStatus.SHIPPED, OrderStatus.CANCELLED]) == [
        "SHIPPED", "CANCELLED"]
    assert len(search_statuses_2026(list(OrderStatus))) == len(OrderStatus) - 1  # every status has a word
    assert search_fulfilled_by_2026([Fulfillment.AMAZON, Fulfillment.MERCHANT]) == ["AMAZON", "MERCHANT"]


def test_b12_get_order_maps_amazons_order_at_once_and_an_unknown_id_is_not_retryable(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    [order_id] = create_orders(sandbox, creds.seller_id, 1, status="Unshipped")
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        draft = gateway.get_order(order_id, pii=False)  # no search lag for getOrder
        assert isinstance(draft, OrderDraft)
        assert (draft.amazon_order_id, draft.status, draft.marketplace_id) == (
            order_id, OrderStatus.UNSHIPPED, creds.marketplace_ids[0])
        assert draft.lines[0].sku and draft.source["orderId"] == order_id  # Amazon's document, for the error log
        with pytest.raises(AmazonError) as caught:
            gateway.get_order("111-0000000-0000000", pii=False)
    assert caught.value.retryable is False
    assert (caught.value.status, caught.value.code) == (404, "NotFound")
    assert log.statuses("getOrder") == [200, 404]  # not retried


def test_b11_an_order_the_hub_cannot_read_is_a_mapping_failure_with_amazons_document_never_an_exception(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    start = sandbox.backend.now() - timedelta(minutes=1)
    good, bad = create_orders(sandbox, creds.seller_id, 2, status="Unshipped", fba=False)
    _break(sandbox, creds.seller_id, bad)
    with make_gateway(sandbox, base, creds) as gateway:
        failure = gateway.get_order(bad, pii=False)
        assert isinstance(failure, MappingFailure)
        assert failure.amazon_order_id == bad and failure.payload["orderId"] == bad
        assert failure.error.code == "bad_quantity" and "orderItems[0]" in failure.error.where
        sandbox.advance(180)
        [page] = list(gateway.changed_orders(after=start, before=sandbox.backend.now(), pii=False))
    by_id = {o.amazon_order_id: o for o in page.orders}
    assert isinstance(by_id[good], OrderDraft) and isinstance(by_id[bad], MappingFailure)  # one bad order, one page
    assert page.latest_update == by_id[good].last_updated  # drafts only


def test_b13_pii_asks_for_the_buyer_and_recipient_datasets_only_when_told(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)  # every role: Amazon answers PII
    [order_id] = create_orders(sandbox, creds.seller_id, 1, status="Unshipped", fba=False)
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        plain = gateway.get_order(order_id, pii=False)
        full = gateway.get_order(order_id, pii=True)
    without, with_pii = (r.request_summary for r in log.of("getOrder"))
    for dataset in ("FULFILLMENT", "PROCEEDS", "CANCELLATION", "PAYMENT"):
        assert dataset in without and dataset in with_pii
    assert "BUYER" not in without and "RECIPIENT" not in without
    assert "BUYER" in with_pii and "RECIPIENT" in with_pii
    assert plain.buyer is None and plain.ship_to is None
    assert full.buyer is not None and full.buyer.name and full.ship_to is not None and full.ship_to.line1


def test_b1_naive_datetimes_are_refused_before_any_call(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    log = CallLog()
    aware = datetime(2026, 1, 1, tzinfo=UTC)
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        with pytest.raises(ValueError, match="aware"):
            gateway.changed_orders(after=datetime(2026, 1, 1), before=aware, pii=False)
        with pytest.raises(ValueError, match="aware"):
            gateway.placed_orders(after=aware, before=datetime(2026, 1, 2), channels=ANY_CHANNEL,
                                  statuses=ANY_STATUS, pii=False)
    assert log.records == []
