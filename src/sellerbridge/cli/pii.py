"""``sellerbridge pii purge [--dry-run]``: erase buyer data N days after shipment (B13)."""

from __future__ import annotations

import typer

from ..services.pii import purge_pii
from . import context
from .context import console, handles_errors, print_json

app = typer.Typer(no_args_is_help=True, help="Buyer data (PII): the purge job.")


@app.command("purge")
@handles_errors
def purge(dry_run: bool = typer.Option(False, "--dry-run", help="count what is due, change nothing"),
          days: int | None = typer.Option(None, "--days", min=1,
                                          help="retention after shipment (default SELLERBRIDGE_PII_RETENTION_DAYS)"),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Erase ship-to names, address lines, phones, gift messages of orders shipped N days ago (default 30)."""
    with context.hub() as hub:
        counts = purge_pii(hub, retention_days=days, dry_run=dry_run)
    if as_json:
        print_json(counts.as_dict())
        return
    if dry_run:
        console.print(f"{counts.orders} orders shipped before {counts.cutoff:%Y-%m-%d %H:%M} UTC would lose their "
                      f"buyer data (dry run: nothing changed)")
    else:
        console.print(f"Purged buyer data of {counts.orders} orders shipped before {counts.cutoff:%Y-%m-%d %H:%M} "
                      f"UTC and of {counts.customers} customers")
