"""``sellerbridge demo``: the sandbox Amazon with a live order stream, no configuration (I4).

Until the hub exists the demo shows the sandbox alone: where it listens, the seeded seller, and the
orders Amazon is generating, refreshed live. Buyer data is never shown (B13).
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import typer
import uvicorn
from rich.console import Console
from rich.live import Live
from rich.table import Table

from ..sandbox import server
from ..sandbox.backend import Backend

console = Console()

DEMO_SELLER = {"seller_id": "ADEMOSELLER001", "marketplaces": ["US", "CA", "MX"], "catalog_size": 120,
               "order_rate_per_hour": 240, "seed": 2026}


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _pick_port(host: str, preferred: int) -> int:
    if _port_free(host, preferred):
        return preferred
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _snapshot(backend: Backend, base_url: str, started: float) -> Table:
    with backend.lock:
        seller = backend.sellers[DEMO_SELLER["seller_id"]]
        orders = sorted(seller.orders.values(), key=lambda o: o.purchase_date)
        by_status: dict[str, int] = {}
        for o in orders:
            by_status[o.status] = by_status.get(o.status, 0) + 1
        latest = orders[-8:]
        sim_now = backend.now()
    table = Table(title=f"Sandbox Amazon at {base_url} - simulated {sim_now:%Y-%m-%d %H:%M:%S} UTC "
                        f"(real {time.monotonic() - started:,.0f} s)")
    for col in ("order id", "placed (sim)", "status", "channel", "level", "lines", "units", "total"):
        table.add_column(col)
    for o in reversed(latest):
        table.add_row(o.order_id, f"{o.purchase_date:%H:%M:%S}", o.status, o.fulfillment_channel,
                      o.service_level, str(len(o.lines)), str(sum(ln.quantity for ln in o.lines)),
                      f"{o.order_total()} {o.currency}")
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(by_status.items())) or "no orders yet"
    table.caption = f"{len(orders)} orders - {summary}"
    return table


def demo(
    host: str = typer.Option("127.0.0.1", help="Address for the sandbox (loopback)."),
    port: int = typer.Option(8700, help="Preferred port; a free one is taken if busy."),
    time_scale: float = typer.Option(30.0, "--time-scale", help="Simulated seconds per real second."),
    duration: float = typer.Option(0.0, help="Stop after this many real seconds (0: until Ctrl-C)."),
    credentials_file: Path = typer.Option(Path("var/sandbox-credentials.json")),
) -> None:
    """Run the sandbox Amazon with a seeded seller and show its live order stream."""
    app = server.build_served_app(time_scale)
    backend: Backend = app.state.backend
    port = _pick_port(host, port)
    base_url = f"http://{host}:{port}"
    backend.public_base_url = base_url
    creds = server.seed_sellers(app, [DEMO_SELLER])
    server.write_credentials(credentials_file, creds, base_url)
    uv = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    while not uv.started:
        if not thread.is_alive():
            raise typer.Exit(1)
        time.sleep(0.05)
    console.print(f"[bold green]Sandbox Amazon (SP-API) listening on {base_url}[/bold green]")
    console.print(f"  LWA token endpoint: {base_url}/auth/o2/token   control API: {base_url}/_sandbox")
    console.print(f"  Seller {DEMO_SELLER['seller_id']} in US/CA/MX, {DEMO_SELLER['catalog_size']} SKUs, "
                  f"{DEMO_SELLER['order_rate_per_hour']} orders/hour simulated, time x{time_scale:g}")
    console.print(f"  Credentials (for SP-API clients) written to {credentials_file}")
    started = time.monotonic()
    try:
        with Live(_snapshot(backend, base_url, started), console=console, refresh_per_second=2,
                  auto_refresh=console.is_terminal) as live:
            while duration <= 0 or time.monotonic() - started < duration:
                time.sleep(1.0)
                live.update(_snapshot(backend, base_url, started))
                if not console.is_terminal:
                    console.print(live.get_renderable())
    except KeyboardInterrupt:
        pass
    finally:
        uv.should_exit = True
        thread.join(timeout=5)
    console.print("Sandbox stopped.")
