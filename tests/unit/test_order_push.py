"""The push path's getOrder budget rules (B1, G1; sync/order_push.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sellerbridge.domain.ports.orders import StoredOrder
from sellerbridge.sync.order_push import ChangeHint, PushQueue, skip_reason

T = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def stored(status: str = "unshipped", updated: datetime = T) -> StoredOrder:
    return StoredOrder(order_id=1, amazon_order_id="111-1", status=status, amazon_last_updated=updated,
                       send_to_warehouse=True, cancelled=status == "cancelled")


def test_g1_a_new_mfn_order_is_fetched():
    assert skip_reason(ChangeHint("111-1", "Unshipped", "MFN", T), None) is None


def test_g1_fba_orders_are_left_to_the_poll_they_never_go_to_the_warehouse():
    assert skip_reason(ChangeHint("111-1", "Unshipped", "AFN", T), None) == "fba_left_to_poll"
    assert skip_reason(ChangeHint("111-1", "Shipped", "AFN", T), stored()) == "fba_left_to_poll"


def test_g1_a_change_already_stored_costs_no_call():
    assert skip_reason(ChangeHint("111-1", "Unshipped", "MFN", T), stored(updated=T)) == "already_stored"
    assert skip_reason(ChangeHint("111-1", "Unshipped", "MFN", T - timedelta(seconds=5)), stored()) == "already_stored"
    # Amazon: lastUpdatedTime in whole seconds, the notification's time in milliseconds
    same_second = ChangeHint("111-1", "Unshipped", "MFN", T + timedelta(milliseconds=758))
    assert skip_reason(same_second, stored()) == "already_stored"


def test_g1_a_newer_change_a_new_status_or_a_cancel_request_is_fetched():
    assert skip_reason(ChangeHint("111-1", "Unshipped", "MFN", T + timedelta(seconds=1)), stored()) is None
    assert skip_reason(ChangeHint("111-1", "Canceled", "MFN", T), stored()) is None
    assert skip_reason(ChangeHint("111-1", "Unshipped", "MFN", T, buyer_requested=True), stored()) is None


def test_g1_without_a_readable_hint_the_order_is_fetched():
    assert skip_reason(ChangeHint("111-1", None, None, None), stored()) is None
    assert skip_reason(ChangeHint("111-1", "Unshipped", "MFN", None), stored()) is None
    assert skip_reason(ChangeHint("111-1", "Whatever", "MFN", T), stored()) is None


def test_g1_the_queue_keeps_one_entry_per_order_and_defers_the_oldest_past_its_bound():
    queue = PushQueue(bound=3)
    assert queue.add(1, "a") == (True, [])
    assert queue.add(1, "a") == (False, [])  # SQS may deliver twice
    for key in "bcd":
        queue.add(1, key)
    assert queue.add(1, "e") == (True, ["b"])  # "a" deferred at "d"
    assert len(queue) == 3
    assert queue.add(2, "x") == (True, [])  # bounds are per connection
    assert queue.connections() == [1, 2]
    assert queue.take(1, 2) == ["c", "d"]
    assert queue.take(1, 5) == ["e"] and queue.take(1, 5) == []
    assert queue.add(1, "c") == (True, [])  # taken: a new change queues it again
    assert len(queue) == 2
