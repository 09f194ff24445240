"""ORDER_CHANGE notifications for intake tests, built from Amazon's own example document
(``tests/amazon/schemas/OrderChangeNotification.json``), and the subscription they must name.

:func:`subscribe` subscribes the world's seller the real way (the hub's ``services.notifications``
against the sandbox), which records the subscription the intake accepts (issue 9); its
:class:`Sender` is what genuine notifications carry: that subscription and the application (the
sandbox names it by the LWA client id)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from sellerbridge.services import notifications
from tests.support.models import load_schema

US = "ATVPDKIKX0DER"


@dataclass(frozen=True)
class Sender:
    application_id: str
    subscription_id: str


def subscribe(world: Any) -> Sender:
    result = notifications.subscribe(world.hub, world.connection_id)
    assert result.subscription_id, result
    return Sender(world.creds.client_id, result.subscription_id)


def order_change(seller_id: str, order_id: str, sender: Sender, *, marketplace_id: str = US) -> dict[str, Any]:
    """Amazon's example ORDER_CHANGE, for this seller, order and sender (an order status change)."""
    note = copy.deepcopy(load_schema("OrderChangeNotification.json")["examples"][0])
    change = note["Payload"]["OrderChangeNotification"]
    change.update(SellerId=seller_id, AmazonOrderId=order_id, OrderChangeType="OrderStatusChange")
    change["Summary"]["MarketplaceId"] = marketplace_id
    note["NotificationMetadata"].update(ApplicationId=sender.application_id, SubscriptionId=sender.subscription_id)
    return note
