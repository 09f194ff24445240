"""``sellerbridge connection subscribe|unsubscribe NAME``: the seller's ORDER_CHANGE notifications (B1, I1).

Registered under ``connection`` (cli/connection.py). What is printed names Amazon's ids and the
queue; the intake token shows masked and no secret is printed (A3). Exit 0 done, 1 Amazon or LWA
refused (the domain's ``UpstreamError``, which Amazon's errors are; or the seller is subscribed to
another queue), 2 configuration.
"""

from __future__ import annotations

import typer

from ..domain.common.errors import UpstreamError
from ..services import notifications
from . import context
from .context import EXIT_FAILED, console, handles_errors, print_fields, print_json
from .sandbox_queue import route_sandbox_queue


@handles_errors
def subscribe(
    name: str = typer.Argument(..., help="connection name or id"),
    sqs_arn: str | None = typer.Option(None, "--sqs-arn", help="the SQS queue Amazon sends to (required against "
                                       "Amazon; the local sandbox has a default)"),
    destination_url: str | None = typer.Option(None, "--destination-url", help="where the queue's messages go "
                                               "(default: the hub's intake, SELLERBRIDGE_PUBLIC_BASE_URL + "
                                               "/intake/amazon/{token}); the sandbox is told to post there"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Subscribe the seller to ORDER_CHANGE through Amazon's Notifications API (push path, B1)."""
    with context.hub() as hub:
        try:
            result = notifications.subscribe(hub, name, sqs_arn=sqs_arn, destination_url=destination_url,
                                             route_queue=route_sandbox_queue)
        except UpstreamError as exc:  # Amazon's, AuthError included: the message names the cause, never a secret
            context.fail(str(exc), EXIT_FAILED)
    if as_json:
        print_json(result.as_dict())
    else:
        console.print(f"ORDER_CHANGE of {result.connection} (seller {result.seller_id}): "
                      + ("subscribed" if result.created else "already subscribed"), highlight=False)
        print_fields({"destination id": result.destination_id, "subscription id": result.subscription_id,
                      "queue (SQS ARN)": result.sqs_arn, "delivered to": result.destination_url})
        if result.queue_routed:
            console.print("the sandbox posts the queue's messages to that URL", style="dim", highlight=False)
        else:
            console.print("have the queue's messages posted to that URL (an SQS forwarder)", style="dim",
                          highlight=False)
    if result.delivers_elsewhere:
        context.err_console.print(
            f"[yellow]warning[/yellow]: the seller's existing subscription delivers to another destination; run "
            f"`sellerbridge connection unsubscribe {result.connection}` first to move it to this queue",
            highlight=False)
        raise typer.Exit(EXIT_FAILED)


@handles_errors
def unsubscribe(
    name: str = typer.Argument(..., help="connection name or id"),
    delete_destination: bool = typer.Option(False, "--delete-destination", help="also delete the queue's "
                                            "destination (Amazon keeps it while other sellers use it)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Stop the seller's ORDER_CHANGE notifications; the poll keeps importing every order (B1)."""
    with context.hub() as hub:
        try:
            result = notifications.unsubscribe(hub, name, delete_destination=delete_destination)
        except UpstreamError as exc:
            context.fail(str(exc), EXIT_FAILED)
    if as_json:
        print_json(result.as_dict())
    elif result.subscription_id is None:
        console.print(f"{result.connection}: the seller had no ORDER_CHANGE subscription", highlight=False)
    else:
        kept = "deleted" if result.destination_deleted else "kept"
        console.print(f"{result.connection}: ORDER_CHANGE subscription {result.subscription_id} deleted; "
                      f"destination {result.destination_id} {kept}", highlight=False)
