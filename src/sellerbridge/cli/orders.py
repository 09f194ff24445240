"""``sellerbridge orders list|show|preview`` (B1, B12, B13, I1).

The CLI runs as the local admin, yet buyer data shows only with ``--pii``, and that view is written
to the PII access log as ``cli:<OS user>`` (B13).
"""

from __future__ import annotations

import typer
from rich.table import Table

from ..services import orders as service
from ..services.pii import cli_viewer
from . import context
from .context import console, handles_errors, print_json
from .run_output import run_data

app = typer.Typer(no_args_is_help=True, help="Orders downloaded from Amazon.")


@app.command("list")
@handles_errors
def list_(connection: str | None = typer.Option(None, "--connection", "-c"),
          status: list[str] = typer.Option([], "--status", "-s", help="e.g. Unshipped (repeatable)"),
          fulfillment: str | None = typer.Option(None, help="MFN | AFN"),
          limit: int = typer.Option(50, min=1, max=500), offset: int = typer.Option(0, min=0),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Orders, newest purchase first (no buyer data)."""
    with context.hub() as hub:
        page = service.list_orders(hub, connection=connection, statuses=status, fulfillment=fulfillment,
                                   limit=limit, offset=offset)
    if as_json:
        print_json(page)
        return
    table = Table("id", "amazon order", "status", "channel", "purchased", "total", "level",
                  title=f"{len(page['items'])} of {page['total']} orders")
    for o in page["items"]:
        total = o["order_total"]
        table.add_row(str(o["id"]), o["amazon_order_id"], o["status"], o["fulfillment"], o["purchase_date"][:16],
                      f"{total['amount']} {total['currency']}" if total else "-", o["service_level"] or "-")
    console.print(table)


@app.command("show")
@handles_errors
def show(amazon_order_id: str = typer.Argument(..., help="Amazon order id (or the hub's id)"),
         connection: str | None = typer.Option(None, "--connection", "-c"),
         pii: bool = typer.Option(False, "--pii", help="show buyer name, address and phone (audited)"),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """One order with its lines and address; buyer data masked unless --pii."""
    with context.hub() as hub:
        data = service.show_order(hub, amazon_order_id, connection=connection,
                                  viewer=cli_viewer("orders show --pii" if pii else "orders show", may_view_pii=pii))
    if pii:
        context.err_console.print("[yellow]note[/yellow]: buyer data shown; this view is recorded in the audit log",
                                  highlight=False)
    if as_json:
        print_json(data)
        return
    head = Table("field", "value", show_header=False, title=f"order {data['amazon_order_id']}")
    for key, value in data.items():
        if key not in ("lines", "address"):
            head.add_row(key, "-" if value is None else str(value))
    console.print(head)
    lines = Table("item", "sku", "asin", "title", "qty", "shipped", "cancelled", "price")
    for line in data["lines"]:
        price = line["unit_price"]
        lines.add_row(line["order_item_id"], line["sku"] or "-", line["asin"] or "-", (line["title"] or "")[:40],
                      str(line["quantity"]), str(line["quantity_shipped"]), str(line["quantity_cancelled"]),
                      f"{price['amount']} {price['currency']}" if price else "-")
    console.print(lines)
    if data["address"]:
        address = Table("address", "value", show_header=False)
        for key, value in data["address"].items():
            if value is not None:
                address.add_row(key, str(value))
        console.print(address)


@app.command("preview")
@handles_errors
def preview(amazon_order_id: str, connection: str = typer.Option(..., "--connection", "-c"),
            pii: bool = typer.Option(False, "--pii", help="show buyer name, address and gift messages (audited)"),
            as_json: bool = typer.Option(False, "--json")) -> None:
    """B12: look the order up on Amazon and show what the hub would import, without importing it."""
    from ..services import connections as connection_service
    from ..services.preview import preview_order

    with context.hub() as hub:
        record = connection_service.get_connection(hub, connection)
        result = preview_order(hub, record.id, amazon_order_id, viewer=cli_viewer(
            "orders preview --pii" if pii else "orders preview", may_view_pii=pii, channel="preview"))
    data = run_data(result)
    if as_json:
        print_json(data)
        return
    table = Table("field", "value", show_header=False, title=f"preview of {amazon_order_id} (nothing imported)")
    for key, value in data.items():
        table.add_row(key, "-" if value is None else str(value))
    console.print(table)
