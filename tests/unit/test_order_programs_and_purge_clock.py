"""Issue 9: what the warehouse gets per Amazon program, and the purge clock on Amazon's times (B13)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sellerbridge.domain.orders.model import OrderStatus, PackageDraft, PackageStatus
from sellerbridge.domain.orders.programs import Handling, handling_of
from sellerbridge.domain.orders.purge_clock import purge_due_at, shipped_at_to_keep
from tests.unit.order_builders import PLACED, draft, mapped_order


def test_a_pick_up_order_is_no_parcel_even_with_other_programs():
    assert handling_of(["prime", "amazon_easy_ship", "in_store_pick_up"]) is Handling.PICKUP
    assert handling_of(["amazon_easy_ship", "fbm_ship_plus"]) is Handling.AMAZON_CARRIER
    assert handling_of(["a_program_amazon_adds_later"]) is Handling.PARCEL


def test_an_easy_ship_order_holds_stock_and_goes_to_the_warehouse_without_a_ship_method():
    order = mapped_order(programs=("amazon_easy_ship",))
    assert order.send_to_warehouse and order.ship_method is None and sum(order.holds.values()) == 2


def test_an_amazon_delivered_order_is_kept_but_never_sent_or_held():
    order = mapped_order(programs=("delivery_by_amazon",))
    assert (order.handling, order.send_to_warehouse, order.ship_method, order.holds) == (
        Handling.AMAZON_DELIVERS, False, None, {})


def test_a_package_ship_time_replaces_the_status_change_fallback_but_the_fallback_starts_once():
    shipped = draft(status=OrderStatus.SHIPPED, last_updated=PLACED + timedelta(days=3))
    assert shipped_at_to_keep(None, shipped) == PLACED + timedelta(days=3)  # Amazon's time of the change
    assert shipped_at_to_keep(PLACED, shipped) == PLACED  # seen before: the clock does not move
    with_package = replace(shipped, packages=(PackageDraft("1", PackageStatus.SHIPPED, PLACED + timedelta(days=1)),))
    assert shipped_at_to_keep(PLACED + timedelta(days=3), with_package) == PLACED + timedelta(days=1)


def test_an_order_never_shipped_is_never_due_by_the_purge_clock():
    assert purge_due_at(delivered_at=None, shipped_at=None, retention=timedelta(days=30)) is None
