"""Notifications out of the sandbox: ORDER_CHANGE, FEED_PROCESSING_FINISHED, REPORT_PROCESSING_FINISHED (I4).

Other modules call :func:`emit` with the notification's ``Payload`` object; this module wraps it in
Amazon's envelope for every matching subscription and queues it in the backend's outbox. Delivery
(HTTP POST to the URL mapped to the destination's SQS ARN, the sandbox's stand-in for SQS) happens
in :func:`deliver_outbox`, outside the lock, from the serve loop and whenever the clock is moved.

Amazon's envelopes differ by type (docs/amazon-quirks.md): ORDER_CHANGE uses PascalCase keys and
version "1.0"; FEED_/REPORT_PROCESSING_FINISHED use camelCase keys and version "2020-09-04".
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import Any

import httpx

from .backend import Backend, Notification, Subscription
from .state import CANCELED, PENDING, PENDING_AVAILABILITY, Order, Seller
from .timefmt import iso_ms

ORDER_CHANGE = "ORDER_CHANGE"
FEED_PROCESSING_FINISHED = "FEED_PROCESSING_FINISHED"
REPORT_PROCESSING_FINISHED = "REPORT_PROCESSING_FINISHED"
SUPPORTED_TYPES = (ORDER_CHANGE, FEED_PROCESSING_FINISHED, REPORT_PROCESSING_FINISHED)
# The key under ``Payload``/``payload`` each type's document carries.
PAYLOAD_KEYS = {
    ORDER_CHANGE: "OrderChangeNotification",
    FEED_PROCESSING_FINISHED: "feedProcessingFinishedNotification",
    REPORT_PROCESSING_FINISHED: "reportProcessingFinishedNotification",
}
SENT_KEPT = 10_000  # delivered notifications remembered for GET /_sandbox/notifications
DELIVERY_CONCURRENCY = 16
DELIVERY_TIMEOUT = httpx.Timeout(5.0, connect=2.0)


# --- envelopes -------------------------------------------------------------------------------

def envelope(notification_type: str, payload: dict[str, Any], event_time: datetime,
             subscription: Subscription, published: datetime) -> dict[str, Any]:
    meta_id = str(uuid.uuid4())
    if notification_type == ORDER_CHANGE:
        return {
            "NotificationVersion": "1.0", "NotificationType": notification_type, "PayloadVersion": "1.0",
            "EventTime": iso_ms(event_time), "Payload": payload,
            "NotificationMetadata": {"ApplicationId": subscription.client_id,
                                     "SubscriptionId": subscription.subscription_id,
                                     "PublishTime": iso_ms(published), "NotificationId": meta_id},
        }
    return {
        "notificationVersion": "2020-09-04", "notificationType": notification_type,
        "payloadVersion": "2020-09-04", "eventTime": iso_ms(event_time), "payload": payload,
        "notificationMetadata": {"applicationId": subscription.client_id,
                                 "subscriptionId": subscription.subscription_id,
                                 "publishTime": iso_ms(published), "notificationId": meta_id},
    }


def _normalize(seller_id: str, notification_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Accept the Payload object or just its inner document; fill the ids Amazon always sends."""
    key = PAYLOAD_KEYS.get(notification_type)
    if key is None:
        return payload
    inner = payload.get(key, payload)
    if notification_type != ORDER_CHANGE and isinstance(inner, dict):
        inner = {"sellerId": seller_id, "accountId": f"amzn1.merchant.o.{seller_id}", **inner}
    return {key: inner}


def _passes_filter(sub: Subscription, notification_type: str, payload: dict[str, Any]) -> bool:
    """Apply an ORDER_CHANGE eventFilter (marketplaceIds, orderChangeTypes) as Amazon does."""
    event_filter = (sub.processing_directive or {}).get("eventFilter")
    if not event_filter or notification_type != ORDER_CHANGE:
        return True
    doc = payload.get("OrderChangeNotification") or {}
    marketplaces = event_filter.get("marketplaceIds")
    if marketplaces and (doc.get("Summary") or {}).get("MarketplaceId") not in marketplaces:
        return False
    change_types = event_filter.get("orderChangeTypes")
    return not change_types or doc.get("OrderChangeType") in change_types


def subscriptions_for(backend: Backend, seller_id: str, notification_type: str) -> list[Subscription]:
    return [s for s in backend.notifications.subscriptions.values()
            if s.seller_id == seller_id and s.notification_type == notification_type]


def destination_url(backend: Backend, destination_id: str) -> str | None:
    """The HTTP URL standing in for the destination's SQS queue (or EventBridge source), if mapped."""
    hub = backend.notifications
    dest = hub.destinations.get(destination_id)
    if dest is None:
        return None
    resource = dest.resource
    key = (resource.get("sqs") or {}).get("arn") or (resource.get("eventBridge") or {}).get("name")
    return hub.http_endpoints.get(key) if key else None


def emit(backend: Backend, seller_id: str, notification_type: str, payload: dict[str, Any],
         event_time: datetime) -> int:
    """Queue ``payload`` (the notification's ``Payload`` object) for the seller's subscribers.

    One envelope per subscription (each app subscribed for this seller gets its own). Returns how
    many were queued: none without a subscription, as Amazon sends nothing then.
    """
    subs = subscriptions_for(backend, seller_id, notification_type)
    if not subs:
        return 0
    payload = _normalize(seller_id, notification_type, payload)
    published = backend.now()
    queued = 0
    for sub in subs:
        if not _passes_filter(sub, notification_type, payload):
            continue
        backend.notifications.outbox.append(Notification(
            seller_id=seller_id, notification_type=notification_type,
            payload=envelope(notification_type, payload, event_time, sub, published),
            created=published, destination_url=destination_url(backend, sub.destination_id)))
        queued += 1
    return queued


# --- ORDER_CHANGE ----------------------------------------------------------------------------

def _change_memory(backend: Backend) -> dict[tuple[str, str], tuple]:
    """Last notified state per order. Kept on the hub so ``backend.reset()`` forgets it too."""
    hub = backend.notifications
    memory = getattr(hub, "_order_states", None)
    if memory is None:
        memory = {}
        hub._order_states = memory  # type: ignore[attr-defined]
    return memory


def _order_state(order: Order) -> tuple:
    return (order.status, order.buyer_cancel_reason is not None,
            tuple((ln.quantity_shipped, ln.quantity_cancelled) for ln in order.lines))


def build_order_change(backend: Backend, seller: Seller, order: Order, at: datetime,
                       change_type: str = "OrderStatusChange") -> dict[str, Any]:
    """The ORDER_CHANGE ``Payload`` (schemas/OrderChangeNotification.json) for the order as it is now."""
    buyer_cancel = order.buyer_cancel_reason is not None
    mfn = order.is_mfn
    items = []
    for ln in order.lines:
        shipped = ln.quantity_shipped > 0 and ln.quantity_unshipped == 0
        item: dict[str, Any] = {
            "OrderItemId": ln.order_item_id, "SellerSKU": ln.sku,
            "SupplySourceId": None,  # required by the schema, null without a supply source
            "OrderItemStatus": "Shipped" if shipped else "Unshipped",
            "Quantity": ln.quantity, "QuantityShipped": ln.quantity_shipped,
            "IsBuyerRequestedCancel": buyer_cancel,
        }
        if mfn:
            item["ItemEarliestDeliveryDate"] = iso_ms(order.earliest_delivery)
            item["ItemLatestDeliveryDate"] = iso_ms(order.latest_delivery)
        items.append(item)
    summary: dict[str, Any] = {
        "MarketplaceId": order.marketplace_id, "OrderStatus": order.status,
        "PurchaseDate": iso_ms(order.purchase_date), "DestinationPostalCode": order.ship_to.postal_code,
        "FulfillmentType": "MFN" if mfn else "AFN", "OrderType": "StandardOrder",
        "NumberOfItemsShipped": sum(ln.quantity_shipped for ln in order.lines),
        "NumberOfItemsUnshipped": sum(ln.quantity_unshipped for ln in order.lines),
        "EarliestShipDate": iso_ms(order.earliest_ship), "LatestShipDate": iso_ms(order.latest_ship),
    }
    if mfn:
        # Amazon: delivery window for seller-fulfilled orders only; the latest date not while
        # Pending/PendingAvailability/Canceled.
        summary["EarliestDeliveryDate"] = iso_ms(order.earliest_delivery)
        if order.status not in (PENDING, PENDING_AVAILABILITY, CANCELED):
            summary["LatestDeliveryDate"] = iso_ms(order.latest_delivery)
    programs = [name for name, on in (("Business", order.is_business), ("Prime", order.is_prime),
                                      ("Premium", order.is_premium)) if on]
    if programs:
        summary["OrderPrograms"] = programs
    summary["OrderItems"] = items
    reason = "Buyer Requested Cancel" if change_type == "BuyerRequestedChange" else "Order Status Change"
    return {"OrderChangeNotification": {
        "NotificationLevel": "OrderLevel", "SellerId": seller.seller_id, "AmazonOrderId": order.order_id,
        "OrderChangeType": change_type,
        "OrderChangeTrigger": {"TimeOfOrderChange": iso_ms(at), "ChangeReason": reason},
        "Summary": summary,
    }}


def on_order_change(backend: Backend, seller: Seller, order: Order, at: datetime) -> None:
    """``backend.touch_order`` hook: an ORDER_CHANGE when status, items or a buyer's cancel request changed.

    Cheap when nobody subscribed (the common case while generating orders): nothing is built.
    """
    if not subscriptions_for(backend, seller.seller_id, ORDER_CHANGE):
        return
    memory = _change_memory(backend)
    key = (seller.seller_id, order.order_id)
    state, before = _order_state(order), memory.get(key)
    if state == before:
        return  # touched without a change Amazon notifies (e.g. updateShipmentStatus)
    memory[key] = state
    newly_asked = state[1] and not (before is not None and before[1])
    change_type = "BuyerRequestedChange" if newly_asked and state[0] != CANCELED else "OrderStatusChange"
    emit(backend, seller.seller_id, ORDER_CHANGE, build_order_change(backend, seller, order, at, change_type), at)


# --- delivery --------------------------------------------------------------------------------

def _subscription_id(note: Notification) -> str | None:
    meta = note.payload.get("NotificationMetadata") or note.payload.get("notificationMetadata") or {}
    return meta.get("SubscriptionId") or meta.get("subscriptionId")


def _resolve(backend: Backend, note: Notification) -> str | None:
    """The URL now: the ARN may have been mapped after the notification was queued."""
    sub = backend.notifications.subscriptions.get(_subscription_id(note) or "")
    url = destination_url(backend, sub.destination_id) if sub else None
    return url or note.destination_url


async def _post(client: httpx.AsyncClient, sem: asyncio.Semaphore, url: str | None,
                note: Notification) -> str | None:
    """POST one envelope; None on 2xx, else the error text. Never raises."""
    if url is None:
        return "no HTTP endpoint mapped for the destination (POST /_sandbox/sqs)"
    body = json.dumps(note.payload, ensure_ascii=False).encode("utf-8")
    async with sem:
        try:
            r = await client.post(url, content=body,
                                  headers={"content-type": "application/json; charset=utf-8"})
        except Exception as exc:  # any transport failure is a failed attempt
            return f"{type(exc).__name__}: {exc}"[:500]
    return None if 200 <= r.status_code < 300 else f"HTTP {r.status_code}"


async def deliver_outbox(backend: Backend, client: httpx.AsyncClient | None = None) -> int:
    """Deliver every queued notification; returns how many were delivered. Never raises.

    Notifications are taken off the outbox under the lock (so two deliveries never send one twice),
    posted without it, then filed: delivered ones into ``sent`` (the last ``SENT_KEPT``), failed ones
    back at the head of the outbox with their attempt count and last error, for the next call.
    Delivery is at least once, like SQS: a delivery cancelled midway puts its batch back.
    """
    try:
        with backend.lock:
            hub = backend.notifications
            batch = list(hub.outbox)
            hub.outbox.clear()
            urls = [_resolve(backend, n) for n in batch]
    except Exception as exc:  # delivery must never take the sandbox down
        backend.internal_errors.append(f"deliver_outbox: {exc!r}")
        return 0
    if not batch:
        return 0
    results: list[str | None] | None = None
    try:
        own = client is None
        client = client or httpx.AsyncClient(timeout=DELIVERY_TIMEOUT)
        try:
            sem = asyncio.Semaphore(DELIVERY_CONCURRENCY)
            results = list(await asyncio.gather(*(_post(client, sem, u, n)
                                                  for u, n in zip(urls, batch, strict=True))))
        finally:
            if own:
                await client.aclose()
    except Exception as exc:
        backend.internal_errors.append(f"deliver_outbox: {exc!r}")
    finally:
        delivered = _file(backend, hub, batch, urls, results)
    return delivered


def _file(backend: Backend, hub: Any, batch: list[Notification], urls: list[str | None],
          results: list[str | None] | None) -> int:
    """Record the outcome of one delivery round (``results`` None: the round never finished)."""
    delivered, failed = 0, []
    with backend.lock:
        for i, note in enumerate(batch):
            if results is None:
                failed.append(note)
                continue
            note.attempts += 1
            note.destination_url = urls[i] or note.destination_url
            if results[i] is None:
                note.delivered, note.last_error = True, None
                hub.sent.append(note)
                delivered += 1
            else:
                note.last_error = results[i]
                failed.append(note)
        hub.outbox.extendleft(reversed(failed))
        if len(hub.sent) > SENT_KEPT:
            del hub.sent[:len(hub.sent) - SENT_KEPT]
    return delivered


def install(app: Any) -> None:
    """Wire notifications into a sandbox app: the order-change hook and ``app.state.deliver``.

    The hook is an attribute of the backend object, which ``Backend.reset()`` leaves alone, so it
    survives ``POST /_sandbox/reset``.
    """
    backend: Backend = app.state.backend
    backend.on_order_change = lambda seller, order, at: on_order_change(backend, seller, order, at)
    app.state.deliver = lambda: deliver_outbox(app.state.backend)
