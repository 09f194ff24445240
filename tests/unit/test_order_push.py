"""The push path's getOrder budget rules (B1, G1; domain/orders/push.py). The queue's own rules are the
pending-fetch rows': tests/adapters/test_db_pending_fetches.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sellerbridge.domain.orders.model import Fulfillment, OrderStatus
from sellerbridge.domain.orders.push import ChangeHint, skip_reason
from sellerbridge.domain.ports.orders import StoredOrder

T = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
MFN, AFN = Fulfillment.MERCHANT, Fulfillment.AMAZON
UNSHIPPED = OrderStatus.UNSHIPPED


def hint(status: OrderStatus | None = UNSHIPPED, fulfillment: Fulfillment | None = MFN,
         changed_at: datetime | None = T, **kw) -> ChangeHint:
    return ChangeHint("A3TH9S8BH6GOGM", "111-1", status=status, fulfillment=fulfillment, changed_at=changed_at, **kw)


def stored(status: str = "unshipped", updated: datetime = T) -> StoredOrder:
    return StoredOrder(order_id=1, amazon_order_id="111-1", status=status, amazon_last_updated=updated,
                       send_to_warehouse=True, cancelled=status == "cancelled")


def test_g1_a_new_mfn_order_is_fetched():
    assert skip_reason(hint(), None) is None


def test_g1_fba_orders_are_left_to_the_poll_they_never_go_to_the_warehouse():
    assert skip_reason(hint(fulfillment=AFN), None) == "fba_left_to_poll"
    assert skip_reason(hint(OrderStatus.SHIPPED, AFN), stored()) == "fba_left_to_poll"


def test_g1_a_change_already_stored_costs_no_call():
    assert skip_reason(hint(), stored(updated=T)) == "already_stored"
    assert skip_reason(hint(changed_at=T - timedelta(seconds=5)), stored()) == "already_stored"
    # Amazon: lastUpdatedTime in whole seconds, the notification's time in milliseconds
    same_second = hint(changed_at=T + timedelta(milliseconds=758))
    assert skip_reason(same_second, stored()) == "already_stored"


def test_g1_a_newer_change_a_new_status_or_a_cancel_request_is_fetched():
    assert skip_reason(hint(changed_at=T + timedelta(seconds=1)), stored()) is None
    assert skip_reason(hint(OrderStatus.CANCELLED), stored()) is None
    assert skip_reason(hint(buyer_requested=True), stored()) is None


def test_g1_without_a_readable_hint_the_order_is_fetched():
    assert skip_reason(hint(None, None, None), stored()) is None
    assert skip_reason(hint(changed_at=None), stored()) is None
    assert skip_reason(hint(None), stored()) is None
