"""``sellerbridge items import CONNECTION``: items and SKU mappings from Amazon's listings report (I5, I1).

Runs the connection's ``items_import`` job now and follows it like ``sync`` (progress, a table of counts;
exit 0 done, 4 partial: lines in the error log, 1 failed). The report's prices and quantities are ignored:
the hub's win (E2, D1). A SKU already mapped to another item keeps its mapping (counted ``kept``).
"""

from __future__ import annotations

import typer

from .context import handles_errors
from .sync import AS_JSON, TIMEOUT, follow

app = typer.Typer(no_args_is_help=True, help="Items from Amazon (I5).")


@app.command("import")
@handles_errors
def import_(connection: str = typer.Argument(..., help="connection name or id"), as_json: bool = AS_JSON,
            timeout: float | None = TIMEOUT) -> None:
    """Import items and SKU mappings from the connection's merchant listings report."""
    follow("items_import", connection, "items import", as_json, timeout)
