"""The order-change rules without a database: holds, outbox events, the warehouse flag (B5, B9, B10, B14)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sellerbridge.domain.orders.changes import (
    ORDER_CANCEL_REQUESTED,
    ORDER_CANCELLED,
    ORDER_CREATED,
    HoldChange,
    LineHold,
    Outcome,
    plan_insert,
    plan_update,
)
from sellerbridge.domain.orders.filters import ImportMode
from sellerbridge.domain.orders.model import Fulfillment, OrderStatus
from tests.unit.order_builders import line, mapped_order, stored_state

S = OrderStatus
RELEASED = LineHold(2, held=False)


# --- a new order (plan_insert) ---------------------------------------------------------------------

def test_b10_a_new_order_holds_each_lines_open_quantity_and_only_lines_with_one():
    order = mapped_order(line(1, quantity=3, quantity_shipped=1), line(2, quantity=2, quantity_cancelled=2),
                         line(3, quantity=1), status=S.PARTIALLY_SHIPPED)
    plan = plan_insert(order)
    assert plan.place_holds == (HoldChange("item-1", 1, 2), HoldChange("item-3", 3, 1))
    assert plan.resize_holds == () and not plan.release_holds


@pytest.mark.parametrize(("status", "fulfillment", "mode", "holds", "events"), [
    (S.UNSHIPPED, Fulfillment.MERCHANT, ImportMode.NORMAL, 2, (ORDER_CREATED,)),
    (S.PARTIALLY_SHIPPED, Fulfillment.MERCHANT, ImportMode.PURCHASE_ORDER, 2, (ORDER_CREATED,)),
    (S.PENDING, Fulfillment.MERCHANT, ImportMode.NORMAL, 2, ()),  # held, but not to be shipped yet
    (S.SHIPPED, Fulfillment.MERCHANT, ImportMode.NORMAL, 0, ()),
    (S.UNSHIPPED, Fulfillment.AMAZON, ImportMode.NORMAL, 0, ()),  # FBA: Amazon's stock and shipment
    (S.UNSHIPPED, Fulfillment.MERCHANT, ImportMode.COMPLETED, 0, ()),  # accounting only
])
def test_b14_a_new_order_announces_itself_exactly_when_the_warehouse_ships_it(status, fulfillment, mode, holds,
                                                                                events):
    order = mapped_order(status=status, fulfillment=fulfillment, import_mode=mode)
    plan = plan_insert(order)
    assert plan.outcome is Outcome.CREATED
    assert plan.events == events and plan.send_to_warehouse is (events == (ORDER_CREATED,))
    assert sum(hold.quantity for hold in plan.place_holds) == holds


def test_b5_a_new_order_always_resolves_its_customer():
    assert plan_insert(mapped_order()).resolve_customer
    assert plan_insert(mapped_order(pii=False, buyer=None)).resolve_customer  # the store finds none: anonymous


# --- holds on update (B10) -------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "holds", "place", "resize"), [
    # a line Amazon added gets a hold; the held line is resized while nothing has shipped
    (S.UNSHIPPED, {"item-1": LineHold(3)}, [("item-2", 2, 2)], [("item-1", 1, 2)]),
    (S.PENDING, {"item-1": LineHold(3)}, [("item-2", 2, 2)], [("item-1", 1, 2)]),
    (S.PENDING_AVAILABILITY, {"item-1": LineHold(3)}, [("item-2", 2, 2)], [("item-1", 1, 2)]),
    # something shipped: new lines are held, quantities are the shipments flow's to consume (C3)
    (S.PARTIALLY_SHIPPED, {"item-1": LineHold(3)}, [("item-2", 2, 2)], []),
    # a line that has a hold, in any state, keeps it: never held twice, a released hold not revived
    (S.UNSHIPPED, {"item-1": LineHold(2), "item-2": RELEASED}, [], []),
    (S.UNSHIPPED, {"item-1": LineHold(2, held=False), "item-2": LineHold(1)}, [], [("item-2", 2, 2)]),
    # not a holding status: nothing placed, nothing resized
    (S.SHIPPED, {"item-1": LineHold(3)}, [], []),
    (S.UNFULFILLABLE, {}, [], []),
])
def test_b10_an_update_holds_new_lines_and_resizes_held_ones_while_nothing_shipped(status, holds, place, resize):
    order = mapped_order(line(1), line(2), status=status)
    plan = plan_update(stored_state(holds=holds), order)
    assert plan.place_holds == tuple(HoldChange(*change) for change in place)
    assert plan.resize_holds == tuple(HoldChange(*change) for change in resize)
    assert plan.outcome is Outcome.UPDATED and not plan.release_holds


def test_b10_units_amazon_cancels_on_an_unshipped_order_leave_the_hold_with_what_is_open():
    order = mapped_order(line(1, quantity=3, quantity_cancelled=1), line(2, quantity=1, quantity_cancelled=1))
    plan = plan_update(stored_state(holds={"item-1": LineHold(3), "item-2": LineHold(1)}), order)
    assert plan.resize_holds == (HoldChange("item-1", 1, 2), HoldChange("item-2", 2, 0))
    assert plan.place_holds == ()  # the line now open 0 keeps its hold, at 0


def test_b10_a_hold_already_at_the_open_quantity_is_not_resized():
    plan = plan_update(stored_state(holds={"item-1": LineHold(2)}), mapped_order(line(1)))
    assert plan.resize_holds == () and plan.place_holds == () and plan.events == ()


# --- cancellation (B9) -----------------------------------------------------------------------------

@pytest.mark.parametrize(("cancelled_before", "sent_before", "outcome", "release", "events"), [
    (False, True, Outcome.CANCELLED, True, (ORDER_CANCELLED,)),  # the warehouse had it: tell it
    (False, False, Outcome.CANCELLED, True, ()),  # cancelled while Pending: the warehouse never knew
    (True, True, Outcome.UPDATED, False, ()),  # cancelled before: released and told then
    (True, False, Outcome.UPDATED, False, ()),
])
def test_b9_a_cancellation_releases_the_holds_and_tells_the_warehouse_once(cancelled_before, sent_before, outcome,
                                                                           release, events):
    current = stored_state(cancelled=cancelled_before, sent=sent_before,
                           status=S.CANCELLED if cancelled_before else S.UNSHIPPED)
    plan = plan_update(current, mapped_order(line(1, quantity_cancelled=2), status=S.CANCELLED))
    assert (plan.outcome, plan.release_holds, plan.events) == (outcome, release, events)
    assert plan.place_holds == () and plan.resize_holds == ()
    assert plan.send_to_warehouse is sent_before  # once the warehouse has an order it keeps it


def test_b9_a_cancelled_order_carries_no_cancel_request_and_no_creation():
    current = stored_state(sent=False, status=S.PENDING)
    order = mapped_order(line(1, buyer_cancel_requested=True), status=S.CANCELLED)
    assert plan_update(current, order).events == ()


# --- warehouse flag and outbox events on update (B14) ----------------------------------------------

@pytest.mark.parametrize(("sent_before", "status", "fulfillment", "send", "events"), [
    (False, S.UNSHIPPED, Fulfillment.MERCHANT, True, (ORDER_CREATED,)),  # Pending -> Unshipped
    (False, S.PARTIALLY_SHIPPED, Fulfillment.MERCHANT, True, (ORDER_CREATED,)),
    (True, S.UNSHIPPED, Fulfillment.MERCHANT, True, ()),  # announced before
    (True, S.SHIPPED, Fulfillment.MERCHANT, True, ()),  # shipped: the warehouse keeps it
    (False, S.PENDING, Fulfillment.MERCHANT, False, ()),
    (False, S.SHIPPED, Fulfillment.AMAZON, False, ()),
])
def test_b14_order_created_is_emitted_when_an_order_becomes_sendable_and_not_before(sent_before, status,
                                                                                    fulfillment, send, events):
    plan = plan_update(stored_state(sent=sent_before), mapped_order(status=status, fulfillment=fulfillment))
    assert (plan.send_to_warehouse, plan.events) == (send, events)


@pytest.mark.parametrize(("requested_before", "requested_now", "events"), [
    (False, True, (ORDER_CANCEL_REQUESTED,)),
    (True, True, ()),  # asked before: a person is deciding already
    (True, False, ()),
    (False, False, ()),
])
def test_b14_a_buyers_new_cancel_request_is_emitted_once(requested_before, requested_now, events):
    order = mapped_order(line(1, buyer_cancel_requested=requested_now), line(2))
    plan = plan_update(stored_state(cancel_requested=requested_before), order)
    assert plan.events == events and plan.outcome is Outcome.UPDATED


def test_b14_an_order_that_becomes_sendable_with_a_cancel_request_emits_both_in_order():
    order = mapped_order(line(1, buyer_cancel_requested=True))
    plan = plan_update(stored_state(sent=False, status=S.PENDING), order)
    assert plan.events == (ORDER_CREATED, ORDER_CANCEL_REQUESTED)


# --- customer (B5) ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("known", "resolve"), [(True, False), (False, True)])
def test_b5_an_update_resolves_the_customer_only_while_the_order_has_none(known, resolve):
    assert plan_update(stored_state(customer=known), mapped_order()).resolve_customer is resolve
    cancelled = mapped_order(status=S.CANCELLED)
    assert plan_update(stored_state(customer=known), cancelled).resolve_customer is resolve


# --- properties over every stored state and status ---------------------------------------------------

HOLD_STATES = st.one_of(st.none(), st.builds(LineHold, st.integers(0, 3), st.booleans()))


@given(status=st.sampled_from(list(S)), cancelled=st.booleans(), sent=st.booleans(), requested=st.booleans(),
       first=HOLD_STATES, second=HOLD_STATES, open_units=st.integers(0, 3))
def test_b10_b14_a_plan_never_holds_a_line_twice_resizes_only_held_lines_and_repeats_no_event(
        status, cancelled, sent, requested, first, second, open_units):
    holds = {key: hold for key, hold in (("item-1", first), ("item-2", second)) if hold is not None}
    current = stored_state(cancelled=cancelled, sent=sent, cancel_requested=requested, holds=holds)
    order = mapped_order(line(1, quantity=3, quantity_cancelled=3 - open_units), line(2), status=status)
    plan = plan_update(current, order)
    assert not {hold.order_item_id for hold in plan.place_holds} & set(holds)
    assert all(holds[h.order_item_id].held and holds[h.order_item_id].quantity != h.quantity
               for h in plan.resize_holds)
    assert all(hold.quantity > 0 for hold in plan.place_holds)
    assert len(set(plan.events)) == len(plan.events)
    assert plan.send_to_warehouse is (sent or order.send_to_warehouse)
    assert (plan.outcome is Outcome.CANCELLED) is (status is S.CANCELLED and not cancelled)
    assert plan.release_holds is (plan.outcome is Outcome.CANCELLED)
    if plan.release_holds:
        assert plan.place_holds == () and plan.resize_holds == ()


# --- order.updated (B14, issue 10) -----------------------------------------------------------------

def test_b14_units_amazon_cancels_on_an_order_the_warehouse_has_announce_order_updated():
    from sellerbridge.domain.orders.changes import ORDER_UPDATED

    order = mapped_order(line(1, quantity=3, quantity_cancelled=1), line(2))
    plan = plan_update(stored_state(holds={"item-1": LineHold(3), "item-2": LineHold(2)}, sent=True),
                       order)
    assert plan.events == (ORDER_UPDATED,)
    # not yet at the warehouse (Pending): nothing to tell it
    quiet = plan_update(stored_state(holds={"item-1": LineHold(3)}, sent=False), order)
    assert ORDER_UPDATED not in quiet.events
    # a hold growing (a line Amazon raised) or unchanged is no cancellation
    same = plan_update(stored_state(holds={"item-1": LineHold(2)}, sent=True), mapped_order(line(1)))
    assert same.events == ()


def test_b14_a_changed_ship_to_of_an_order_at_the_warehouse_announces_order_updated():
    from dataclasses import replace

    from sellerbridge.domain.orders.changes import ORDER_UPDATED, ship_to_changed

    order = mapped_order()
    assert order.ship_to is not None
    moved = replace(order, ship_to=replace(order.ship_to, line1="1 New Street"))
    assert plan_update(stored_state(ship_to=order.ship_to), moved).events == (ORDER_UPDATED,)
    assert plan_update(stored_state(ship_to=order.ship_to), order).events == ()  # the same address
    assert ORDER_UPDATED not in plan_update(stored_state(ship_to=order.ship_to, sent=False), moved).events
    assert plan_update(stored_state(ship_to=None), moved).events == ()  # nothing stored to compare
    # a field Amazon leaves out this time keeps the stored value: no change
    assert not ship_to_changed(order.ship_to, replace(order.ship_to, line1=None, phone=None))
