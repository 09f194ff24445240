"""``sellerbridge sync orders|backlog --connection C``: one run now with a Rich progress display and a
summary table of the run's counts (B1, G2, H2, I1). Exit 0 done, 4 partial (errors logged), 1 failed.

``sync backlog`` is the first import of a connection's open orders (``services.order_backlog``): one
actionable-orders report plus ``searchOrders`` pages. An unfinished backlog run (the process was
killed, or Amazon throttled or failed) is resumed by running the same command again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..db.repositories import sync_runs
from ..services import connections as connection_service
from . import context
from .context import handles_errors, print_json
from .reports import counts_of, exit_code, report_dict, summary_table

app = typer.Typer(no_args_is_help=True, help="Run a sync now.")
CONNECTION = typer.Option(..., "--connection", "-c", help="connection name or id")
AS_JSON = typer.Option(False, "--json", help="print the run report as JSON (no progress)")


def _progress_text(update: Any) -> str:
    data = update if isinstance(update, dict) else report_dict(update) if update is not None else {}
    counts = counts_of(data)
    shown = ", ".join(f"{k} {v}" for k, v in counts.items() if isinstance(v, int) and v)
    return shown or "working"


def _run(description: str, as_json: bool, work: Callable[..., Any]) -> Any:
    """``work(progress=...)`` under a spinner showing the counts so far; silent with ``--json``."""
    if as_json:
        return work(progress=None)
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), TextColumn("{task.fields[info]}"),
                  TimeElapsedColumn(), console=context.console, transient=True) as progress:
        task = progress.add_task(description, info="starting")

        def on_progress(*args: Any, **kwargs: Any) -> None:
            update = args[0] if args else kwargs or None
            progress.update(task, info=_progress_text(update))

        return work(progress=on_progress)


def _announce_expiry(hub: Any) -> None:
    for notice in connection_service.check_authorizations(hub):  # A4: an expired one stops here, announced
        context.err_console.print(f"[yellow]{notice.kind}[/yellow]: {notice.message}", highlight=False)


def _finish(data: dict[str, Any], title: str, as_json: bool, note: str | None = None) -> None:
    if as_json:
        print_json(data)
    else:
        context.console.print(summary_table(data, f"{title}: {data.get('status', 'done')}"))
        if note:
            context.console.print(note, highlight=False)
        if data.get("error"):
            context.console.print(f"[red]{data['error']}[/red]", highlight=False)
    raise typer.Exit(exit_code(data))


@app.command("orders")
@handles_errors
def orders(connection: str = CONNECTION, as_json: bool = AS_JSON) -> None:
    """Download new and updated orders of one connection now."""
    from ..services import order_sync

    with context.hub() as hub:
        _announce_expiry(hub)
        record = connection_service.get_connection(hub, connection)
        report = _run(f"orders of {record.name}", as_json,
                      lambda progress: order_sync.sync_orders(hub, record.id, progress=progress))
    _finish(report_dict(report), f"orders of {record.name}", as_json)


@app.command("backlog")
@handles_errors
def backlog(connection: str = CONNECTION, as_json: bool = AS_JSON) -> None:
    """Import the connection's open orders the fast way (first import, G2); resumes an unfinished run."""
    from ..services.order_backlog import BACKLOG_FLOW, backfill_orders

    with context.hub() as hub:
        _announce_expiry(hub)
        record = connection_service.get_connection(hub, connection)
        with hub.store.uow(read_only=True) as session:
            latest = sync_runs.list_runs(session, connection_id=record.id, flow=BACKLOG_FLOW, limit=1)
        report = _run(f"backlog of {record.name}", as_json,
                      lambda progress: backfill_orders(hub, record.id, progress=progress))
    data = report_dict(report)
    data["resumed"] = bool(latest) and latest[0].id == data.get("run_id")
    note = None
    if data.get("status") == "failed" and data.get("retryable"):
        note = (f"nothing is lost: run `sellerbridge sync backlog --connection {record.name}` again "
                "(later) to resume this run")
    elif data["resumed"]:
        note = f"resumed the unfinished backlog run {data['run_id']}"
    _finish(data, f"backlog of {record.name}", as_json, note)
