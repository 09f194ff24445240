"""``sellerbridge runs list|show``: every run of every flow, with its counts, items and state (H2, I1)."""

from __future__ import annotations

import typer
from rich.table import Table

from ..services import runs as service
from . import context
from .context import console, handles_errors, print_json
from .run_output import summary_table

app = typer.Typer(no_args_is_help=True, help="Runs of the flows: list, show (H2).")


@app.command("list")
@handles_errors
def list_(connection: str | None = typer.Option(None, "--connection", "-c"),
          flow: str | None = typer.Option(None, "--flow"), status: str | None = typer.Option(None, "--status"),
          limit: int = typer.Option(20, min=1, max=500), as_json: bool = typer.Option(False, "--json")) -> None:
    """Runs newest first: flow, status, when, the error if any."""
    with context.hub() as hub:
        runs = service.list_runs(hub, connection=connection, flow=flow, status=status, limit=limit)
    if as_json:
        print_json(runs)
        return
    table = Table("run", "flow", "connection", "status", "started", "finished", "error", title=f"{len(runs)} runs")
    for run in runs:
        table.add_row(str(run["id"]), run["flow"], str(run["connection_id"] or "*"), run["status"],
                      (run["started_at"] or "-")[:19], (run["finished_at"] or "-")[:19], (run["error"] or "")[:60])
    console.print(table)


@app.command("show")
@handles_errors
def show(run_id: int = context.id_argument("run"), as_json: bool = typer.Option(False, "--json")) -> None:
    """One run: its counts, the items worth showing (errors, warnings) and, for a stepping flow, its state."""
    with context.hub() as hub:
        run = service.get_run(hub, run_id)
    if as_json:
        print_json(run)
        return
    console.print(summary_table(run, f"run {run['id']} ({run['flow']}): {run['status']}"))
    for item in run.get("items") or []:
        console.print(f"{item['status']} {item['key']}: " + "; ".join(m["text"] for m in item["messages"]),
                      highlight=False)
    if run.get("error"):
        console.print(f"[red]{run['error']}[/red]", highlight=False)
    if run.get("resume_at"):
        console.print(f"waiting; continues at {run['resume_at']}", highlight=False)
