"""Subscribing a seller to ORDER_CHANGE notifications (B1 push path; docs/amazon-quirks.md "Notifications").

Amazon delivers notifications to an SQS queue named by its ARN, through the Notifications API v1.
Every call goes the gateway's one way (``transport/session.py``): the hub's budget for the operation,
retries, the call log. Who each call speaks for:

1. ``createDestination`` is *grantless*: a ``client_credentials`` token with the scope
   ``sellingpartnerapi::notifications``, not the seller's refresh token (the gateway's grantless
   token cache). A destination for the same ARN that already exists answers 409; the existing one is
   then looked up with ``getDestinations`` (also grantless) and reused.
2. ``createSubscription`` for ``ORDER_CHANGE`` with the seller's token. A second subscription of the
   same type answers 409: the seller is subscribed already; ``getSubscription`` (seller's token)
   then names that subscription and its destination, which may be another queue than the one asked for.

Unsubscribing finds the seller's subscription (``getSubscription``) and deletes it by id
(``deleteSubscriptionById``, grantless). The destination is the application's, shared by every
seller subscribed to that queue: it is deleted only on request, and Amazon refuses (403) while any
subscription still uses it. Secrets never appear in a message (A3).

The local sandbox stands in for SQS with a control call of its own; that is not Amazon's API and
lives with the command line (``cli/sandbox_queue.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import AmazonError
from ..transport.session import SpApiSession, data_of, refused

NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"
ORDER_CHANGE = "ORDER_CHANGE"
PAYLOAD_VERSION = "1.0"  # ORDER_CHANGE's payload version (its PascalCase envelope)

__all__ = ["NOTIFICATIONS_SCOPE", "ORDER_CHANGE", "NotificationsApi", "Subscription", "Unsubscription"]


@dataclass(frozen=True, slots=True)
class Subscription:
    """The destination of the queue asked for, and the seller's ORDER_CHANGE subscription."""

    destination_id: str
    subscription_id: str | None  # the new one; or the existing one (None if Amazon did not name it)
    created: bool = True  # False: the seller was subscribed already (409)
    subscribed_destination_id: str | None = None  # where the subscription delivers (the existing one's)

    @property
    def delivers_elsewhere(self) -> bool:
        """An earlier subscription sends the seller's changes to another destination than the one asked for."""
        return self.subscribed_destination_id not in (None, self.destination_id)


@dataclass(frozen=True, slots=True)
class Unsubscription:
    subscription_id: str | None  # the subscription deleted; None when the seller had none
    destination_id: str | None  # the destination it delivered to
    destination_deleted: bool = False


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


class NotificationsApi(SpApiSession):
    """The seller's ORDER_CHANGE subscription (see the module's rules)."""

    def subscribe_order_change(self, sqs_arn: str, *, destination_name: str = "sellerbridge") -> Subscription:
        """Create (or reuse) the SQS destination and subscribe the seller to ORDER_CHANGE (B1).

        Raises AuthError when LWA refuses a token, AmazonError when Amazon refuses a call.
        """
        destination_id = self._destination_for(sqs_arn, destination_name)
        body = {"payloadVersion": PAYLOAD_VERSION, "destinationId": destination_id}
        try:
            answer = self._call("createSubscription", ORDER_CHANGE, body)
        except AmazonError as exc:
            if not refused(exc, 409):
                raise
            existing = self._current_subscription() or {}
            return Subscription(destination_id, _text(existing.get("subscriptionId")), created=False,
                                subscribed_destination_id=_text(existing.get("destinationId")))
        payload = data_of(answer).get("payload")
        subscription_id = _text(payload.get("subscriptionId")) if isinstance(payload, dict) else None
        return Subscription(destination_id, subscription_id, subscribed_destination_id=destination_id)

    def unsubscribe_order_change(self, *, delete_destination: bool = False) -> Unsubscription:
        """Delete the seller's ORDER_CHANGE subscription; with ``delete_destination`` its destination too,
        unless other subscriptions still use it (Amazon's 403: kept). Nothing subscribed is not an error."""
        current = self._current_subscription()
        if current is None:
            return Unsubscription(None, None)
        subscription_id, destination_id = str(current.get("subscriptionId")), _text(current.get("destinationId"))
        try:
            self._call("deleteSubscriptionById", subscription_id, ORDER_CHANGE, grantless=NOTIFICATIONS_SCOPE)
        except AmazonError as exc:
            if not refused(exc, 404):  # 404: deleted meanwhile, which is what was wanted
                raise
        deleted = False
        if delete_destination and destination_id:
            try:
                self._call("deleteDestination", destination_id, grantless=NOTIFICATIONS_SCOPE)
                deleted = True
            except AmazonError as exc:
                if not refused(exc, 403, 404):  # 403: other sellers' subscriptions still use it
                    raise
        return Unsubscription(subscription_id, destination_id, deleted)

    def _destination_for(self, arn: str, name: str) -> str:
        body = {"name": name, "resourceSpecification": {"sqs": {"arn": arn}}}
        try:
            payload = data_of(self._call("createDestination", body, grantless=NOTIFICATIONS_SCOPE)).get("payload")
        except AmazonError as exc:
            if not refused(exc, 409):
                raise
            found = self._destination_of(arn)
            if found is None:  # a conflict for an ARN the application does not list: Amazon's own answer stands
                raise
            return found
        destination_id = _text(payload.get("destinationId")) if isinstance(payload, dict) else None
        if destination_id is None:
            raise AmazonError("createDestination answered without a destinationId", retryable=True,
                              operation="createDestination")
        return destination_id

    def _destination_of(self, arn: str) -> str | None:
        listed = data_of(self._call("getDestinations", grantless=NOTIFICATIONS_SCOPE)).get("payload")
        for destination in listed if isinstance(listed, list) else []:
            resource = destination.get("resource") if isinstance(destination, dict) else None
            sqs = resource.get("sqs") if isinstance(resource, dict) else None
            if isinstance(sqs, dict) and sqs.get("arn") == arn:
                return _text(destination.get("destinationId"))
        return None

    def _current_subscription(self) -> dict[str, Any] | None:
        """The seller's ORDER_CHANGE subscription for this application (``getSubscription``), None without one."""
        try:
            answer = self._call("getSubscription", ORDER_CHANGE, payload_version=PAYLOAD_VERSION)
        except AmazonError as exc:
            if refused(exc, 404):
                return None
            raise
        payload = data_of(answer).get("payload")
        return payload if isinstance(payload, dict) else None
