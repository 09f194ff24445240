"""``sellerbridge jobs list|run|set``: schedules and manual runs of the runtime (G3, I1)."""

from __future__ import annotations

import typer
from rich.table import Table

from ..jobs import manage
from ..jobs.registry import FLOWS
from . import context
from .context import console, handles_errors, print_fields, print_json
from .sync import follow

app = typer.Typer(no_args_is_help=True, help="Scheduled jobs: list, run now, change schedules.")
CONNECTION = typer.Option(None, "--connection", "-c", help="connection name or id (per-connection flows)")


@app.command("list")
@handles_errors
def list_(connection: str | None = CONNECTION, as_json: bool = typer.Option(False, "--json")) -> None:
    """Every job: its schedule, state (waiting, queued, running, disabled), last run."""
    with context.hub() as hub:
        jobs = manage.list_jobs(hub, connection=connection)
    if as_json:
        print_json(jobs)
        return
    table = Table("job", "state", "every", "next run", "last run", "status", "failures", title=f"{len(jobs)} jobs")
    for job in jobs:
        every = f"{job['every_seconds']} s" if job["every_seconds"] else "manual"
        table.add_row(job["key"], job["state"], every, (job["next_run_at"] or "-")[:19],
                      (job["last_finished_at"] or "-")[:19], job["last_status"] or "-", str(job["failures"]))
    console.print(table)


@app.command("run")
@handles_errors
def run(flow: str = typer.Argument(..., help=", ".join(FLOWS)),
        connection: str | None = CONNECTION, as_json: bool = typer.Option(False, "--json"),
        wait: bool = typer.Option(False, "--wait", help="see the run through here and show how it ended"),
        timeout: float | None = typer.Option(None, "--timeout", min=1, help="with --wait: stop waiting after "
                                             "this many seconds (the run goes on)")) -> None:
    """Ask the runtime to run a job now (once, however often it is asked while it waits or runs); with
    --wait, follow the run to its end (exit 0 done, 4 partial, 1 failed)."""
    if wait:
        follow(flow, connection, flow, as_json, timeout)
    with context.hub() as hub:
        job = manage.request_run(hub, flow, connection)
    print_json(job) if as_json else print_fields(job)


@app.command("set")
@handles_errors
def set_(flow: str = typer.Argument(...), connection: str | None = CONNECTION,
         every: int | None = typer.Option(None, "--every", help="seconds between runs"),
         manual: bool = typer.Option(False, "--manual", help="no schedule: manual runs only"),
         enable: bool | None = typer.Option(None, "--enable/--disable"),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """Change a job's schedule."""
    with context.hub() as hub:
        job = manage.set_schedule(hub, flow, connection, every_seconds=every, manual_only=manual, enabled=enable)
    print_json(job) if as_json else print_fields(job)
