"""Notifications out of the sandbox: ORDER_CHANGE, FEED_PROCESSING_FINISHED, REPORT_PROCESSING_FINISHED (I4).

Other modules call :func:`emit` with the notification's ``Payload`` object; this module wraps it in
Amazon's envelope for every matching subscription and queues it in the backend's outbox. Delivery
(HTTP POST to the URL mapped to the destination's SQS ARN) happens outside the lock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .backend import Backend, Notification


def emit(backend: Backend, seller_id: str, notification_type: str, payload: dict[str, Any],
         event_time: datetime) -> None:
    """Queue ``payload`` (the notification's ``Payload`` object) for the seller's subscribers."""
    backend.notifications.outbox.append(
        Notification(seller_id=seller_id, notification_type=notification_type,
                     payload=payload, created=event_time))
