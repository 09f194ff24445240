"""``sellerbridge pii purge [--dry-run]``: erase buyer data N days after Amazon's delivery (B13).

The purge is the runtime's ``pii_purge`` job (daily by default); this command runs it now and follows
the run. ``--dry-run`` only counts what is due (with ``--days`` to try another retention).
"""

from __future__ import annotations

import typer

from ..services.pii import count_due
from . import context
from .context import EXIT_CONFIG, console, fail, handles_errors, print_json
from .sync import follow

app = typer.Typer(no_args_is_help=True, help="Buyer data (PII): the purge job.")


@app.command("purge")
@handles_errors
def purge(dry_run: bool = typer.Option(False, "--dry-run", help="count what is due, change nothing"),
          days: int | None = typer.Option(None, "--days", min=1,
                                          help="retention after delivery (default SELLERBRIDGE_PII_RETENTION_DAYS)"),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Erase ship-to names, address lines, phones, gift messages of orders shipped N days ago (default 30)."""
    if not dry_run:
        if days is not None:
            fail("--days goes with --dry-run: the purge keeps SELLERBRIDGE_PII_RETENTION_DAYS (the policy, not "
                 "a choice per run)", EXIT_CONFIG)
        follow("pii_purge", None, "pii purge", as_json, None)
    with context.hub() as hub:
        counts = count_due(hub, retention_days=days)
    if as_json:
        print_json(counts.as_dict())
        return
    console.print(f"{counts.orders} orders shipped before {counts.cutoff:%Y-%m-%d %H:%M} UTC would lose their "
                  f"buyer data (dry run: nothing changed)")
