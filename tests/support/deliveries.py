"""Helpers of the delivery flow tests (tests/flows/test_deliveries*.py): a webhook receiver added through the
service, the flow run as the runtime runs it, the deliveries' states."""

from __future__ import annotations

from collections import Counter

import httpx

from sellerbridge.channels.webhook import WebhookTransport
from sellerbridge.services import receivers as receiver_service
from tests.support.flows import run_flow, sync_orders
from tests.support.webhook_receiver import WebhookReceiver

DELIVERIES = "deliveries"


def add_webhook(world, receiver: WebhookReceiver, name: str = "wms", *, pii: bool = False):
    revealed = receiver_service.add_receiver(world.hub, world.connection_id, name=name, kind="webhook",
                                             url=receiver.url, actor="test")
    receiver.secrets.append(revealed.secret)
    if pii:
        receiver_service.set_pii(world.hub, revealed.receiver, True, actor="cli:admin")
    return revealed.receiver


def quick_timeouts(world) -> None:
    """The webhook transport with a short read timeout (a slow receiver costs half a real second)."""
    world.hub._transports = {"webhook": WebhookTransport(
        client=httpx.Client(timeout=httpx.Timeout(0.5, connect=0.5), follow_redirects=False))}


def deliver(world):
    return run_flow(world.hub, DELIVERIES, world.connection_id)


def statuses(world) -> Counter:
    return Counter(r.status for r in world.rows("SELECT status FROM deliveries WHERE event_id IS NOT NULL"))


def breaker_of(world, receiver_id: int) -> str:
    [row] = world.rows("SELECT breaker_state FROM receivers WHERE id = :r", r=receiver_id)
    return row.breaker_state


def new_orders(world, count: int) -> list[str]:
    ids = world.create_orders(count, status="Unshipped", fba=False)
    world.past_search_lag()
    assert sync_orders(world.hub, world.connection_id).counts["created"] == count
    return ids
