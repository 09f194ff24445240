"""Subscribing a seller to ORDER_CHANGE notifications (B1 push path; docs/amazon-quirks.md "Notifications").

Amazon delivers notifications to an SQS queue named by its ARN. Two calls of the Notifications API v1:

1. ``createDestination`` is *grantless*: an LWA token bought with ``client_credentials`` and the
   scope ``sellingpartnerapi::notifications``, not the seller's refresh token. A destination
   for the same ARN that already exists answers 409 with its id in the message; then the
   existing one is looked up with ``getDestinations`` (also grantless) and reused.
2. ``createSubscription`` for ``ORDER_CHANGE`` with the seller's token. A second subscription of the
   same type answers 409: the seller is subscribed already, which is what was wanted.

Secrets never appear in a message (A3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from .auth import LwaTokenCache, SellerCredentials
from .clock import Clock
from .errors import AmazonError
from .regions import ConnectionEndpoints

NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"
ORDER_CHANGE = "ORDER_CHANGE"

__all__ = ["NOTIFICATIONS_SCOPE", "ORDER_CHANGE", "Subscription", "subscribe_order_change"]


@dataclass(frozen=True, slots=True)
class Subscription:
    destination_id: str
    subscription_id: str | None  # None when Amazon said the seller was subscribed already


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
        grantless = LwaTokenCache(credentials.client_id, credentials.client_secret, None, endpoints.lwa_token_url,
                                  client, clock, scope=NOTIFICATIONS_SCOPE)
        destination_id = _destination_for(client, base, grantless.get_lwa_access_token(), sqs_arn,
                                          destination_name)
        seller = LwaTokenCache(credentials.client_id, credentials.client_secret, credentials.refresh_token,
                               endpoints.lwa_token_url, client, clock)
        body: dict[str, Any] = {"payloadVersion": "1.0", "destinationId": destination_id}
        r = client.post(f"{base}/notifications/v1/subscriptions/{ORDER_CHANGE}",
                        headers={"x-amz-access-token": seller.get_lwa_access_token()}, json=body)
        if r.status_code == 409:
            return Subscription(destination_id, None)
        if r.status_code != 200:
            raise _fail("createSubscription", r)
        return Subscription(destination_id, str(r.json()["payload"].get("subscriptionId") or "") or None)
    finally:
        if own:
            client.close()
