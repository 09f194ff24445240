"""Order mapping: items and product codes, customers, PII, warehouse, ship method, holds (B5-B13)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from sellerbridge.domain.common.errors import DomainError
from sellerbridge.domain.orders.filters import ImportMode, OrderImportSettings, ProductCode
from sellerbridge.domain.orders.mapping import CatalogItem, CustomerAction, hash_email, map_order
from sellerbridge.domain.orders.model import Fulfillment, OrderStatus, ServiceLevel
from sellerbridge.domain.orders.ship_methods import ShipMethodChooser, ShipMethodOption
from tests.unit.order_builders import ADDRESS, draft, line, usd

S = OrderStatus


@dataclass
class Catalog:
    """An in-memory catalog: the store implements the same three look-ups."""

    items: list[CatalogItem] = field(default_factory=list)
    asins: dict[str, CatalogItem] = field(default_factory=dict)
    channel: dict[str, CatalogItem] = field(default_factory=dict)

    def by_channel_sku(self, amazon_sku):
        return self.channel.get(amazon_sku)

    def by_sku(self, sku):
        return next((i for i in self.items if i.sku == sku), None)

    def by_asin(self, asin):
        return self.asins.get(asin)


@dataclass
class Customers:
    by_hash: dict[str, int] = field(default_factory=dict)

    def by_email_hash(self, email_hash):
        return self.by_hash.get(email_hash)


ITEM1 = CatalogItem(1, "SKU-1", "Internal description one")
ITEM2 = CatalogItem(2, "SKU-2", "Internal description two")
WIDGET = CatalogItem(7, "WIDGET-INT", "Widget (internal)")
CATALOG = Catalog(items=[ITEM1, ITEM2, WIDGET], asins={"B000000001": ITEM1, "B000000002": ITEM2},
                  channel={"AMZ-WIDGET": WIDGET})
SHIP = ShipMethodChooser({
    ServiceLevel.STANDARD: [ShipMethodOption("DHL Paket", 1, frozenset({"DE"})), ShipMethodOption("UPS Ground", 2)],
    ServiceLevel.EXPEDITED: [ShipMethodOption("UPS Express")],
})
GRANT = OrderImportSettings(pii_grant=True)


def mapped(d=None, settings=GRANT, catalog=CATALOG, customers=None, ship=SHIP):
    return map_order(d or draft(line(1), line(2)), settings, catalog, customers or Customers(), ship)


# --- items and product codes (B6) ------------------------------------------------------------------

def test_b6_sku_mode_puts_the_internal_sku_on_the_line_via_the_channel_mapping():
    order = mapped(draft(line(1), line(9, sku="AMZ-WIDGET", asin="B0WIDGET")))
    assert [(ln.item_id, ln.product_code, ln.amazon_sku) for ln in order.lines] == [
        (1, "SKU-1", "SKU-1"), (7, "WIDGET-INT", "AMZ-WIDGET")]


def test_b6_asin_mode_puts_the_asin_on_the_line():
    settings = OrderImportSettings(product_code=ProductCode.ASIN, pii_grant=True)
    order = mapped(draft(line(1, sku="AMAZON-ONLY-1"), line(2)), settings)
    assert [(ln.item_id, ln.product_code) for ln in order.lines] == [(1, "B000000001"), (2, "B000000002")]


@pytest.mark.parametrize("title, expected", [
    (None, "Internal description one"),
    ("Amazon's title ®", "Amazon's title ®"),
])
def test_b6_a_missing_product_name_is_filled_from_the_item_description(title, expected):
    assert mapped(draft(line(1, title=title))).lines[0].title == expected


@pytest.mark.parametrize("settings, lines, code, where", [
    (GRANT, [line(1), line(2, sku="NOPE")], "unknown_sku", "line 2 (SKU NOPE)"),
    (GRANT, [line(1, sku=None)], "unknown_sku", "line 1 (SKU -)"),
    (OrderImportSettings(product_code=ProductCode.ASIN), [line(1, asin="B0UNKNOWN")], "unknown_asin",
     "line 1 (ASIN B0UNKNOWN)"),
])
def test_b11_an_unknown_product_stops_the_order_with_a_reprocessable_error(settings, lines, code, where):
    with pytest.raises(DomainError) as caught:
        mapped(draft(*lines), settings)
    assert (caught.value.code, caught.value.where) == (code, where)


def test_b11_every_unknown_sku_of_an_order_is_named_at_once():
    with pytest.raises(DomainError) as caught:
        mapped(draft(line(1, sku="X1"), line(2), line(3, sku="X3")))
    assert "line 1 (SKU X1)" in caught.value.message and "line 3 (SKU X3)" in caught.value.message


# --- customers (B5) --------------------------------------------------------------------------------

def test_b5_a_known_buyer_email_matches_the_existing_customer():
    customers = Customers({hash_email("zoe.mueller@marketplace.amazon.de"): 42})
    order = mapped(customers=customers)
    assert (order.customer.action, order.customer.customer_id) == (CustomerAction.MATCH, 42)


def test_without_the_pii_grant_a_known_buyer_is_not_matched_by_email():
    """Issue 9: a connection without the grant may not know the buyer, so it may not recognise one."""
    customers = Customers({hash_email("zoe.mueller@marketplace.amazon.de"): 42})
    order = mapped(customers=customers, settings=OrderImportSettings(pii_grant=False))
    assert (order.customer.action, order.customer.customer_id, order.customer.email_hash) == (
        CustomerAction.ANONYMOUS, None, None)


def test_b5_an_unknown_buyer_becomes_a_new_customer_with_the_buyers_details():
    order = mapped()
    customer = order.customer
    assert customer.action is CustomerAction.CREATE
    assert (customer.name, customer.email, customer.company) == (
        "Zoë Müller", "Zoe.Mueller@marketplace.amazon.de", "Ærøskøbing Handel GmbH")
    assert customer.email_hash == hash_email("ZOE.MUELLER@marketplace.amazon.de ")


def test_b5_the_email_hash_function_is_the_callers():
    order = map_order(draft(), GRANT, CATALOG, Customers({"k:zoe.mueller@marketplace.amazon.de": 5}), SHIP,
                      email_hash=lambda e: f"k:{e}")
    assert order.customer.customer_id == 5


def test_b5_without_an_email_the_order_goes_to_the_anonymous_amazon_customer():
    order = mapped(draft(buyer=None))
    assert order.customer.action is CustomerAction.ANONYMOUS


# --- PII (B13) -------------------------------------------------------------------------------------

def test_b13_with_the_grant_name_address_phone_and_gift_message_are_kept():
    order = mapped(draft(line(1, gift_message="Alles Gute! 🎂")))
    assert order.pii and order.ship_to == ADDRESS
    assert order.lines[0].gift_message == "Alles Gute! 🎂"


def test_b13_without_the_grant_buyer_and_recipient_pii_are_dropped():
    order = mapped(draft(line(1, gift_message="Alles Gute! 🎂")), OrderImportSettings(pii_grant=False))
    a = order.ship_to
    assert (a.name, a.line1, a.line2, a.line3, a.postal_code, a.phone) == (None,) * 6
    assert (a.city, a.state_or_region, a.country_code, a.company) == ("München", "Bayern", "DE",
                                                                       "Ærøskøbing Handel GmbH")
    assert (order.customer.name, order.customer.email) == (None, None)
    # without the grant the connection may not know the buyer, so it recognises nobody either (issue 9)
    assert order.customer.action is CustomerAction.ANONYMOUS and order.customer.email_hash is None
    assert order.lines[0].gift_message is None
    assert not order.pii


def test_b13_a_mapped_order_printed_by_mistake_shows_no_buyer_data():
    text = repr(mapped(draft(line(1, gift_message="Alles Gute! 🎂"))))
    assert not any(pii in text for pii in ("Zoë", "Königstraße", "+49", "Alles Gute", "Zoe.Mueller"))


# --- warehouse, import modes, ship method, holds (B3, B7, B8, B10) -----------------------------------

@pytest.mark.parametrize("fulfillment, mode, status, sent, holds", [
    (Fulfillment.MERCHANT, ImportMode.NORMAL, S.UNSHIPPED, True, {1: 2, 2: 2}),
    (Fulfillment.MERCHANT, ImportMode.PURCHASE_ORDER, S.UNSHIPPED, True, {1: 2, 2: 2}),
    (Fulfillment.MERCHANT, ImportMode.COMPLETED, S.UNSHIPPED, False, {}),
    (Fulfillment.MERCHANT, ImportMode.NORMAL, S.PENDING, False, {1: 2, 2: 2}),
    (Fulfillment.MERCHANT, ImportMode.NORMAL, S.CANCELLED, False, {}),
    (Fulfillment.MERCHANT, ImportMode.NORMAL, S.SHIPPED, False, {}),
    (Fulfillment.AMAZON, ImportMode.NORMAL, S.UNSHIPPED, False, {}),
    (Fulfillment.AMAZON, ImportMode.PURCHASE_ORDER, S.UNSHIPPED, False, {}),
])
def test_b8_b10_what_reaches_the_warehouse_and_what_holds_stock(fulfillment, mode, status, sent, holds):
    settings = OrderImportSettings(import_mode=mode, pii_grant=True)
    order = mapped(draft(line(1), line(2), fulfillment=fulfillment, status=status), settings)
    assert order.send_to_warehouse is sent
    assert order.holds == holds
    assert order.import_mode is mode


def test_b10_only_the_open_quantity_is_held():
    d = draft(line(1, quantity=5, quantity_shipped=2, quantity_cancelled=1), line(2, quantity=1, quantity_shipped=1),
              line(3, sku="AMZ-WIDGET", quantity=3), line(4, sku="SKU-1", quantity=1), status=S.PARTIALLY_SHIPPED)
    assert mapped(d).holds == {1: 2 + 1, 7: 3}


@pytest.mark.parametrize("country, expected", [("DE", "DHL Paket"), ("US", "UPS Ground")])
def test_b7_merchant_orders_get_the_mapped_ship_method_for_their_destination(country, expected):
    order = mapped(draft(ship_to=replace(ADDRESS, country_code=country)))
    assert order.ship_method == expected


@pytest.mark.parametrize("level", [ServiceLevel.NEXT_DAY, None])
def test_b7_an_unmapped_level_stops_a_merchant_order(level):
    with pytest.raises(DomainError) as caught:
        mapped(draft(service_level=level))
    assert caught.value.code == "unmapped_ship_level"


@pytest.mark.parametrize("kw", [
    {"fulfillment": Fulfillment.AMAZON},
    {"status": S.CANCELLED},
    {"status": S.SHIPPED},
])
def test_b7_orders_that_never_reach_the_warehouse_need_no_ship_mapping(kw):
    order = mapped(draft(service_level=ServiceLevel.NEXT_DAY, **kw))
    assert order.ship_method is None


def test_b8_completed_orders_need_no_ship_mapping():
    order = mapped(draft(service_level=None), OrderImportSettings(import_mode=ImportMode.COMPLETED))
    assert order.ship_method is None and not order.send_to_warehouse


# --- cancellations (B9) --------------------------------------------------------------------------

def test_b9_a_buyers_cancel_request_is_surfaced_for_a_decision():
    order = mapped(draft(line(1, buyer_cancel_requested=True, cancel_reason="Bestellung geändert"), line(2)))
    assert order.buyer_cancel_requested and order.send_to_warehouse
    assert order.lines[0].cancel_reason == "Bestellung geändert"


def test_b9_an_amazon_cancelled_order_is_cancelled_not_sent_and_holds_nothing():
    d = draft(line(1, quantity_cancelled=2, buyer_cancel_requested=True), status=S.CANCELLED,
              cancelled_by="AMAZON", cancel_reason="PaymentDeclined")
    order = mapped(d)
    assert order.cancelled and not order.send_to_warehouse and order.holds == {}
    assert not order.buyer_cancel_requested  # nothing left to decide
    assert (order.cancelled_by, order.cancel_reason) == ("AMAZON", "PaymentDeclined")


def test_b1_money_and_identity_are_carried_unchanged():
    d = draft(line(1, shipping_price=usd("4.99"), promotion_discount=usd("1.00")), seller_order_id="SO-1",
              order_total=usd("26.19"))
    order = mapped(d)
    ln = order.lines[0]
    assert (ln.unit_price, ln.item_tax, ln.shipping_price, ln.promotion_discount) == (
        usd("10.00"), usd("1.60"), usd("4.99"), usd("1.00"))
    assert (order.seller_order_id, order.order_total, order.purchase_order_number) == ("SO-1", usd("26.19"), "PO-4711")
