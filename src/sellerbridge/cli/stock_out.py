"""``sellerbridge stock why|send-now`` and ``sellerbridge feeds list|show`` (D5, D8, D9, H2): stock out.

``why SKU`` shows what the hub would tell Amazon now and why, and what Amazon was last told; ``send-now``
marks every SKU of the connection's seller account and region (or the named ones) and asks for the owner's
``stock_push`` run (``--wait`` follows it). ``feeds`` lists the stock push's listings feeds and shows one
with its per-SKU results.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from ..jobs import manage
from ..services import stock_push as service
from . import context
from .context import console, handles_errors, print_json
from .stock import app

feeds_app = typer.Typer(no_args_is_help=True, help="The stock push's listings feeds (H2).")
CONNECTION = typer.Option(..., "--connection", "-c", help="connection id or name")


def _told(data: dict[str, Any]) -> list[str]:
    out = []
    told = data.get("told")
    if told:
        out.append(f"Amazon was told {told['quantity']} (lead time {told['lead_time_days']}) at {told['at']} "
                   f"by {told['channel']}, cause {told['cause']}")
    else:
        out.append("Amazon has not been told yet")
    if data.get("in_flight"):
        f = data["in_flight"]
        out.append(f"in flight: {f['quantity']} by {f['channel']} since {f['since']}")
    if data.get("amazon"):
        a = data["amazon"]
        out.append(f"Amazon's answer: {a['status']}" + (f" {a['code']}: {a['message']}" if a.get("code") else ""))
    if data.get("verified"):
        v = data["verified"]
        out.append(f"read back {v['quantity']} at {v['at']}")
    if data.get("dirty"):
        out.append(f"waiting to be sent (cause {data.get('dirty_cause')})")
    return out


@app.command("why")
@handles_errors
def why(sku: str = typer.Argument(..., help="the Amazon SKU"), connection: str = CONNECTION,
        as_json: bool = typer.Option(False, "--json")) -> None:
    """D9: available-to-sell now with its breakdown, and what Amazon was last told."""
    with context.hub() as hub:
        data = service.why(hub, sku, connection)
    if as_json:
        print_json(data)
        return
    now = data["now"]
    console.print(f"{sku} ({data['connection']}):", highlight=False)
    for line in (now["lines"] if now else ["no stock facts"]):
        console.print(f"  {line}", highlight=False)
    for line in _told(data):
        console.print(f"  {line}", highlight=False)


@app.command("send-now")
@handles_errors
def send_now(skus: list[str] = typer.Argument(None, help="Amazon SKUs (none: every SKU)"),
             connection: str = CONNECTION, wait: bool = typer.Option(False, "--wait", help="follow the run"),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """D5: send every SKU, or the named ones, now (flow stock_push of the owner connection)."""
    with context.hub() as hub:
        marked = service.send_now(hub, connection, list(skus) if skus else None)
        if wait:
            data = manage.run_and_follow(hub, service.FLOW, marked["connection_id"])
            marked = {**marked, "run_id": data.get("id") or data.get("run_id"), "run": data}
        else:
            job = manage.request_run(hub, service.FLOW, marked["connection_id"])
            marked = {**marked, "run_id": job["run_id"]}
    if as_json:
        print_json(marked)
        return
    console.print(f"marked {marked['marked']} SKUs; run {marked['run_id']} asked for", highlight=False)
    if marked["unknown"]:
        console.print("not known to the push state: " + ", ".join(marked["unknown"][:20]), highlight=False)


@feeds_app.command("list")
@handles_errors
def list_(connection: str | None = typer.Option(None, "--connection", "-c"),
          limit: int = typer.Option(50, min=1, max=500), as_json: bool = typer.Option(False, "--json")) -> None:
    """The stock push's listings feeds, newest first."""
    with context.hub() as hub:
        rows = service.feeds(hub, connection, limit=limit)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "Amazon feed", "status", "requested", "SKUs", title=f"{len(rows)} feeds")
    for row in rows:
        table.add_row(str(row["id"]), row["amazon_feed_id"], row["status"], row["requested_at"],
                      ", ".join(f"{k} {v}" for k, v in sorted(row["skus"].items())))
    console.print(table)


@feeds_app.command("show")
@handles_errors
def show(feed_id: int = typer.Argument(..., min=1), as_json: bool = typer.Option(False, "--json")) -> None:
    """One feed with its per-SKU results."""
    with context.hub() as hub:
        data = service.feed(hub, feed_id)
    if as_json:
        print_json(data)
        return
    console.print(f"feed {data['id']} ({data['amazon_feed_id']}): {data['status']}", highlight=False)
    table = Table("message", "SKU", "result", "quantity", "Amazon")
    for item in data["items"]:
        table.add_row(str(item["message_id"]), item["sku"], item["result"], str(item["quantity"]),
                      f"{item['code'] or ''} {item['message'] or ''}".strip()[:60])
    console.print(table)
