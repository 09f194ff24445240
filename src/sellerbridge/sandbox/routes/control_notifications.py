"""``/_sandbox/sqs`` and ``/_sandbox/notifications``: the sandbox's stand-in for SQS (I4).

Not part of Amazon. Amazon delivers notifications to an SQS queue (or EventBridge); the sandbox
POSTs each envelope as JSON to an HTTP URL mapped to the queue's ARN instead:

- ``POST /_sandbox/sqs {"arn": "arn:aws:sqs:...", "url": "http://..."}`` maps (``"url": null`` unmaps);
  ``GET /_sandbox/sqs`` lists the mappings. An EventBridge destination is mapped by its event
  source name (``aws.partner/sellingpartnerapi.amazon.com/...``) in ``arn``.
- ``GET /_sandbox/notifications?seller_id=&type=&status=queued|delivered&limit=`` lists envelopes
  with their attempts and last error, newest last.
- ``POST /_sandbox/notifications/deliver`` delivers the outbox now and answers the count.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from .. import notify
from ..backend import Backend, Notification
from .control import control


def _view(note: Notification, status: str) -> dict[str, Any]:
    meta = note.payload.get("NotificationMetadata") or note.payload.get("notificationMetadata") or {}
    return {
        "notification_id": meta.get("NotificationId") or meta.get("notificationId"),
        "subscription_id": meta.get("SubscriptionId") or meta.get("subscriptionId"),
        "seller_id": note.seller_id, "type": note.notification_type, "status": status,
        "created": note.created.isoformat(), "destination_url": note.destination_url,
        "attempts": note.attempts, "last_error": note.last_error, "envelope": note.payload,
    }


@control
async def sqs_map(request: Request, backend: Backend, body: dict) -> dict:
    arn, url = body.get("arn"), body.get("url")
    if not isinstance(arn, str) or not arn:
        raise ValueError("arn is required")
    with backend.lock:
        endpoints = backend.notifications.http_endpoints
        if url is None:
            endpoints.pop(arn, None)
        elif isinstance(url, str) and url.startswith(("http://", "https://")):
            endpoints[arn] = url
        else:
            raise ValueError("url must be an http:// or https:// URL, or null to unmap")
        return {"endpoints": dict(endpoints)}


@control
async def sqs_list(request: Request, backend: Backend, body: dict) -> dict:
    with backend.lock:
        return {"endpoints": dict(backend.notifications.http_endpoints)}


@control
async def notifications_list(request: Request, backend: Backend, body: dict) -> dict:
    q = request.query_params
    seller_id, kind, status = q.get("seller_id"), q.get("type"), q.get("status")
    if status not in (None, "queued", "delivered"):
        raise ValueError("status must be queued or delivered")
    limit = int(q.get("limit", 1000))
    if limit < 1:
        raise ValueError("limit must be >= 1")
    with backend.lock:
        hub = backend.notifications
        rows = ([(n, "delivered") for n in hub.sent] if status != "queued" else []) + \
               ([(n, "queued") for n in hub.outbox] if status != "delivered" else [])
        out = [_view(n, s) for n, s in rows
               if seller_id in (None, n.seller_id) and kind in (None, n.notification_type)]
        return {"notifications": out[-limit:], "queued": len(hub.outbox), "delivered": len(hub.sent)}


@control
async def notifications_deliver(request: Request, backend: Backend, body: dict) -> dict:
    delivered = await notify.deliver_outbox(backend)
    with backend.lock:
        return {"delivered": delivered, "queued": len(backend.notifications.outbox)}


routes = [
    Route("/_sandbox/sqs", sqs_map, methods=["POST"]),
    Route("/_sandbox/sqs", sqs_list, methods=["GET"]),
    Route("/_sandbox/notifications", notifications_list, methods=["GET"]),
    Route("/_sandbox/notifications/deliver", notifications_deliver, methods=["POST"]),
]
