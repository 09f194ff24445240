"""``sellerbridge cancellations line|list``: the warehouse cannot ship a line, Amazon is asked to cancel it (B9, I1).

``line`` queues one or more lines of an order (``ITEM:QUANTITY``, the line's open quantity) with Amazon's
reason code (``NoInventory`` by default) for flow ``line_cancel``; a line that cannot be cancelled is named
with its reason and nothing is queued (exit 2).
"""

from __future__ import annotations

import typer
from rich.table import Table

from ..services import cancellations as service
from . import context
from .context import EXIT_CONFIG, console, fail, handles_errors, print_json

app = typer.Typer(no_args_is_help=True, help="Lines the warehouse cannot ship: cancel on Amazon, list (B9).")


def _line(text: str, reason: str) -> service.LineRequest:
    item, sep, quantity = text.rpartition(":")
    if not sep or not item or not quantity.isascii() or not quantity.isdigit() or len(quantity) > 7:
        fail(f"a line is ORDER_ITEM_ID:QUANTITY, not {text[:80]!r}", EXIT_CONFIG)
    return service.LineRequest(item, int(quantity), reason)


@app.command("line")
@handles_errors
def line(order: str = typer.Argument(..., help="the order: hub id or Amazon order id"),
         lines: list[str] = typer.Argument(..., help="ORDER_ITEM_ID:QUANTITY (the line's open quantity)"),
         reason: str = typer.Option("NoInventory", "--reason", help="Amazon's CancelReason"),
         connection: str | None = typer.Option(None, "--connection", "-c"),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """Queue lines of ORDER to be cancelled on Amazon (flow line_cancel sends them)."""
    requests = [_line(text, reason) for text in lines]
    with context.hub() as hub:
        try:
            queued = service.cancel_lines(hub, order, requests, requested_by="cli", connection=connection)
        except service.CancelRefused as exc:
            fail("nothing queued: " + "; ".join(f"{r['order_item_id'] or 'order'}: {r['reason']}"
                                                for r in exc.reasons), EXIT_CONFIG)
    if as_json:
        print_json(queued)
        return
    for row in queued:
        console.print(f"queued {row['amazon_order_id']} item {row['order_item_id']} x{row['quantity']} "
                      f"({row['reason_code']})", highlight=False)


@app.command("list")
@handles_errors
def list_(connection: str | None = typer.Option(None, "--connection", "-c"),
          status: str | None = typer.Option(None, "--status"), limit: int = typer.Option(50, min=1, max=500),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Cancellations newest first, with Amazon's answer."""
    with context.hub() as hub:
        rows = service.list_cancellations(hub, connection=connection, status=status, limit=limit)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "order", "item", "qty", "reason", "status", "Amazon", title=f"{len(rows)} cancellations")
    for row in rows:
        table.add_row(str(row["id"]), row["amazon_order_id"], row["order_item_id"], str(row["quantity"]),
                      row["reason_code"], row["status"], (row["amazon_message"] or "")[:60])
    console.print(table)
