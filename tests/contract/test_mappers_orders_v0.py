"""Orders v0 -> ``OrderDraft`` (order preview of older tools, B12): the same order as 2026-01-01 gives."""

from __future__ import annotations

import pytest

from sellerbridge.amazon.orders.v0 import to_order_draft_from_v0
from sellerbridge.amazon.orders.v2026 import to_order_draft
from sellerbridge.amazon.wire import MappingError
from sellerbridge.domain.orders.model import OrderStatus
from tests.contract.test_mappers_orders_v2026 import create_orders, get_order

V0 = "/orders/v0/orders"


def get_v0(sandbox, seller, order_id: str) -> tuple[dict, list[dict]]:
    for _ in range(20):
        order = seller.get(f"{V0}/{order_id}")
        items = seller.get(f"{V0}/{order_id}/orderItems")
        if 429 not in (order.status_code, items.status_code):
            break
        sandbox.advance(5)
    assert order.status_code == items.status_code == 200, (order.text, items.text)
    return order.json()["payload"], items.json()["payload"]["OrderItems"]


def amount(money):
    """v0 writes 0.00 where 2026-01-01 leaves a breakdown out."""
    return money.amount if money is not None else 0


def comparable(d):
    return (d.amazon_order_id, d.marketplace_id, d.status, d.fulfillment, d.service_level, d.purchase_date,
            d.last_updated, d.currency, d.order_total, d.is_prime, d.is_business,
            [(ln.order_item_id, ln.sku, ln.asin, ln.title, ln.quantity, ln.quantity_shipped, ln.unit_price,
              amount(ln.item_tax), amount(ln.shipping_price), amount(ln.shipping_tax),
              amount(ln.promotion_discount), ln.buyer_cancel_requested) for ln in d.lines])


def test_b12_a_v0_order_maps_to_the_same_draft_as_its_2026_form(sandbox, seller):
    for order_id in create_orders(sandbox, seller, 8):
        order, items = get_v0(sandbox, seller, order_id)
        from_v0 = to_order_draft_from_v0(order, items)
        from_2026 = to_order_draft(get_order(sandbox, seller, order_id))
        assert comparable(from_v0) == comparable(from_2026)
        # Without an RDT v0 reduces the address to City, StateOrRegion, PostalCode, CountryCode: no name,
        # lines or phone. The postal code v0 still sends is PII to the hub (domain/common/pii.py).
        address = from_v0.ship_to
        assert from_v0.buyer is None
        assert (address.name, address.line1, address.line2, address.line3, address.phone) == (None,) * 5
        assert address.city and address.country_code


def test_b12_v0_statuses_keep_their_own_words():
    order = {"AmazonOrderId": "1", "MarketplaceId": "M", "OrderStatus": "InvoiceUnconfirmed",
             "FulfillmentChannel": "MFN", "PurchaseDate": "2026-01-01T00:00:00Z",
             "LastUpdateDate": "2026-01-01T00:00:00Z", "IsPrime": "false"}
    items = [{"OrderItemId": "9", "SellerSKU": "S", "QuantityOrdered": 2, "QuantityShipped": 2,
              "ItemPrice": {"CurrencyCode": "USD", "Amount": "21.98"}}]
    d = to_order_draft_from_v0(order, items)
    assert d.status is OrderStatus.INVOICE_UNCONFIRMED
    assert str(d.lines[0].unit_price) == "10.99 USD"
    with pytest.raises(MappingError) as caught:
        to_order_draft_from_v0({**order, "OrderStatus": "Teleported"}, items)
    assert (caught.value.code, caught.value.where) == ("unknown_status", "OrderStatus")
    with pytest.raises(MappingError) as caught:
        to_order_draft_from_v0(order, [{**items[0], "QuantityOrdered": "2"}])
    assert caught.value.where == "orderItems[0].QuantityOrdered"
