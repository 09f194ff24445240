"""Notifications API v1 request rules: destination and subscription validation and rendering (I4).

Kept apart from the HTTP handlers (routes/notifications.py) so the rules read in one place:

- a destination is an SQS queue (``arn:aws:sqs:...``) or an EventBridge account/region, one kind per
  destination, owned by the application (not by a seller); the same ARN twice is 409 Conflict;
- a subscription belongs to (seller, application, notification type): a second one for the same
  type is 409 StateConflict, even to another destination (docs/amazon-quirks.md);
- ``processingDirective`` is accepted for ORDER_CHANGE only (eventFilter with eventFilterType
  ORDER_CHANGE, marketplaceIds, orderChangeTypes; or a filterExpression).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from . import errors, marketplaces, notify
from .backend import Backend, Destination, Subscription

BAD_REQUEST = "Request has missing or invalid parameters and cannot be parsed."
SQS_ARN = re.compile(r"^arn:aws:sqs:\S+:\S+:\S+")
AWS_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
AWS_ACCOUNT = re.compile(r"^\d{12}$")
PAYLOAD_VERSIONS = {
    notify.ORDER_CHANGE: ("1.0",),
    # Amazon takes "1.0" (what the SDKs send) and the payload's own version for these two.
    notify.FEED_PROCESSING_FINISHED: ("1.0", "2020-09-04"),
    notify.REPORT_PROCESSING_FINISHED: ("1.0", "2020-09-04"),
}
ORDER_CHANGE_TYPES = ("BuyerRequestedChange", "DeliveryTipChange", "OrderStatusChange")


def bad(details: str) -> errors.SpApiError:
    return errors.invalid_input(BAD_REQUEST, details)


def check_type(notification_type: str) -> str:
    if notification_type not in notify.SUPPORTED_TYPES:
        raise bad(f"'{notification_type}' is not a notificationType the sandbox serves; "
                  f"supported: {', '.join(notify.SUPPORTED_TYPES)}.")
    return notification_type


# --- destinations ----------------------------------------------------------------------------

def render_destination(dest: Destination) -> dict[str, Any]:
    return {"name": dest.name, "destinationId": dest.destination_id, "resource": dest.resource}


def _resource(spec: Any, client_id: str) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise bad("resourceSpecification is required and must be an object.")
    kinds = [k for k in ("sqs", "eventBridge") if spec.get(k) is not None]
    if len(kinds) != 1:
        raise bad("resourceSpecification takes exactly one of sqs or eventBridge.")
    if kinds == ["sqs"]:
        sqs = spec["sqs"]
        arn = sqs.get("arn") if isinstance(sqs, dict) else None
        if not isinstance(arn, str) or len(arn) > 1000 or not SQS_ARN.match(arn):
            raise bad("sqs.arn must be an SQS queue ARN (arn:aws:sqs:region:account:queue).")
        return {"sqs": {"arn": arn}}
    eb = spec["eventBridge"]
    if not isinstance(eb, dict):
        raise bad("eventBridge must be an object with region and accountId.")
    region, account = eb.get("region"), eb.get("accountId")
    if not isinstance(region, str) or not AWS_REGION.match(region):
        raise bad("eventBridge.region must be an AWS region such as us-east-1.")
    if not isinstance(account, str) or not AWS_ACCOUNT.match(account):
        raise bad("eventBridge.accountId must be a 12-digit AWS account id.")
    # The partner event source Amazon creates in that account for the application.
    name = f"aws.partner/sellingpartnerapi.amazon.com/{account}/{client_id}"
    return {"eventBridge": {"name": name, "region": region, "accountId": account}}


def create_destination(backend: Backend, client_id: str, body: dict[str, Any]) -> Destination:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise bad("name is required.")
    if len(name) > 256:
        raise bad("name is longer than 256 characters.")
    resource = _resource(body.get("resourceSpecification"), client_id)
    for other in backend.notifications.destinations.values():
        if other.client_id == client_id and other.resource == resource:
            key = resource.get("sqs", {}).get("arn") or resource["eventBridge"]["name"]
            raise errors.SpApiError(409, "Conflict", "The requested resource conflict with a resource in the server.",
                                    f"A destination with arn {key} already exists for the application {client_id}")
    dest = Destination(str(uuid.uuid4()), client_id, name, resource)
    backend.notifications.destinations[dest.destination_id] = dest
    return dest


def destination_of(backend: Backend, client_id: str, destination_id: str) -> Destination:
    dest = backend.notifications.destinations.get(destination_id)
    if dest is None or dest.client_id != client_id:
        raise errors.not_found("The resource specified does not exist.",
                               f"No destination with id {destination_id} for applicationId {client_id}")
    return dest


def delete_destination(backend: Backend, client_id: str, destination_id: str) -> None:
    dest = destination_of(backend, client_id, destination_id)
    hub = backend.notifications
    if any(s.destination_id == dest.destination_id for s in hub.subscriptions.values()):
        # Amazon's answer, word for word: a 403 with code Unauthorized (docs/amazon-quirks.md).
        raise errors.SpApiError(403, "Unauthorized", "The requested action is forbidden.",
                                "Destination has subscriptions")
    del hub.destinations[dest.destination_id]


# --- subscriptions ---------------------------------------------------------------------------

def render_subscription(sub: Subscription) -> dict[str, Any]:
    out: dict[str, Any] = {"subscriptionId": sub.subscription_id, "payloadVersion": sub.payload_version,
                           "destinationId": sub.destination_id}
    if sub.processing_directive is not None:
        out["processingDirective"] = sub.processing_directive
    return out


def _string_list(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad(f"{name} must be an array of strings.")
    return value


def _directive(notification_type: str, raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    if notification_type != notify.ORDER_CHANGE:
        raise bad(f"processingDirective is not supported for notificationType {notification_type}.")
    if not isinstance(raw, dict):
        raise bad("processingDirective must be an object.")
    event_filter, expression = raw.get("eventFilter"), raw.get("filterExpression")
    if event_filter is not None and expression is not None:
        raise bad("eventFilter and filterExpression are mutually exclusive.")
    if expression is not None:
        if not isinstance(expression, str) or not 1 <= len(expression) <= 256:
            raise bad("filterExpression must be a string of 1 to 256 characters.")
        return {"filterExpression": expression}
    if event_filter is None:
        return {}
    if not isinstance(event_filter, dict):
        raise bad("eventFilter must be an object.")
    if event_filter.get("eventFilterType") != notify.ORDER_CHANGE:
        raise bad("eventFilter.eventFilterType must be ORDER_CHANGE for this notificationType.")
    if event_filter.get("aggregationSettings") is not None:
        raise bad("aggregationSettings is not supported for ORDER_CHANGE.")
    out: dict[str, Any] = {"eventFilterType": notify.ORDER_CHANGE}
    if event_filter.get("marketplaceIds") is not None:
        ids = _string_list(event_filter["marketplaceIds"], "eventFilter.marketplaceIds")
        unknown = [m for m in ids if m not in marketplaces.MARKETPLACES]
        if unknown:
            raise bad(f"Unknown marketplaceIds: {', '.join(unknown)}.")
        out["marketplaceIds"] = ids
    if event_filter.get("orderChangeTypes") is not None:
        kinds = _string_list(event_filter["orderChangeTypes"], "eventFilter.orderChangeTypes")
        wrong = [k for k in kinds if k not in ORDER_CHANGE_TYPES]
        if wrong:
            raise bad(f"orderChangeTypes must be among {', '.join(ORDER_CHANGE_TYPES)}.")
        out["orderChangeTypes"] = kinds
    return {"eventFilter": out}


def find_subscription(backend: Backend, seller_id: str, client_id: str,
                      notification_type: str) -> Subscription | None:
    for sub in backend.notifications.subscriptions.values():
        if (sub.seller_id, sub.client_id, sub.notification_type) == (seller_id, client_id, notification_type):
            return sub
    return None


def create_subscription(backend: Backend, seller_id: str, client_id: str, notification_type: str,
                        body: dict[str, Any]) -> Subscription:
    version, destination_id = body.get("payloadVersion"), body.get("destinationId")
    if not isinstance(version, str) or not version:
        raise bad("payloadVersion is required.")
    if version not in PAYLOAD_VERSIONS[notification_type]:
        raise bad(f"payloadVersion {version} is not valid for {notification_type}; "
                  f"valid: {', '.join(PAYLOAD_VERSIONS[notification_type])}.")
    if not isinstance(destination_id, str) or not destination_id:
        raise bad("destinationId is required.")
    directive = _directive(notification_type, body.get("processingDirective"))
    dest = backend.notifications.destinations.get(destination_id)
    if dest is None or dest.client_id != client_id:
        raise bad(f"No destination with id {destination_id} for applicationId {client_id}")
    if find_subscription(backend, seller_id, client_id, notification_type) is not None:
        raise errors.SpApiError(409, "StateConflict", "The resource specified conflicts with the current state.",
                                f"Subscription already exist for notification type {notification_type}")
    sub = Subscription(str(uuid.uuid4()), seller_id, client_id, notification_type, destination_id,
                       version, directive or None)
    backend.notifications.subscriptions[sub.subscription_id] = sub
    return sub


def subscription_by_id(backend: Backend, client_id: str, notification_type: str,
                       subscription_id: str) -> Subscription:
    sub = backend.notifications.subscriptions.get(subscription_id)
    if sub is None or sub.client_id != client_id or sub.notification_type != notification_type:
        raise errors.not_found("The resource specified does not exist.",
                               f"No subscription with id {subscription_id} for {notification_type}")
    return sub
