"""``sellerbridge demo``: the sandbox Amazon and the hub pulling its orders, no configuration (I4, B1).

The sandbox runs time-scaled with a demo seller placing orders; the hub (``demo_hub``) is connected
to it, receives ORDER_CHANGE notifications on its intake and polls every two simulated minutes as
the backstop. The live table shows the orders Amazon generated, what the hub stored (by status),
what waits in the error log, the last poll and the latency from purchase to stored. Buyer data and
LWA secrets are never shown (A3, B13); the printed API key is a demo key created for this run.
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

from ..api.log_masking import uvicorn_options
from ..sandbox import server
from ..sandbox.backend import Backend
from .demo_hub import DemoHub

console = Console()

DEMO_SELLER = {"seller_id": "ADEMOSELLER001", "marketplaces": ["US", "CA", "MX"], "catalog_size": 120,
               "order_rate_per_hour": 240, "seed": 2026,
               "mix": {"programs": 0.05}}  # some pick-up, pre-order, Easy Ship... orders (issue 9)


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


def _fmt_seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f} s" if value < 120 else f"{value / 60:,.1f} min"


def _snapshot(backend: Backend, base_url: str, started: float, hub: DemoHub | None = None) -> Table:
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
    caption = f"Amazon: {len(orders)} orders - {summary}"
    if hub is not None:
        st = hub.stats()
        stored = ", ".join(f"{k}: {v}" for k, v in sorted(st["by_status"].items())) or "none yet"
        caption += (f"\nHub: {st['stored']} orders stored - {stored}\n"
                    f"Error log: {st['errors']} open - Last poll: {st['poll']}\n"
                    f"Latency Amazon purchase -> stored (simulated; orders are Pending for "
                    f"{backend.timings.pending_seconds / 60:g} min first): p50 {_fmt_seconds(st['p50'])}, "
                    f"p95 {_fmt_seconds(st['p95'])}")
    table.caption = caption
    return table


def demo(
    host: str = typer.Option("127.0.0.1", help="Address for the sandbox and the hub (loopback)."),
    port: int = typer.Option(8700, help="Preferred sandbox port; a free one is taken if busy."),
    hub_port: int = typer.Option(8800, "--hub-port", help="Preferred port of the hub's REST API."),
    time_scale: float = typer.Option(30.0, "--time-scale", help="Simulated seconds per real second."),
    duration: float = typer.Option(0.0, help="Stop after this many real seconds (0: until Ctrl-C)."),
    credentials_file: Path = typer.Option(Path("var/sandbox-credentials.json")),
    data_dir: Path = typer.Option(Path("var/demo"), "--data-dir",
                                  help="The demo hub's data directory; emptied at every start."),
    sandbox_only: bool = typer.Option(False, "--sandbox-only", help="Run the sandbox without the hub."),
    log_file: Path | None = typer.Option(None, "--log-file", help="Write the servers' access logs and the "
                                         "hub's logs (INFO, secrets masked) to this file."),
) -> None:
    """Run the sandbox Amazon with a seeded seller and the hub pulling its orders, with a live table."""
    app = server.build_served_app(time_scale)
    backend: Backend = app.state.backend
    port = _pick_port(host, port)
    base_url = f"http://{host}:{port}"
    backend.public_base_url = base_url
    creds = server.seed_sellers(app, [DEMO_SELLER])
    server.write_credentials(credentials_file, creds, base_url)
    uv = uvicorn.Server(uvicorn.Config(app, host=host, port=port, **uvicorn_options(log_file)))
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
    hub: DemoHub | None = None
    try:
        if not sandbox_only:
            hub_port = port + 100 if hub_port == port else hub_port
            hub = DemoHub(backend, base_url, creds[0], data_dir=data_dir, host=host,
                          port=_pick_port(host, hub_port), log_file=log_file)
            hub.start()
            console.print(f"[bold green]Hub REST API listening on {hub.url}[/bold green] "
                          f"(OpenAPI at {hub.url}/openapi.json, data in {data_dir})")
            console.print(f"  Connections: {', '.join(hub.connections)} - ORDER_CHANGE notifications to the "
                          f"hub's intake, poll every 2 simulated minutes as the backstop")
            console.print(f"  Demo admin API key (created for this run only): {hub.admin_key}")
            console.print(f"  Try: curl -H 'X-API-Key: {hub.admin_key}' {hub.url}/api/orders")
        started = time.monotonic()
        with Live(_snapshot(backend, base_url, started, hub), console=console, refresh_per_second=2,
                  auto_refresh=console.is_terminal) as live:
            while duration <= 0 or time.monotonic() - started < duration:
                time.sleep(1.0)
                live.update(_snapshot(backend, base_url, started, hub))
                if not console.is_terminal:
                    console.print(live.get_renderable())
    except KeyboardInterrupt:
        pass
    finally:
        if hub is not None:
            hub.stop()
        uv.should_exit = True
        thread.join(timeout=5)
    console.print("Sandbox and hub stopped." if hub is not None else "Sandbox stopped.")
