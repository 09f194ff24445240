"""``sellerbridge sandbox ...``: run the local SP-API-compatible Amazon (I4)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from ..sandbox import server

app = typer.Typer(no_args_is_help=True, help="The sandbox Amazon: a local, SP-API-compatible marketplace.")
console = Console()


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (keep it on loopback)."),
    port: int = typer.Option(8700, help="Port to listen on."),
    time_scale: float = typer.Option(1.0, "--time-scale", help="Simulated seconds per real second."),
    seller: list[str] = typer.Option(
        [], "--seller", help='Seed a seller: JSON like {"marketplaces":["US"],"order_rate_per_hour":60}.'),
    credentials_file: Path = typer.Option(Path("var/sandbox-credentials.json"),
                                          help="Where seeded sellers' credentials are written (0600)."),
) -> None:
    """Serve the sandbox until interrupted."""
    sandbox_app = server.build_served_app(time_scale)
    base_url = f"http://{host}:{port}"
    try:
        specs = [json.loads(s) for s in seller]
        creds = server.seed_sellers(sandbox_app, specs)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--seller") from None
    if creds:
        server.write_credentials(credentials_file, creds, base_url)
        console.print(f"{len(creds)} seller(s) seeded; credentials in [bold]{credentials_file}[/bold]")
    console.print(f"Sandbox Amazon listening on [bold]{base_url}[/bold] (time x{time_scale:g}); "
                  f"control API at {base_url}/_sandbox, docs in docs/sandbox.md")
    server.serve(sandbox_app, host, port)
