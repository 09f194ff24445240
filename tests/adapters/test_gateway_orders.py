"""The gateway's order reads against the sandbox over HTTP (B1, B2, B3, B12; docs/amazon-quirks.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sellerbridge.amazon.errors import AmazonError
from sellerbridge.domain.orders.model import Fulfillment, OrderStatus
from tests.adapters.test_gateway_support import CallLog, create_orders, make_gateway, served_sandbox

pytestmark = pytest.mark.server


@pytest.fixture
def live():
    with served_sandbox() as served:
        yield served


def test_b1_search_orders_pages_through_250_orders_repeating_the_original_parameters(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=20)
    start = sandbox.backend.now() - timedelta(minutes=1)
    created = set(create_orders(sandbox, creds.seller_id, 250, status="Unshipped"))
    sandbox.advance(180)  # past the two-minute search lag
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        pages = list(gateway.search_orders(created_after=start, max_results=100))

    assert [len(p.orders) for p in pages] == [100, 100, 50]
    ids = [o["orderId"] for p in pages for o in p.orders]
    assert len(ids) == 250 and set(ids) == created  # every order once
    assert [bool(p.next_token) for p in pages] == [True, True, False]
    # Amazon accepted every page request: each repeated createdAfter and the marketplace with its token
    assert log.statuses("searchOrders") == [200, 200, 200]
    first, *later = [r.request_summary for r in log.of("searchOrders")]
    assert "paginationToken" not in first
    for summary in later:
        assert "paginationToken=" in summary
        assert summary.split("&paginationToken=")[0] == first.split("&includedData")[0]
    # the default datasets carry the status the filters need (B2)
    assert pages[0].orders[0]["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"


def test_b1_window_end_is_what_amazon_echoed_two_minutes_before_the_request(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    start = sandbox.backend.now() - timedelta(hours=1)
    with make_gateway(sandbox, base, creds) as gateway:
        [page] = list(gateway.search_orders(last_updated_after=start))
        expected = (sandbox.backend.now() - timedelta(minutes=2)).replace(microsecond=0)
        assert page.window_end == expected  # the next watermark: nothing after it was searched
        assert page.orders == [] and page.next_token is None


def test_b1_before_is_clamped_to_two_minutes_ago_so_amazon_never_refuses_it(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    now = sandbox.backend.now()
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        [page] = list(gateway.search_orders(last_updated_after=now - timedelta(hours=1), before=now))
        assert page.window_end == (now - timedelta(minutes=2)).replace(microsecond=0)
        assert log.statuses("searchOrders") == [200]
        # a watermark younger than two minutes: no legal window yet, so no call at all
        assert list(gateway.search_orders(last_updated_after=now - timedelta(seconds=30), before=now)) == []
        assert log.statuses("searchOrders") == [200]


def test_b2_b3_status_and_channel_filters_take_the_domains_enums(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=20)
    start = sandbox.backend.now() - timedelta(minutes=1)
    unshipped_mfn = set(create_orders(sandbox, creds.seller_id, 6, status="Unshipped", fba=False))
    create_orders(sandbox, creds.seller_id, 4, status="Unshipped", fba=True)
    create_orders(sandbox, creds.seller_id, 5, status="Pending", fba=False)
    sandbox.advance(180)
    with make_gateway(sandbox, base, creds) as gateway:
        pages = gateway.search_orders(last_updated_after=start, fulfillment_statuses=[OrderStatus.UNSHIPPED],
                                      fulfilled_by=[Fulfillment.MERCHANT])
        found = {o["orderId"] for p in pages for o in p.orders}
    assert found == unshipped_mfn


def test_b12_get_order_returns_amazons_order_at_once_and_an_unknown_id_is_not_retryable(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    [order_id] = create_orders(sandbox, creds.seller_id, 1, status="Unshipped")
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        order = gateway.get_order(order_id)  # no search lag for getOrder
        assert order["orderId"] == order_id
        assert order["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
        assert order["orderItems"][0]["product"]["sellerSku"]
        with pytest.raises(AmazonError) as caught:
            gateway.get_order("111-0000000-0000000")
    assert caught.value.retryable is False
    assert (caught.value.status, caught.value.code) == (404, "NotFound")
    assert log.statuses("getOrder") == [200, 404]  # not retried


def test_b1_naive_datetimes_and_two_start_fields_are_refused_before_any_call(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        with pytest.raises(ValueError, match="aware"):
            gateway.search_orders(created_after=datetime(2026, 1, 1))
        with pytest.raises(ValueError, match="exactly one"):
            gateway.search_orders(created_after=datetime(2026, 1, 1, tzinfo=UTC),
                                  last_updated_after=datetime(2026, 1, 1, tzinfo=UTC))
    assert log.records == []
