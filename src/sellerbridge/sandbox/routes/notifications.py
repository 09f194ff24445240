"""Notifications API v1: destinations and subscriptions (I4, H3's source of Amazon events).

Who may call what, as Amazon has it:

- destinations (create/get/list/delete) are **grantless only**: a ``client_credentials`` token with
  scope ``sellingpartnerapi::notifications``; a seller's token is refused 403;
- createSubscription, getSubscription and getSubscriptions need the seller's authorization
  (a grantless token is refused 403);
- getSubscriptionById and deleteSubscriptionById are documented as grantless, and the community
  client calls them with the seller's token, so both are taken; either way they see the
  application's own subscriptions only.

Answers are ``{"payload": ...}`` (``{}`` for the deletes) as notifications.json declares. The
sandbox serves the three notification types it emits (ORDER_CHANGE, FEED_PROCESSING_FINISHED,
REPORT_PROCESSING_FINISHED); others are 400. The rules live in ``notifications_store``.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from .. import errors
from .. import notifications_store as store
from ..operation import Ctx, operation

NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"
BASE = "/notifications/v1"


def _grantless_client(ctx: Ctx) -> str:
    """The application behind a grantless notifications token; anything else is 403."""
    if ctx.token.seller_id is not None:
        raise errors.unauthorized("This operation is grantless: call it with a client_credentials token "
                                  f"of scope {NOTIFICATIONS_SCOPE}.")
    _check_scope(ctx)
    return ctx.token.client_id


def _check_scope(ctx: Ctx) -> None:
    if ctx.token.seller_id is None and NOTIFICATIONS_SCOPE not in (ctx.token.scope or "").split():
        raise errors.unauthorized(f"The grantless token does not carry the scope {NOTIFICATIONS_SCOPE}.")


def _seller_id(ctx: Ctx) -> str:
    if ctx.token.is_rdt:
        raise errors.unauthorized("A Restricted Data Token does not grant access to this resource.")
    return ctx.require_seller().seller_id


# --- destinations (grantless) ----------------------------------------------------------------

@operation("createDestination", grantless_ok=True)
async def create_destination(ctx: Ctx) -> dict[str, Any]:
    client_id = _grantless_client(ctx)
    dest = store.create_destination(ctx.backend, client_id, await ctx.json_body())
    return {"payload": store.render_destination(dest)}


@operation("getDestinations", grantless_ok=True)
async def get_destinations(ctx: Ctx) -> dict[str, Any]:
    client_id = _grantless_client(ctx)
    dests = [d for d in ctx.backend.notifications.destinations.values() if d.client_id == client_id]
    return {"payload": [store.render_destination(d) for d in dests]}


@operation("getDestination", grantless_ok=True)
async def get_destination(ctx: Ctx) -> dict[str, Any]:
    client_id = _grantless_client(ctx)
    dest = store.destination_of(ctx.backend, client_id, ctx.path["destinationId"])
    return {"payload": store.render_destination(dest)}


@operation("deleteDestination", grantless_ok=True)
async def delete_destination(ctx: Ctx) -> dict[str, Any]:
    client_id = _grantless_client(ctx)
    store.delete_destination(ctx.backend, client_id, ctx.path["destinationId"])
    return {}


# --- subscriptions ---------------------------------------------------------------------------

@operation("createSubscription")
async def create_subscription(ctx: Ctx) -> dict[str, Any]:
    seller_id = _seller_id(ctx)
    notification_type = store.check_type(ctx.path["notificationType"])
    body = await ctx.json_body()
    sub = store.create_subscription(ctx.backend, seller_id, ctx.token.client_id, notification_type, body)
    return {"payload": store.render_subscription(sub)}


@operation("getSubscription")
async def get_subscription(ctx: Ctx) -> dict[str, Any]:
    seller_id = _seller_id(ctx)
    notification_type = store.check_type(ctx.path["notificationType"])
    version = ctx.query("payloadVersion")
    sub = store.find_subscription(ctx.backend, seller_id, ctx.token.client_id, notification_type)
    if sub is None or (version is not None and sub.payload_version != version):
        raise errors.not_found("The resource specified does not exist.",
                               f"No subscription for notification type {notification_type}")
    return {"payload": store.render_subscription(sub)}


@operation("getSubscriptions")
async def get_subscriptions(ctx: Ctx) -> dict[str, Any]:
    seller_id = _seller_id(ctx)
    types = ctx.query_list("notificationTypes")
    if not types:
        raise store.bad("notificationTypes is required.")
    if len(types) > 1:
        raise store.bad("notificationTypes takes a single notification type.")
    notification_type = store.check_type(types[0])
    raw_size = ctx.query("pageSize")
    if raw_size is not None:
        try:
            size = int(raw_size)
        except ValueError:
            raise store.bad("pageSize must be an integer.") from None
        if not 30 <= size <= 100:
            raise store.bad("pageSize must be between 30 and 100.")
    if ctx.query("nextToken") is not None:
        # The sandbox never hands out a nextToken (one subscription per type), so any is invalid.
        raise store.bad("Invalid nextToken.")
    version = ctx.query("payloadVersion")
    sub = store.find_subscription(ctx.backend, seller_id, ctx.token.client_id, notification_type)
    subs = [sub] if sub is not None and version in (None, sub.payload_version) else []
    return {"payload": {"subscriptions": [store.render_subscription(s) for s in subs]}}


@operation("getSubscriptionById", grantless_ok=True)
async def get_subscription_by_id(ctx: Ctx) -> dict[str, Any]:
    _check_scope(ctx)
    notification_type = store.check_type(ctx.path["notificationType"])
    sub = store.subscription_by_id(ctx.backend, ctx.token.client_id, notification_type, ctx.path["subscriptionId"])
    return {"payload": store.render_subscription(sub)}


@operation("deleteSubscriptionById", grantless_ok=True)
async def delete_subscription_by_id(ctx: Ctx) -> dict[str, Any]:
    _check_scope(ctx)
    notification_type = store.check_type(ctx.path["notificationType"])
    sub = store.subscription_by_id(ctx.backend, ctx.token.client_id, notification_type, ctx.path["subscriptionId"])
    del ctx.backend.notifications.subscriptions[sub.subscription_id]
    return {}


routes = [
    Route(f"{BASE}/destinations", create_destination, methods=["POST"]),
    Route(f"{BASE}/destinations", get_destinations, methods=["GET"]),
    Route(f"{BASE}/destinations/{{destinationId}}", get_destination, methods=["GET"]),
    Route(f"{BASE}/destinations/{{destinationId}}", delete_destination, methods=["DELETE"]),
    Route(f"{BASE}/subscriptions", get_subscriptions, methods=["GET"]),
    Route(f"{BASE}/subscriptions/{{notificationType}}", create_subscription, methods=["POST"]),
    Route(f"{BASE}/subscriptions/{{notificationType}}", get_subscription, methods=["GET"]),
    Route(f"{BASE}/subscriptions/{{notificationType}}/{{subscriptionId}}", get_subscription_by_id,
          methods=["GET"]),
    Route(f"{BASE}/subscriptions/{{notificationType}}/{{subscriptionId}}", delete_subscription_by_id,
          methods=["DELETE"]),
]
