"""``sellerbridge sync orders|backlog --connection C``: one run now, through the runtime's jobs, followed
here with a progress line and ended with a table of its counts (B1, G2, H2, I1).

The command asks the jobs table for the run and sees it through in this process (the job's lease: when
a worker of ``sellerbridge run`` holds the job, the command follows that worker's run instead). Exit 0
done, 4 partial (errors logged), 1 failed. ``sync backlog`` is the first import of a connection's open
orders (``sync/orders_backlog.py``); it waits for Amazon's report here, stepping the run when it is due,
and ends when the run ends: a report Amazon never finishes fails the run by its deadline, with a
message, and running the same command again resumes that run.
"""

from __future__ import annotations

from typing import Any

import typer

from ..domain.ports.runs import RESUMABLE
from ..jobs import manage
from ..services import connections as connection_service
from . import context
from .context import handles_errors, print_json
from .run_output import exit_code, live, run_data, summary_table

app = typer.Typer(no_args_is_help=True, help="Run a sync now.")
CONNECTION = typer.Option(..., "--connection", "-c", help="connection name or id")
AS_JSON = typer.Option(False, "--json", help="print the run as JSON (no progress)")
TIMEOUT = typer.Option(None, "--timeout", min=1, help="stop waiting after this many seconds (the run goes on)")


def _announce_expiry(hub: Any) -> None:
    for notice in connection_service.check_authorizations(hub):  # A4: an expired one stops here, announced
        context.err_console.print(f"[yellow]{notice.kind}[/yellow]: {notice.message}", highlight=False)


def follow(flow: str, connection: str | None, title: str, as_json: bool, timeout: float | None,
           note: Any = None) -> None:
    """Run ``flow`` now for the connection, show its progress and its end, exit with its code."""
    with context.hub() as hub:
        record = connection_service.get_connection(hub, connection) if connection is not None else None
        if record is not None:
            _announce_expiry(hub)
        label = f"{title} of {record.name}" if record else title
        with live(label, as_json) as show:
            run = manage.run_and_follow(hub, flow, record.id if record else None, progress=show, timeout=timeout)
    data = run_data(run)
    if as_json:
        print_json(data)
    else:
        context.console.print(summary_table(data, f"{label}: {data.get('status')} (run {data.get('id')})"))
        text = note(data) if note else None
        if text:
            context.console.print(text, highlight=False)
        if data.get("error"):
            context.console.print(f"[red]{data['error']}[/red]", highlight=False)
        if data.get("status") == "running":
            context.console.print(f"still running: `sellerbridge runs show {data.get('id')}` follows it",
                                  highlight=False)
    raise typer.Exit(exit_code(data))


@app.command("orders")
@handles_errors
def orders(connection: str = CONNECTION, as_json: bool = AS_JSON, timeout: float | None = TIMEOUT) -> None:
    """Download new and updated orders of one connection now."""
    follow("orders", connection, "orders", as_json, timeout)


@app.command("backlog")
@handles_errors
def backlog(connection: str = CONNECTION, as_json: bool = AS_JSON, timeout: float | None = TIMEOUT) -> None:
    """Import the connection's open orders the fast way (first import, G2); resumes an unfinished run."""
    def note(data: dict[str, Any]) -> str | None:
        if data.get("status") == "failed" and (data.get("state") or {}).get(RESUMABLE):
            return (f"nothing is lost: run `sellerbridge sync backlog --connection {connection}` again "
                    "(later) to resume this run")
        if data.get("resumed"):
            return f"resumed the unfinished backlog run {data.get('id')}"
        return None

    follow("orders_backlog", connection, "backlog", as_json, timeout, note)
