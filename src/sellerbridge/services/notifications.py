"""ORDER_CHANGE notifications for a connection, as the CLI and the demo use them (B1 push path, A3, A5).

Amazon delivers notifications to an SQS queue (its ARN is the Notifications API *destination*); the
queue's messages must then reach the hub's intake, ``public_base_url + /intake/amazon/{token}``
(``services.intake``), posted by whatever reads the queue. So subscribing needs two things:

- the queue's ARN (``sqs_arn``). Against the local sandbox it defaults to :data:`SANDBOX_QUEUE_ARN`,
  and the sandbox, which stands in for SQS, is told to POST that queue's messages to the
  *destination URL* (default: the hub's intake URL). Against Amazon the ARN is required, and the
  destination URL is only reported: forwarding the queue to it is the operator's set-up.
- the connection's own credentials: :func:`subscribe` refuses a connection that is not active (its
  notifications would be ignored, A5) or has no credentials; :func:`unsubscribe` works for a disabled one.

The subscription Amazon answers is recorded per seller (``db/repositories/intake_guard.py``): the
intake accepts only notifications naming it (issue 9), so subscribing again after an upgrade (it
reuses Amazon's subscription) is what lets a seller's older subscription deliver again.

A connection points at the local sandbox when its LWA token URL lives on its SP-API host (what
``connection add --sandbox`` stores; Amazon's LWA is never on the SP-API host). Results never carry
a secret: the intake token shows masked (A3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ..amazon.regions import ConnectionEndpoints
from ..amazon.transport.auth import SellerCredentials
from ..bootstrap import Hub
from ..db.repositories import connections as repo
from ..db.repositories import intake_guard
from ..db.repositories.connections import ConnectionRecord
from ..domain.common.errors import ConfigError
from ..settings import Settings
from . import connections as connection_service
from .intake import intake_token

INTAKE_PATH = "/intake/amazon/"
SANDBOX_QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:sellerbridge-intake"  # the sandbox has no real queues
DESTINATION_NAME = "sellerbridge"
TOKEN_SHOWN = 4  # leading characters of the intake token shown: enough to tell two hubs apart, useless to a guesser

__all__ = ["SANDBOX_QUEUE_ARN", "OrderChangeSubscription", "OrderChangeUnsubscription", "intake_url",
           "is_local_sandbox", "masked", "subscribe", "unsubscribe"]


@dataclass(frozen=True, slots=True)
class OrderChangeSubscription:
    """What :func:`subscribe` did. ``destination_url`` is masked (A3)."""

    connection: str
    seller_id: str
    sqs_arn: str
    destination_id: str
    subscription_id: str | None
    created: bool  # False: the seller was subscribed already
    delivers_elsewhere: bool  # an earlier subscription sends the changes to another destination
    destination_url: str
    queue_routed: bool  # the local sandbox now posts the queue's messages to destination_url

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class OrderChangeUnsubscription:
    connection: str
    seller_id: str
    subscription_id: str | None  # None: the seller had no ORDER_CHANGE subscription
    destination_id: str | None
    destination_deleted: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def intake_url(settings: Settings) -> str:
    """The hub's ORDER_CHANGE intake URL, secret token included: never print it, use :func:`masked`."""
    return settings.public_base_url.rstrip("/") + INTAKE_PATH + intake_token(settings)


def masked(url: str, settings: Settings) -> str:
    """``url`` with the intake token cut to its first characters (A3)."""
    token = intake_token(settings)
    return url.replace(token, token[:min(TOKEN_SHOWN, len(token) // 4)] + "…") if token else url


def is_local_sandbox(endpoints: ConnectionEndpoints) -> bool:
    return endpoints.lwa_token_url.rstrip("/") == endpoints.api_base_url.rstrip("/") + "/auth/o2/token"


def _seller_access(hub: Hub, record: ConnectionRecord) -> tuple[SellerCredentials, ConnectionEndpoints]:
    with hub.store.uow(read_only=True) as session:
        secrets = repo.get_secrets(session, hub.store.box, record.id)
    if connection_service.is_pending(record) or not (secrets.client_secret and secrets.refresh_token):
        raise ConfigError(f"connection {record.name!r} has no credentials: authorize it first "
                          f"(`sellerbridge connection oauth-url {record.name}`)")
    credentials = SellerCredentials(seller_id=record.seller_id, marketplace_id=record.marketplace_id,
                                    region=record.region, client_id=secrets.client_id,
                                    client_secret=secrets.client_secret, refresh_token=secrets.refresh_token)
    endpoints = ConnectionEndpoints.resolve(record.marketplace_id, api_base_url=record.api_base_url,
                                            lwa_token_url=record.lwa_token_url)
    return credentials, endpoints


def subscribe(hub: Hub, ref: int | str, *, sqs_arn: str | None = None, destination_url: str | None = None,
              destination_name: str = DESTINATION_NAME,
              route_queue: Callable[[str, str, str], None] | None = None) -> OrderChangeSubscription:
    """Create (or reuse) the queue's destination and the seller's ORDER_CHANGE subscription (B1).

    Raises ConfigError when the connection cannot subscribe (not active, no credentials, no queue ARN
    against Amazon), AuthError/AmazonError when LWA or Amazon refuses. Subscribing again is harmless.
    """
    record = connection_service.get_connection(hub, ref)
    if record.status != "active":
        raise ConfigError(f"connection {record.name!r} is {record.status}: the hub ignores its notifications; "
                          f"enable it first (`sellerbridge connection enable {record.name}`)")
    _, endpoints = _seller_access(hub, record)
    sandbox = is_local_sandbox(endpoints)
    url = (destination_url or "").strip() or intake_url(hub.settings)
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"the destination URL must be an http(s) URL, got {masked(url, hub.settings)!r}")
    arn = (sqs_arn or "").strip() or (SANDBOX_QUEUE_ARN if sandbox else "")
    if not arn:
        raise ConfigError("Amazon delivers notifications to an SQS queue: create one whose messages are posted to "
                          f"{masked(url, hub.settings)} and pass its ARN with --sqs-arn")
    # The sandbox's queue routing is the front end's (cli/sandbox_queue.py), passed in as route_queue
    # (api_base_url, arn, url). Route first, so no notification sent after the subscription goes nowhere.
    routed = sandbox and route_queue is not None
    if routed:
        route_queue(endpoints.api_base_url, arn, url)
    result = hub.gateway_for(record.id).subscribe_order_change(arn, destination_name=destination_name)
    if result.subscription_id:  # what the intake will accept from this seller (issue 9)
        with hub.store.uow() as session:
            intake_guard.record_subscription(session, seller_id=record.seller_id,
                                             subscription_id=result.subscription_id,
                                             destination_id=result.destination_id, now=hub.now())
    return OrderChangeSubscription(
        connection=record.name, seller_id=record.seller_id, sqs_arn=arn, destination_id=result.destination_id,
        subscription_id=result.subscription_id, created=result.created, delivers_elsewhere=result.delivers_elsewhere,
        destination_url=masked(url, hub.settings), queue_routed=routed)


def unsubscribe(hub: Hub, ref: int | str, *, delete_destination: bool = False) -> OrderChangeUnsubscription:
    """Delete the seller's ORDER_CHANGE subscription (and, on request, its destination if no other
    subscription uses it). The poll goes on importing every order, minutes later (B1)."""
    record = connection_service.get_connection(hub, ref)
    _seller_access(hub, record)
    # the hub's gateway without gateway_for's "may it run" check: a disabled connection may unsubscribe
    result = hub.gateway_of(record).unsubscribe_order_change(delete_destination=delete_destination)
    with hub.store.uow() as session:  # the intake refuses the seller's notifications from now on
        intake_guard.forget_subscription(session, record.seller_id)
    return OrderChangeUnsubscription(connection=record.name, seller_id=record.seller_id,
                                     subscription_id=result.subscription_id, destination_id=result.destination_id,
                                     destination_deleted=result.destination_deleted)
