"""Orders API 2026-01-01 ``Order`` -> ``OrderDraft``: sandbox answers, a golden order, broken payloads (B1-B13)."""

from __future__ import annotations

import contextlib
import copy
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellerbridge.amazon.orders.v2026 import to_order_draft
from sellerbridge.amazon.wire import MappingError
from sellerbridge.domain.common.money import Money
from sellerbridge.domain.orders.model import Fulfillment, OrderDraft, OrderStatus, ServiceLevel
from tests.contract.mapper_support import assert_golden, load_json, plain

INCLUDED = "BUYER,RECIPIENT,PROCEEDS,FULFILLMENT,CANCELLATION"
GOLDEN_ORDER = "order_v2026_non_ascii.json"


def create_orders(sandbox, seller, count: int, **spec) -> list[str]:
    r = sandbox.http.post(f"/_sandbox/sellers/{seller.creds.seller_id}/orders",
                          json={"count": count, "status": "Unshipped", **spec})
    assert r.status_code == 201, r.text
    return r.json()["order_ids"]


def get_order(sandbox, seller, order_id: str, included: str = INCLUDED) -> dict:
    """getOrder, waiting out its 0.5/s bucket on the sandbox clock as the gateway would."""
    for _ in range(10):
        r = seller.get(f"/orders/2026-01-01/orders/{order_id}", params={"includedData": included})
        if r.status_code != 429:
            break
        sandbox.advance(2)
    assert r.status_code == 200, r.text
    return r.json()["order"]


def line_total(line) -> Money:
    money = [line.unit_price * line.quantity, line.shipping_price, line.item_tax, line.shipping_tax]
    total = sum((m for m in money if m is not None), Money.zero(line.unit_price.currency))
    return total - line.promotion_discount if line.promotion_discount else total


# --- sandbox answers -------------------------------------------------------------------------------

def test_b1_every_sandbox_order_maps_and_its_money_adds_up_exactly(sandbox, seller):
    ids = create_orders(sandbox, seller, 50)
    drafts = [to_order_draft(get_order(sandbox, seller, i)) for i in ids]
    assert sorted(d.amazon_order_id for d in drafts) == sorted(ids)
    state = sandbox.backend.sellers[seller.creds.seller_id].orders
    for d in drafts:
        order = state[d.amazon_order_id]
        assert d.status is OrderStatus.UNSHIPPED
        assert d.fulfillment is (Fulfillment.MERCHANT if order.is_mfn else Fulfillment.AMAZON)
        assert d.service_level is ServiceLevel(order.service_level)
        assert d.currency == "USD" and d.marketplace_id == "ATVPDKIKX0DER"
        assert [(ln.order_item_id, ln.sku, ln.asin, ln.quantity) for ln in d.lines] == [
            (ln.order_item_id, ln.sku, ln.asin, ln.quantity) for ln in order.lines]
        for mapped, live in zip(d.lines, order.lines, strict=True):
            assert mapped.unit_price == Money(live.unit_price, "USD")
            assert isinstance(mapped.unit_price.amount, Decimal)
            assert mapped.item_tax == Money(live.item_tax, "USD")
            assert (mapped.shipping_price or Money.zero("USD")) == Money(live.shipping_price, "USD")
            assert mapped.title == live.title  # ™, ♻, accents survive
        # What the lines add up to is, to the cent, what Amazon says the buyer pays.
        assert sum((line_total(ln) for ln in d.lines), Money.zero("USD")) == d.order_total
        assert d.order_total == Money(order.order_total(), "USD")
        assert d.latest_ship_date == order.latest_ship.replace(microsecond=0)  # Amazon writes whole seconds
        assert d.latest_delivery_date == order.latest_delivery.replace(microsecond=0)
        assert d.is_prime == order.is_prime and d.is_business == order.is_business


def test_b13_with_the_shipping_role_merchant_orders_carry_buyer_and_address(sandbox, seller):
    ids = create_orders(sandbox, seller, 6, fba=False)
    for order_id in ids:
        d = to_order_draft(get_order(sandbox, seller, order_id))
        live = sandbox.backend.sellers[seller.creds.seller_id].orders[order_id]
        assert (d.buyer.name, d.buyer.email) == (live.buyer.name, live.buyer.email)
        assert (d.ship_to.name, d.ship_to.line1, d.ship_to.postal_code, d.ship_to.phone) == (
            live.ship_to.name, live.ship_to.line1, live.ship_to.postal_code, live.ship_to.phone)


def test_b13_fba_orders_never_carry_the_buyers_email_or_phone(sandbox, seller):
    for order_id in create_orders(sandbox, seller, 3, fba=True):
        d = to_order_draft(get_order(sandbox, seller, order_id))
        assert d.fulfillment is Fulfillment.AMAZON
        assert d.buyer is None or d.buyer.email is None
        assert d.ship_to.phone is None


def test_b13_without_restricted_roles_the_draft_has_no_pii_and_still_maps(sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=20, seed=3,
                                  roles=["InventoryAndOrderTracking", "Pricing"])
    client = sandbox.client_for(creds)
    for order_id in create_orders(sandbox, client, 5, fba=False):
        d = to_order_draft(get_order(sandbox, client, order_id))
        assert d.buyer is None or (d.buyer.name, d.buyer.email) == (None, None)
        assert not d.ship_to.has_pii and d.ship_to.postal_code is None
        assert d.ship_to.city and d.ship_to.country_code == "US"


def test_b1_a_pending_order_maps_without_money(sandbox, seller):
    (order_id,) = create_orders(sandbox, seller, 1, status="Pending")
    d = to_order_draft(get_order(sandbox, seller, order_id))
    assert d.status is OrderStatus.PENDING
    assert d.order_total is None and all(ln.unit_price is None and ln.item_tax is None for ln in d.lines)


def test_b9_an_amazon_cancellation_and_a_buyers_request_map(sandbox, seller):
    cancelled, asked = create_orders(sandbox, seller, 2, fba=False)
    base = f"/_sandbox/sellers/{seller.creds.seller_id}/orders"
    assert sandbox.http.post(f"{base}/{cancelled}/cancel", json={"by": "AMAZON"}).status_code == 200
    assert sandbox.http.post(f"{base}/{asked}/cancel", json={"by": "BUYER_REQUEST"}).status_code == 200
    gone = to_order_draft(get_order(sandbox, seller, cancelled))
    assert gone.status is OrderStatus.CANCELLED and gone.cancelled_by == "AMAZON"
    assert gone.order_total is None  # a cancelled order has no proceeds
    assert all(ln.quantity_cancelled == ln.quantity and ln.quantity_open == 0 for ln in gone.lines)
    wanted = to_order_draft(get_order(sandbox, seller, asked))
    assert wanted.status is OrderStatus.UNSHIPPED and wanted.buyer_cancel_requested
    assert all(ln.cancel_reason == "BuyerCanceled" for ln in wanted.lines)


def test_b1_search_orders_pages_map_order_by_order(sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=20, seed=5,
                                  usage_plans={"searchOrders": [100, 1000]})
    client = sandbox.client_for(creds)
    ids = create_orders(sandbox, client, 12)
    sandbox.advance(121)
    r = client.get("/orders/2026-01-01/orders", params={
        "createdAfter": "2020-01-01T00:00:00Z", "marketplaceIds": "ATVPDKIKX0DER", "includedData": INCLUDED})
    assert r.status_code == 200, r.text
    drafts = [to_order_draft(o) for o in r.json()["orders"]]
    assert sorted(d.amazon_order_id for d in drafts) == sorted(ids)


# --- golden ----------------------------------------------------------------------------------------

def test_b1_golden_order_with_non_ascii_maps_exactly():
    d = to_order_draft(load_json(GOLDEN_ORDER))
    assert d.buyer.name == "Zoë Müller-Łukasiewicz 🎉" and d.ship_to.name == "山田 太郎"
    assert d.seller_order_id == "SO-ÆØÅ-0001" and d.payment_terms == "Invoice"
    first, second = d.lines
    assert (first.item_tax, first.shipping_tax, first.shipping_price, first.promotion_discount) == (
        Money.of("7.60", "EUR"), Money.of("0.94", "EUR"), Money.of("4.99", "EUR"), Money.of("5.00", "EUR"))
    assert (first.quantity_shipped, first.quantity_cancelled, first.gift_message) == (1, 0, "Alles Gute! 🎂")
    assert (second.quantity_shipped, second.quantity_cancelled, second.buyer_cancel_requested) == (0, 1, True)
    assert sum((line_total(ln) for ln in d.lines), Money.zero("EUR")) == d.order_total == Money.of("73.86", "EUR")
    assert_golden("order_v2026_non_ascii.draft.json", plain(d))


def mutate(payload: dict, path: list, value) -> dict:
    out = copy.deepcopy(payload)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


@pytest.mark.parametrize("path, value, code, where", [
    (["orderId"], None, "bad_payload", "orderId"),
    (["orderId"], 12345, "bad_payload", "orderId"),
    (["fulfillment", "fulfillmentStatus"], "SHIPPED_BY_DRONE", "unknown_status", "fulfillment.fulfillmentStatus"),
    (["fulfillment"], None, "bad_payload", "fulfillment.fulfillmentStatus"),
    (["fulfillment", "fulfilledBy"], "PARTNER", "unknown_fulfillment", "fulfillment.fulfilledBy"),
    (["orderItems", 1, "product", "price", "unitPrice", "amount"], "7,10", "bad_amount",
     "orderItems[1].product.price.unitPrice.amount"),
    (["orderItems", 1, "product", "price", "unitPrice", "amount"], 7.1, "bad_amount",
     "orderItems[1].product.price.unitPrice.amount"),
    (["orderItems", 0, "product", "price", "unitPrice", "currencyCode"], "EURO", "bad_amount",
     "orderItems[0].product.price.unitPrice.currencyCode"),
    (["orderItems", 0, "proceeds", "breakdowns", 1, "subtotal", "currencyCode"], "USD", "currency_mismatch",
     "orderItems"),
    (["orderItems", 0, "quantityOrdered"], "2", "bad_quantity", "orderItems[0].quantityOrdered"),
    (["orderItems", 0, "quantityOrdered"], 2.0, "bad_quantity", "orderItems[0].quantityOrdered"),
    (["orderItems", 0, "quantityOrdered"], True, "bad_quantity", "orderItems[0].quantityOrdered"),
    (["orderItems", 0, "fulfillment", "quantityFulfilled"], 3, "bad_quantity",
     "orderItems[0].fulfillment.quantityFulfilled"),
    (["orderItems", 0, "product"], ["not", "an", "object"], "bad_payload", "orderItems[0].product"),
    (["orderItems"], {}, "bad_payload", "orderItems"),
    (["orderItems"], [], "bad_payload", "orderItems"),
    (["createdTime"], "1 March 2026", "bad_date", "createdTime"),
    (["recipient"], "Königstraße 12", "bad_payload", "recipient"),
])
def test_b11_a_payload_that_cannot_be_mapped_says_what_and_where(path, value, code, where):
    payload = mutate(load_json(GOLDEN_ORDER), path, value)
    with pytest.raises(MappingError) as caught:
        to_order_draft(payload)
    assert (caught.value.code, caught.value.where) == (code, where)


def test_b7_a_service_level_amazon_adds_later_maps_to_none_without_error():
    payload = mutate(load_json(GOLDEN_ORDER), ["fulfillment", "fulfillmentServiceLevel"], "HYPERSONIC")
    d = to_order_draft(payload)
    assert d.service_level is None and d.ship_service_level == "HYPERSONIC"


def test_b1_optional_datasets_may_all_be_missing():
    payload = load_json(GOLDEN_ORDER)
    for key in ("buyer", "recipient", "proceeds", "payment", "orderAliases", "programs"):
        del payload[key]
    for item in payload["orderItems"]:
        for key in ("proceeds", "cancellation", "fulfillment"):
            item.pop(key, None)
        del item["product"]["price"]
    d = to_order_draft(payload)
    assert (d.buyer, d.ship_to, d.order_total, d.currency, d.seller_order_id) == (None, None, None, None, None)
    assert all(ln.unit_price is None and ln.quantity_shipped == 0 for ln in d.lines)


# --- fuzz: broken payloads -------------------------------------------------------------------------

def paths(value, prefix=()):
    yield list(prefix)
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, (*prefix, i))


GOLDEN_PATHS = [p for p in paths(load_json(GOLDEN_ORDER)) if p]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10**12) | st.floats(allow_nan=True) | st.text(max_size=12)
    | st.sampled_from(["", "UNSHIPPED", "MERCHANT", "19.99", "-0", "NaN", "1e9999", "2026-13-45T99:99:99Z"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.sampled_from(GOLDEN_PATHS), st.booleans(), json_values), min_size=1, max_size=4))
def test_b11_a_mutated_payload_maps_or_raises_mapping_error_never_anything_else(edits):
    payload = load_json(GOLDEN_ORDER)
    for path, delete, value in edits:
        parent = payload
        try:
            for key in path[:-1]:
                parent = parent[key]
            if delete and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed the place: nothing to do
    try:
        result = to_order_draft(payload)
    except MappingError as exc:
        assert exc.code and exc.where
    else:
        assert isinstance(result, OrderDraft)


@given(st.one_of(json_values, st.dictionaries(st.sampled_from(["orderId", "orderItems", "fulfillment"]), json_values)))
def test_b11_any_json_at_all_maps_or_raises_mapping_error(value):
    with contextlib.suppress(MappingError):
        to_order_draft(value)
