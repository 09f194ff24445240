"""``sellerbridge prices list|set|approvals|approve|reject|send-now`` (E1, E3, I1).

``set SKU PRICE [--min --max] -c C`` sets a listing's Amazon price for the connection's marketplace (``-``
for PRICE: the item's list price again); the connection's ``price_push`` run sends it (at once when the
runtime runs; ``send-now`` runs it here). A price changed by more than the guard's percent is held:
``approvals`` lists those, ``approve ID`` / ``reject ID`` decide, recording who (``--by``, else the
user). A price that cannot be one (negative, NaN, huge, more decimals than the currency has) or outside
the range is refused with the reason (exit 2); an unknown SKU exits 3.
"""

from __future__ import annotations

import getpass

import typer
from rich.table import Table

from ..services import prices as service
from . import context
from .context import EXIT_CONFIG, console, fail, handles_errors, print_json
from .sync import follow

app = typer.Typer(no_args_is_help=True, help="Prices to Amazon: set, list, approve held changes, send now (E1, E3).")
CONNECTION = typer.Option(..., "--connection", "-c", help="connection name or id")
AS_JSON = typer.Option(False, "--json")
BY = typer.Option(None, "--by", help="who decides (recorded); default: this user")


def _who(by: str | None) -> str:
    try:
        return f"cli:{by or getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@app.command("list")
@handles_errors
def list_(connection: str = CONNECTION, limit: int = typer.Option(500, min=1, max=5000),
          after: str | None = typer.Option(None, "--after", help="SKUs after this one (paging)"),
          as_json: bool = AS_JSON) -> None:
    """Each SKU's price: set, list price, what Amazon was told, a hold."""
    with context.hub() as hub:
        rows = service.list_prices(hub, connection, limit=limit, after=after)
    if as_json:
        print_json(rows)
        return
    table = Table("SKU", "price", "min", "max", "list", "sent", "Amazon", "held", title=f"{len(rows)} SKUs")
    for row in rows:
        sent = row["sent"] or {}
        held = row["held"] or {}
        table.add_row(row["sku"], row["price"] or "", row["minimum"] or "", row["maximum"] or "",
                      row["list_price"] or "", sent.get("price") or "", (row["amazon"] or {}).get("status") or "",
                      f"{held.get('price')} ({held.get('decision') or 'waiting'})" if held else "")
    console.print(table)


@app.command("set")
@handles_errors
def set_(sku: str = typer.Argument(...), price: str = typer.Argument(..., help="the price, or - for the list price"),
         minimum: str | None = typer.Option(None, "--min", help="the seller's minimum allowed price"),
         maximum: str | None = typer.Option(None, "--max", help="the seller's maximum allowed price"),
         connection: str = CONNECTION, as_json: bool = AS_JSON) -> None:
    """Set SKU's Amazon price (and range) for the connection's marketplace."""
    with context.hub() as hub:
        try:
            row = service.set_price(hub, connection, sku, price=None if price == "-" else price, minimum=minimum,
                                    maximum=maximum, by=_who(None))
        except service.PriceRefused as exc:
            fail(f"not set: {exc}", EXIT_CONFIG)
    if as_json:
        print_json(row)
        return
    console.print(f"{row['sku']}: {row['price'] or 'list price'} {row['currency'] or ''}".rstrip()
                  + " (sent at the next price_push run)", highlight=False)


@app.command("approvals")
@handles_errors
def approvals(connection: str | None = typer.Option(None, "--connection", "-c"),
              decided: bool = typer.Option(False, "--decided", help="also the decided ones"),
              as_json: bool = AS_JSON) -> None:
    """Prices held by the guard (E3), oldest first."""
    with context.hub() as hub:
        rows = service.approvals(hub, connection=connection, waiting_only=not decided)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "connection", "SKU", "from", "to", "why", "decision", title=f"{len(rows)} held prices")
    for row in rows:
        held = row["held"]
        table.add_row(str(held["id"]), row.get("connection") or "", row["sku"], held["from"] or "",
                      f"{held['price']} {held['currency']}", held["reason"] or "",
                      f"{held['decision']} by {held['decided_by']}" if held["decision"] else "waiting")
    console.print(table)


def _decide(approval_id: str, decision: str, by: str | None, as_json: bool) -> None:
    with context.hub() as hub:
        try:
            row = service.decide(hub, approval_id, decision, by=_who(by))
        except service.PriceRefused as exc:
            fail(str(exc), EXIT_CONFIG)
    if as_json:
        print_json(row)
        return
    held = row["held"]
    console.print(f"{row['sku']}: {held['price']} {held['currency']} {held['decision']} by {held['decided_by']}",
                  highlight=False)


@app.command("approve")
@handles_errors
def approve(approval_id: str = typer.Argument(...), by: str | None = BY, as_json: bool = AS_JSON) -> None:
    """Approve a held price: sent at the connection's next price_push run."""
    _decide(approval_id, "approve", by, as_json)


@app.command("reject")
@handles_errors
def reject(approval_id: str = typer.Argument(...), by: str | None = BY, as_json: bool = AS_JSON) -> None:
    """Reject a held price: not sent."""
    _decide(approval_id, "reject", by, as_json)


@app.command("send-now")
@handles_errors
def send_now(connection: str = CONNECTION, skus: list[str] | None = typer.Argument(None, help="only these SKUs"),
             as_json: bool = AS_JSON,
             timeout: float | None = typer.Option(None, "--timeout", min=1)) -> None:
    """Send every price (or these SKUs') again now, checked against what Amazon shows; follow the run."""
    with context.hub() as hub:
        service.send_now(hub, connection, skus or None, by=_who(None))
    follow("price_push", connection, "prices", as_json, timeout)
