"""Subscribing a seller to ORDER_CHANGE notifications (B1 push path; docs/amazon-quirks.md "Notifications").

Amazon delivers notifications to an SQS queue named by its ARN. Two calls of the Notifications API v1:

1. ``createDestination`` is *grantless*: an LWA token bought with ``client_credentials`` and the
   scope ``sellingpartnerapi::notifications``, not the seller's refresh token. A destination
   for the same ARN that already exists answers 409 with its id in the message; then the
   existing one is looked up with ``getDestinations`` (also grantless) and reused.
2. ``createSubscription`` for ``ORDER_CHANGE`` with the seller's token. A second subscription of the
   same type answers 409: the seller is subscribed already; ``getSubscription`` then names that
   subscription and its destination, which may be another queue than the one asked for.

Unsubscribing finds the seller's subscription (``getSubscription``, seller's token) and deletes it
by id (``deleteSubscriptionById``, grantless). The destination is the application's, shared by every
seller subscribed to that queue: it is deleted only on request, and Amazon refuses (403) while any
subscription still uses it.

The local sandbox has no SQS: :func:`route_sandbox_queue` maps a queue ARN to an HTTP URL there
(``POST /_sandbox/sqs``, not an Amazon API). Secrets never appear in a message (A3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from ...domain.common.clock import Clock
from ..errors import AmazonError
from ..regions import ConnectionEndpoints
from ..transport.auth import LwaTokenCache, SellerCredentials

NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"
ORDER_CHANGE = "ORDER_CHANGE"

__all__ = ["NOTIFICATIONS_SCOPE", "ORDER_CHANGE", "Subscription", "Unsubscription", "route_sandbox_queue",
           "subscribe_order_change", "unsubscribe_order_change"]


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


def _fail(operation: str, response: httpx.Response) -> AmazonError:
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        errors = []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    return AmazonError(f"{operation} answered HTTP {response.status_code}: {first.get('code', '')} "
                       f"{first.get('message', '')}".strip(), retryable=response.status_code >= 500,
                       status=response.status_code, code=first.get("code"), operation=operation, errors=errors)


def _destination_for(http: httpx.Client, base: str, token: str, arn: str, name: str) -> str:
    headers = {"x-amz-access-token": token}
    r = http.post(f"{base}/notifications/v1/destinations", headers=headers,
                  json={"name": name, "resourceSpecification": {"sqs": {"arn": arn}}})
    if r.status_code == 200:
        return str(r.json()["payload"]["destinationId"])
    if r.status_code != 409:
        raise _fail("createDestination", r)
    listed = http.get(f"{base}/notifications/v1/destinations", headers=headers)
    if listed.status_code != 200:
        raise _fail("getDestinations", listed)
    for destination in listed.json().get("payload") or []:
        sqs = (destination.get("resource") or {}).get("sqs") or {}
        if sqs.get("arn") == arn:
            return str(destination["destinationId"])
    raise _fail("createDestination", r)


def _grantless(credentials: SellerCredentials, endpoints: ConnectionEndpoints, http: httpx.Client,
               clock: Clock) -> LwaTokenCache:
    return LwaTokenCache(credentials.client_id, credentials.client_secret, None, endpoints.lwa_token_url, http,
                         clock, scope=NOTIFICATIONS_SCOPE)


def _seller(credentials: SellerCredentials, endpoints: ConnectionEndpoints, http: httpx.Client,
            clock: Clock) -> LwaTokenCache:
    return LwaTokenCache(credentials.client_id, credentials.client_secret, credentials.refresh_token,
                         endpoints.lwa_token_url, http, clock)


def _current_subscription(http: httpx.Client, base: str, seller_token: str) -> dict[str, Any] | None:
    """The seller's ORDER_CHANGE subscription for this application (``getSubscription``), None without one."""
    r = http.get(f"{base}/notifications/v1/subscriptions/{ORDER_CHANGE}", params={"payloadVersion": "1.0"},
                 headers={"x-amz-access-token": seller_token})
    if r.status_code == 404:
        return None
    if r.status_code != 200:
        raise _fail("getSubscription", r)
    payload = r.json().get("payload")
    return payload if isinstance(payload, dict) else None


def subscribe_order_change(credentials: SellerCredentials, endpoints: ConnectionEndpoints, sqs_arn: str, *,
                           clock: Clock, destination_name: str = "sellerbridge",
                           http: httpx.Client | None = None) -> Subscription:
    """Create (or reuse) the SQS destination and subscribe the seller to ORDER_CHANGE (B1).

    Raises AuthError when LWA refuses a token, AmazonError when Amazon refuses a call.
    """
    own = http is None
    client = http or httpx.Client(timeout=30)
    base = endpoints.api_base_url.rstrip("/")
    try:
        destination_id = _destination_for(client, base, _grantless(credentials, endpoints, client, clock)
                                          .get_lwa_access_token(), sqs_arn, destination_name)
        seller_token = _seller(credentials, endpoints, client, clock).get_lwa_access_token()
        body: dict[str, Any] = {"payloadVersion": "1.0", "destinationId": destination_id}
        r = client.post(f"{base}/notifications/v1/subscriptions/{ORDER_CHANGE}",
                        headers={"x-amz-access-token": seller_token}, json=body)
        if r.status_code == 409:
            existing = _current_subscription(client, base, seller_token) or {}
            return Subscription(destination_id, str(existing.get("subscriptionId") or "") or None, created=False,
                                subscribed_destination_id=str(existing.get("destinationId") or "") or None)
        if r.status_code != 200:
            raise _fail("createSubscription", r)
        return Subscription(destination_id, str(r.json()["payload"].get("subscriptionId") or "") or None,
                            subscribed_destination_id=destination_id)
    finally:
        if own:
            client.close()


def unsubscribe_order_change(credentials: SellerCredentials, endpoints: ConnectionEndpoints, *, clock: Clock,
                             delete_destination: bool = False, http: httpx.Client | None = None) -> Unsubscription:
    """Delete the seller's ORDER_CHANGE subscription; with ``delete_destination`` its destination too,
    unless other subscriptions still use it (Amazon's 403: kept). Nothing subscribed is not an error."""
    own = http is None
    client = http or httpx.Client(timeout=30)
    base = endpoints.api_base_url.rstrip("/")
    try:
        current = _current_subscription(client, base, _seller(credentials, endpoints, client, clock)
                                        .get_lwa_access_token())
        if current is None:
            return Unsubscription(None, None)
        subscription_id, destination_id = str(current["subscriptionId"]), str(current.get("destinationId") or "")
        headers = {"x-amz-access-token": _grantless(credentials, endpoints, client, clock).get_lwa_access_token()}
        r = client.delete(f"{base}/notifications/v1/subscriptions/{ORDER_CHANGE}/{subscription_id}",
                          headers=headers)
        if r.status_code not in (200, 204, 404):  # 404: deleted meanwhile, which is what was wanted
            raise _fail("deleteSubscriptionById", r)
        deleted = False
        if delete_destination and destination_id:
            r = client.delete(f"{base}/notifications/v1/destinations/{destination_id}", headers=headers)
            if r.status_code not in (200, 204, 403, 404):  # 403: still used by other sellers' subscriptions
                raise _fail("deleteDestination", r)
            deleted = r.status_code in (200, 204)
        return Unsubscription(subscription_id, destination_id or None, deleted)
    finally:
        if own:
            client.close()


def route_sandbox_queue(sandbox_url: str, sqs_arn: str, url: str | None, *, http: httpx.Client | None = None) -> None:
    """The local sandbox only: deliver what Amazon sends to ``sqs_arn`` to ``url`` (None: stop).

    The sandbox stands in for SQS with an HTTP POST per notification (docs/sandbox.md); real Amazon
    needs a queue and a forwarder instead. Raises AmazonError when the sandbox refuses.
    """
    client = http or httpx.Client(timeout=30)
    try:
        r = client.post(f"{sandbox_url.rstrip('/')}/_sandbox/sqs", json={"arn": sqs_arn, "url": url})
    except httpx.HTTPError as exc:
        raise AmazonError(f"the sandbox could not be reached ({type(exc).__name__})", retryable=True,
                          operation="sandboxSqs") from None
    finally:
        if http is None:
            client.close()
    if r.status_code != 200:
        raise AmazonError(f"the sandbox refused to route the queue (HTTP {r.status_code}): it is not a local "
                          "sellerbridge sandbox", retryable=False, status=r.status_code, operation="sandboxSqs")
