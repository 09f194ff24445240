"""``sellerbridge errors list|show|reprocess|dismiss`` (B11, H1)."""

from __future__ import annotations

import typer
from rich.table import Table

from ..jobs import manage
from ..services import errors as service
from ..services.pii import cli_viewer
from . import context
from .context import console, handles_errors, id_argument, print_fields, print_json
from .run_output import exit_code, summary_table

app = typer.Typer(no_args_is_help=True, help="The error log: failed documents, reprocess, dismiss.")


@app.command("list")
@handles_errors
def list_(status: str = typer.Option("open", help="open | resolved | dismissed | all"),
          connection: str | None = typer.Option(None, "--connection", "-c"),
          kind: str | None = typer.Option(None), limit: int = typer.Option(100, min=1, max=500),
          as_json: bool = typer.Option(False, "--json")) -> None:
    with context.hub() as hub:
        page = service.list_errors(hub, status=status, connection=connection, kind=kind, limit=limit)
    if as_json:
        print_json(page)
        return
    table = Table("id", "kind", "key", "code", "message", "count", "last seen", "status",
                  title=f"{len(page['items'])} of {page['total']} errors")
    for e in page["items"]:
        table.add_row(str(e["id"]), e["kind"], e["key"], e["code"], e["message"][:60], str(e["count"]),
                      e["last_seen"][:16], e["status"])
    console.print(table)


@app.command("show")
@handles_errors
def show(error_id: int = id_argument("error"),
         payload: bool = typer.Option(False, "--payload", help="include Amazon's document "
                                      "(may hold buyer data; audited)"),
         as_json: bool = typer.Option(False, "--json")) -> None:
    with context.hub() as hub:
        data = service.show_error(hub, error_id, viewer=cli_viewer(
            "errors show --payload" if payload else "errors show", may_view_pii=payload))
    if as_json or payload:
        print_json(data)
        return
    print_fields(data)


@app.command("reprocess")
@handles_errors
def reprocess(error_id: int = id_argument("error"), as_json: bool = typer.Option(False, "--json")) -> None:
    """B11: fetch the failed order again (after fixing the mapping), through the connection's
    ``orders_fetch`` job, and show the run; exit 4 if the error is still open."""
    with context.hub() as hub:
        record = service.reprocess(hub, error_id)
        data = manage.run_and_follow(hub, service.reprocess_flow(record), record.connection_id)
        still = service.get_error(hub, error_id)
    data["error_status"] = still.status
    if as_json:
        print_json(data)
    else:
        console.print(summary_table(data, f"reprocess of error {error_id}: {still.status}"))
    code = exit_code(data)
    raise typer.Exit(code if code or still.status != "open" else context.EXIT_PARTIAL)


@app.command("dismiss")
@handles_errors
def dismiss(error_id: int = id_argument("error")) -> None:
    """H1: mark the error as needing nothing more."""
    with context.hub() as hub:
        service.dismiss(hub, error_id)
    console.print(f"error {error_id} dismissed", highlight=False)
