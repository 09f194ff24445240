"""``sellerbridge deliveries list|show|redeliver|ack`` (B14, H1).

``redeliver`` makes deliveries due again and runs the connection's ``deliveries`` job here (or follows
the worker that holds it), as ``sync`` does; ``ack`` is a file receiver's acknowledgement by batch name.
"""

from __future__ import annotations

import typer
from rich.table import Table

from ..jobs import manage
from ..services import deliveries as service
from . import context
from .context import console, fail, handles_errors, id_argument, print_fields, print_json
from .run_output import exit_code, summary_table

app = typer.Typer(no_args_is_help=True, help="Deliveries to the warehouse: list, attempts, redeliver, ack.")


@app.command("list")
@handles_errors
def list_(status: str | None = typer.Option(None, help="pending | sent | acknowledged | failed | skipped | all"),
          connection: str | None = typer.Option(None, "--connection", "-c"),
          receiver: str | None = typer.Option(None, help="the receiver's id or name"),
          order: int | None = typer.Option(None, min=1, help="the hub's order id"),
          limit: int = typer.Option(100, min=1, max=500), as_json: bool = typer.Option(False, "--json")) -> None:
    with context.hub() as hub:
        page = service.list_deliveries(hub, status=status, connection=connection, receiver=receiver, order=order,
                                       limit=limit)
    if as_json:
        print_json(page)
        return
    table = Table("id", "receiver", "topic", "order", "status", "attempts", "next attempt", "batch",
                  title=f"{len(page['items'])} of {page['total']} deliveries")
    for d in page["items"]:
        table.add_row(str(d["id"]), str(d["receiver_id"]), d["topic"], str(d["order_id"] or ""), d["status"],
                      str(d["attempts"]), (d["next_attempt_at"] or "")[:19], d["batch_name"] or "")
    console.print(table)


@app.command("show")
@handles_errors
def show(delivery_id: int = id_argument("delivery"), as_json: bool = typer.Option(False, "--json")) -> None:
    """The delivery and every attempt (status, duration, the answer's redacted excerpt)."""
    with context.hub() as hub:
        data = service.show(hub, delivery_id)
    if as_json:
        print_json(data)
        return
    attempts = data.pop("attempt_log")
    print_fields(data)
    table = Table("at", "ok", "status", "ms", "excerpt", title=f"{len(attempts)} attempts")
    for a in attempts:
        table.add_row(a["at"][:19], "yes" if a["ok"] else "no", str(a["status"] or "-"), str(a["duration_ms"]),
                      (a["excerpt"] or "")[:80])
    console.print(table)


@app.command("redeliver")
@handles_errors
def redeliver(delivery_id: int | None = typer.Argument(None, min=1, help="one delivery's id"),
              receiver: str | None = typer.Option(None, help="every failed delivery of this receiver (id or name)"),
              connection: str | None = typer.Option(None, "--connection", "-c"),
              as_json: bool = typer.Option(False, "--json")) -> None:
    """Send again (same message id: an idempotent receiver does nothing twice) and run the delivery job."""
    if (delivery_id is None) == (receiver is None):
        fail("give a delivery id or --receiver", context.EXIT_CONFIG)
    with context.hub() as hub:
        changed = service.redeliver(hub, delivery_id=delivery_id, receiver=receiver, connection=connection)
        if not changed["items"]:
            console.print("nothing to redeliver", highlight=False)
            return
        data = manage.run_and_follow(hub, "deliveries", changed["connection_id"])
    data["redelivered"] = [d["id"] for d in changed["items"]]
    if as_json:
        print_json(data)
    else:
        console.print(summary_table(data, f"redelivered {len(changed['items'])}"))
    raise typer.Exit(exit_code(data))


@app.command("ack")
@handles_errors
def ack(batches: list[str] = typer.Argument(None, help="batch file names"),
        delivery: list[int] = typer.Option(None, "--delivery", min=1, help="a delivery id (repeatable)"),
        connection: str | None = typer.Option(None, "--connection", "-c")) -> None:
    """A file receiver's acknowledgement: its batch names, or delivery ids."""
    with context.hub() as hub:
        data = service.acknowledge(hub, batches=batches or [], delivery_ids=delivery or [], connection=connection)
    console.print(f"{data['acknowledged']} deliveries acknowledged", highlight=False)
