"""``sellerbridge sync orders --connection C``: one order download with a Rich progress display and a
summary table of the run's counts (B1, H2, I1). Exit 0 done, 4 partial (errors logged), 1 failed.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..services import connections as connection_service
from . import context
from .context import handles_errors, print_json
from .reports import counts_of, exit_code, report_dict, summary_table

app = typer.Typer(no_args_is_help=True, help="Run a sync now.")


def _progress_text(update: Any) -> str:
    data = update if isinstance(update, dict) else report_dict(update) if update is not None else {}
    counts = counts_of(data)
    shown = ", ".join(f"{k} {v}" for k, v in counts.items() if isinstance(v, int) and v)
    return shown or "working"


@app.command("orders")
@handles_errors
def orders(connection: str = typer.Option(..., "--connection", "-c", help="connection name or id"),
           as_json: bool = typer.Option(False, "--json", help="print the run report as JSON (no progress)")) -> None:
    """Download new and updated orders of one connection now."""
    from ..services import order_sync

    with context.hub() as hub:
        for notice in connection_service.check_authorizations(hub):  # A4: an expired one stops here, announced
            context.err_console.print(f"[yellow]{notice.kind}[/yellow]: {notice.message}", highlight=False)
        record = connection_service.get_connection(hub, connection)
        if as_json:
            report = order_sync.sync_orders(hub, record.id)
        else:
            with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), TextColumn("{task.fields[info]}"),
                          TimeElapsedColumn(), console=context.console, transient=True) as progress:
                task = progress.add_task(f"orders of {record.name}", info="starting")

                def on_progress(*args: Any, **kwargs: Any) -> None:
                    update = args[0] if args else kwargs or None
                    progress.update(task, info=_progress_text(update))

                report = order_sync.sync_orders(hub, record.id, progress=on_progress)
    data = report_dict(report)
    if as_json:
        print_json(data)
    else:
        context.console.print(summary_table(data, f"orders of {record.name}: {data.get('status', 'done')}"))
        if data.get("error"):
            context.console.print(f"[red]{data['error']}[/red]", highlight=False)
    raise typer.Exit(exit_code(data))
