"""A warehouse's shipment checked against the order as stored (C1, C2, H1), and carrier codes (C2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from sellerbridge.domain.shipments.carriers import CARRIER_CODES, carrier_code
from sellerbridge.domain.shipments.deadlines import LateState, late_state
from sellerbridge.domain.shipments.model import (
    ItemDraft,
    LineSnapshot,
    OrderSnapshot,
    PackageDraft,
    ShipmentDraft,
    ShipmentPlan,
    plan_shipment,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ORDER = OrderSnapshot(order_id=7, amazon_order_id="111-0000001-0000001", status="unshipped", fulfillment="MFN",
                      send_to_warehouse=True, purchase_date=NOW - timedelta(days=1), lines=(
                          LineSnapshot(1, "ITEM-1", "SB-001", quantity=3),
                          LineSnapshot(2, "ITEM-2", "SB-002", quantity=2, shipped=1),
                      ))
UPS_OK = "1Z999AA10123456784"


def draft(*packages: PackageDraft, ship_date=NOW - timedelta(hours=1), key="k1") -> ShipmentDraft:
    return ShipmentDraft(ORDER.amazon_order_id, key, ship_date, packages or (
        PackageDraft("UPS Ground", UPS_OK, (ItemDraft(3, order_item_id="ITEM-1"),)),))


def codes(result) -> list[str]:
    assert isinstance(result, list), result
    return [r.code for r in result]


def test_c1_a_valid_shipment_is_planned_queued_with_amazons_carrier_code():
    plan = plan_shipment(draft(), ORDER, now=NOW)
    assert isinstance(plan, ShipmentPlan)
    (package,) = plan.packages
    assert (package.carrier, package.carrier_code, package.carrier_name) == ("UPS Ground", "UPS", None)
    assert (package.status, package.items, plan.ship_date) == ("queued", ((1, 3),), NOW - timedelta(hours=1))


def test_c2_split_shipment_three_packages_by_sku_and_item_id():
    plan = plan_shipment(draft(
        PackageDraft("ups", "1Z12345E6605272234", (ItemDraft(1, sku="SB-001"),)),
        PackageDraft("UPS", UPS_OK, (ItemDraft(1, order_item_id="ITEM-1"), ItemDraft(1, sku="SB-002"))),
        PackageDraft("Speedy 🚀 Couriers®", "SPEEDY12345", (ItemDraft(1, sku="SB-001"),)),
    ), ORDER, now=NOW)
    assert isinstance(plan, ShipmentPlan)
    assert [p.items for p in plan.packages] == [((1, 1),), ((1, 1), (2, 1)), ((1, 1),)]
    assert plan.packages[2].carrier_code == "Other" and plan.packages[2].carrier_name == "Speedy 🚀 Couriers®"


@pytest.mark.parametrize(("change", "code"), [
    (dict(status="cancelled"), "order_cancelled"),
    (dict(fulfillment="AFN"), "amazon_fulfilled"),
    (dict(send_to_warehouse=False), "not_for_warehouse"),
    (dict(status="pending"), "order_not_shippable"),
    (dict(status="shipped"), "order_not_shippable"),
])
def test_c1_an_order_the_warehouse_may_not_ship_is_refused(change, code):
    assert code in codes(plan_shipment(draft(), replace(ORDER, **change), now=NOW))


def test_c1_an_unknown_order_is_refused_with_a_clear_reason():
    (refusal,) = plan_shipment(draft(), None, now=NOW)
    assert refusal.code == "unknown_order" and ORDER.amazon_order_id in refusal.message


@pytest.mark.parametrize(("items", "code"), [
    ((ItemDraft(4, order_item_id="ITEM-1"),), "over_quantity"),
    ((ItemDraft(2, sku="SB-002"),), "over_quantity"),  # 2 ordered, 1 shipped already
    ((ItemDraft(0, sku="SB-001"),), "bad_quantity"),
    ((ItemDraft(1, order_item_id="NOPE"),), "unknown_line"),
    ((ItemDraft(1, sku="SB-999"),), "unknown_line"),
    ((ItemDraft(1),), "unknown_line"),
    ((), "no_items"),
])
def test_c1_lines_and_quantities_are_checked(items, code):
    assert code in codes(plan_shipment(draft(PackageDraft("UPS", UPS_OK, items)), ORDER, now=NOW))


def test_c1_quantity_counts_what_is_in_open_packages_and_cancelled_across_packages():
    order = replace(ORDER, lines=(LineSnapshot(1, "ITEM-1", "SB-001", quantity=3, cancelled=1, in_packages=1),))
    two = draft(PackageDraft("UPS", UPS_OK, (ItemDraft(1, sku="SB-001"),)),
                PackageDraft("UPS", "1Z12345E6605272234", (ItemDraft(1, sku="SB-001"),)))
    (refusal,) = plan_shipment(two, order, now=NOW)
    assert refusal.code == "over_quantity" and "only 1 of 3" in refusal.message


@pytest.mark.parametrize(("ship_date", "code"), [
    (NOW + timedelta(minutes=16), "future_date"),
    (ORDER.purchase_date - timedelta(minutes=16), "before_purchase"),
    (date(2026, 3, 3), "future_date"),
    (date(2026, 2, 28), "before_purchase"),
])
def test_c2_a_ship_date_in_the_future_or_before_the_purchase_is_refused(ship_date, code):
    assert codes(plan_shipment(draft(ship_date=ship_date), ORDER, now=NOW)) == [code]


def test_c2_clock_skew_and_a_day_without_time_are_allowed():
    assert isinstance(plan_shipment(draft(ship_date=NOW + timedelta(minutes=14)), ORDER, now=NOW), ShipmentPlan)
    today = plan_shipment(draft(ship_date=date(2026, 3, 2)), ORDER, now=NOW)
    assert isinstance(today, ShipmentPlan) and today.ship_date == NOW  # the day's noon, not after now
    first = plan_shipment(draft(ship_date=date(2026, 3, 1)), ORDER, now=NOW)
    assert first.ship_date == ORDER.purchase_date  # not before the purchase


def test_c2_a_tracking_number_not_valid_for_its_carrier_is_held_not_refused():
    plan = plan_shipment(draft(PackageDraft("FedEx", "449044304137822", (ItemDraft(1, sku="SB-001"),))),
                         ORDER, now=NOW)
    (package,) = plan.packages
    assert package.status == "held" and "FedEx" in package.hold_reason and "check digit" in package.hold_reason
    assert plan.held == 1


def test_c2_two_packages_with_one_tracking_number_are_refused():
    twice = draft(PackageDraft("UPS", UPS_OK, (ItemDraft(1, sku="SB-001"),)),
                  PackageDraft("UPS", UPS_OK.lower(), (ItemDraft(1, sku="SB-001"),)))
    assert "duplicate_tracking" in codes(plan_shipment(twice, ORDER, now=NOW))


def test_c2_the_fingerprint_ignores_spacing_and_key_but_not_content():
    a = draft()
    b = replace(a, idempotency_key="other", packages=(PackageDraft(" UPS  Ground ", "1z999aa1 0123456784",
                                                                    (ItemDraft(3, order_item_id="ITEM-1"),)),))
    assert a.fingerprint() == b.fingerprint()
    assert a.fingerprint() != draft(PackageDraft("UPS Ground", UPS_OK, (ItemDraft(2, order_item_id="ITEM-1"),)))\
        .fingerprint()


@pytest.mark.parametrize(("words", "expected"), [
    ("UPS Ground", ("UPS", None)),
    ("ups", ("UPS", None)),
    ("Fedex", ("FedEx", None)),
    ("Fed-Ex Home Delivery", ("FedEx", None)),
    ("FedEx SmartPost", ("FedEx SmartPost", None)),
    ("Deutsche Post DHL", ("DHL", None)),
    ("DHL® Express", ("DHL Express", None)),
    ("UPS(R) Ground", ("UPS", None)),
    ("Speedy (R) 🚀", ("Other", "Speedy (R) 🚀")),
    ("Royal Mail Tracked 48", ("Royal Mail", None)),
    ("United States Postal Service", ("USPS", None)),
    ("UPS Mail Innovations", ("UPS Mail Innovations", None)),
    ("Colis Privé", ("Colis Prive", None)),
    ("Speedy Couriers", ("Other", "Speedy Couriers")),
    ("  Bob's   Vans  ", ("Other", "Bob's Vans")),
])
def test_c2_carrier_words_map_to_amazons_codes_or_other_with_the_name(words, expected):
    assert carrier_code(words) == expected


def test_c2_a_connection_may_name_its_own_carrier_words():
    assert carrier_code("Speedy", {"speedy": "OnTrac"}) == ("OnTrac", None)
    assert carrier_code("Speedy", {"speedy": "Nonsense"}) == ("Other", "Speedy")
    assert all(carrier_code(code) == ((code, None) if code != "Other" else ("Other", "Other"))
               for code in CARRIER_CODES)


@pytest.mark.parametrize(("latest", "status", "shipping", "expected"), [
    (NOW + timedelta(hours=13), "unshipped", False, None),
    (NOW + timedelta(hours=11), "unshipped", False, LateState.AT_RISK),
    (NOW - timedelta(minutes=1), "unshipped", False, LateState.PAST_DUE),
    (NOW - timedelta(minutes=1), "shipped", False, None),
    (NOW - timedelta(minutes=1), "partially_shipped", False, None),
    (NOW - timedelta(minutes=1), "cancelled", False, None),
    (NOW - timedelta(minutes=1), "unshipped", True, None),
    (None, "unshipped", False, None),
])
def test_c2_late_shipment_risk(latest, status, shipping, expected):
    assert late_state(latest, NOW, status=status, shipping=shipping) == expected
