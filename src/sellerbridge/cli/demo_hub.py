"""The hub half of ``sellerbridge demo``: a hub pulling the sandbox seller's orders, no configuration (I4, B1).

What it sets up, each run from scratch (a fresh SQLite file under ``var/demo``):

- a Hub whose clock *is* the sandbox's clock (``now`` reads it, ``sleep`` waits scaled real time),
  so Amazon's rate limits, the two-minute search lag and the hub's latencies are in simulated time;
- one connection per marketplace of the demo seller, pointed at the sandbox (API base URL and LWA
  token URL overrides, A1), with the PII grant (data is stored encrypted and never shown here);
- items and channel listings for the seller's catalog and a ship-method rule for every service
  level, so every order maps;
- the hub's REST API on a second loopback port, and the sandbox's SQS ARN mapped to its ORDER_CHANGE
  intake; the seller is subscribed through Amazon's Notifications API (the real path, B1 push);
- the runtime of ``sellerbridge run`` (jobs/): the scheduler and two worker threads on a SQLite queue
  in the demo's data dir, running the default jobs (the order poll every two simulated minutes as
  the backstop of B1, the report backstop, the daily PII purge).

Only counts are read back for the live table: no buyer data is shown (B13).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from ..api.app import create_api
from ..api.log_masking import uvicorn_options
from ..bootstrap import Hub, build_hub
from ..domain.orders.model import ServiceLevel
from ..jobs import manage
from ..jobs.queue import QUEUE_FILE, make_huey
from ..jobs.scheduler import Scheduler
from ..jobs.worker import Worker
from ..sandbox.backend import Backend
from ..services import api_keys, mappings, notifications, overview
from ..services import connections as connection_service
from ..services import stock as stock_service
from ..settings import Settings
from ..sync import orders as orders_flow
from .sandbox_queue import route_sandbox_queue

DB_FILE = "sellerbridge.sqlite3"
DEMO_ARN = "arn:aws:sqs:us-east-1:000000000000:sellerbridge-demo"
FAST_LEVELS = (ServiceLevel.NEXT_DAY, ServiceLevel.SAME_DAY)


class SandboxClock:
    """The hub's clock in the demo: the sandbox backend's own clock; ``sleep`` waits scaled real time."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    def now(self) -> datetime:
        return self._backend.now()

    def sleep(self, seconds: float) -> None:
        scale = self._backend.clock.scale
        if seconds > 0:
            time.sleep(seconds / scale if scale > 0 else 0.01)


class DemoHub:
    """The running hub: API server, poller; :meth:`stats` for the table; :meth:`stop` at the end."""

    def __init__(self, backend: Backend, sandbox_url: str, seller: dict[str, Any], *, data_dir: Path,
                 host: str, port: int, log_file: Path | None = None) -> None:
        self.backend = backend
        self.sandbox_url = sandbox_url
        self.seller = seller
        # A fresh database each run (the sandbox starts from nothing too). Only the hub's own files are
        # removed, never the directory: --data-dir may point anywhere.
        for stale in [*data_dir.glob(f"{DB_FILE}*"), *data_dir.glob(f"{QUEUE_FILE}*")]:
            stale.unlink()
        settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / DB_FILE}",
                            public_base_url=f"http://{host}:{port}", allowed_endpoint_origins=sandbox_url)
        self.hub: Hub = build_hub(settings, clock=SandboxClock(backend))
        self.url = f"http://{host}:{port}"
        self.connections: dict[str, int] = {}
        self._stop = threading.Event()
        self._server: uvicorn.Server | None = None
        self._threads: list[threading.Thread] = []
        self.host, self.port = host, port
        self.log_file = log_file
        self.admin_key = ""
        self._worker: Worker | None = None
        self._scheduler: Scheduler | None = None

    # --- setup ------------------------------------------------------------------------------------

    def start(self) -> None:
        self._connect_and_seed()
        _, self.admin_key = api_keys.create_key(self.hub, "demo-admin", ["admin"])
        huey = make_huey(self.hub.settings)  # the runtime of `sellerbridge run`
        api = create_api(self.hub, queue=huey, seller_central_url=f"{self.sandbox_url}/_sandbox/consent")
        # Masked logs (issue 9): quiet on the terminal, or everything at INFO to the demo's --log-file.
        self._server = uvicorn.Server(uvicorn.Config(api, host=self.host, port=self.port,
                                                     **uvicorn_options(self.log_file)))
        thread = threading.Thread(target=self._server.run, name="demo-hub-api", daemon=True)
        thread.start()
        self._threads.append(thread)
        while not self._server.started:
            if not thread.is_alive():
                raise RuntimeError(f"the hub's API could not listen on {self.url}")
            time.sleep(0.05)
        self._subscribe()
        self._worker = Worker(self.hub, huey, threads=4, name="demo")
        self._scheduler = Scheduler(self.hub, huey)
        self._worker.start()
        scheduler = threading.Thread(target=self._scheduler.run, name="demo-hub-scheduler", daemon=True)
        scheduler.start()
        self._threads.append(scheduler)

    def _connect_and_seed(self) -> None:
        s = self.seller
        with httpx.Client(base_url=self.sandbox_url, timeout=30) as http:
            listings = http.get(f"/_sandbox/sellers/{s['seller_id']}/listings").json()["listings"]
        for marketplace_id in s["marketplace_ids"]:
            record = connection_service.add_connection(
                self.hub, name=f"demo-{_country(marketplace_id)}", marketplace_ref=marketplace_id,
                client_id=s["client_id"], client_secret=s["client_secret"], refresh_token=s["refresh_token"],
                seller_id=s["seller_id"], api_base_url=self.sandbox_url,
                lwa_token_url=f"{self.sandbox_url}/auth/o2/token", order_settings={"pii_grant": True})
            self.connections[record.name] = record.id
        items: dict[str, int] = {}  # the seller's SKU -> the internal item's id (B6)
        for listing in listings:
            sku = listing["sku"]
            if sku not in items:
                items[sku] = mappings.add_item(self.hub, sku=f"INT-{sku}",
                                               description=f"Internal {listing.get('title') or sku}"[:200]).id
        for connection_id in self.connections.values():
            for sku, item_id in items.items():
                listing = next(x for x in listings if x["sku"] == sku)
                channel = "MFN" if listing.get("fulfillment_channel", "DEFAULT") == "DEFAULT" else "AFN"
                mappings.map_sku(self.hub, connection_id, sku, item=item_id, asin=listing.get("asin"),
                                 fulfillment_channel=channel)
        # The warehouse holds what Amazon shows for the merchant-fulfilled SKUs: from here on the hub tells
        # Amazon available-to-sell within seconds of every order, cancellation and shipment (D2, D5).
        stock_service.add_warehouse(self.hub, "MAIN", "Main warehouse")
        for listing in listings:
            if listing.get("fulfillment_channel", "DEFAULT") == "DEFAULT" and listing["sku"] in items:
                stock_service.set_count(self.hub, f"INT-{listing['sku']}", "MAIN", int(listing.get("quantity") or 0),
                                        ref=f"demo-seed:{listing['sku']}")
                items.pop(listing["sku"])  # once per SKU, whatever the marketplaces
        ground = mappings.add_ship_method(self.hub, code="UPS-GND", carrier="UPS", name="UPS Ground")
        fast = mappings.add_ship_method(self.hub, code="UPS-NDA", carrier="UPS", name="UPS Next Day Air")
        for level in ServiceLevel:  # B7: every service level maps, so every order does
            method = fast if level in FAST_LEVELS else ground
            mappings.add_ship_rule(self.hub, service_level=level, ship_method=method.id, priority=1)

    def _subscribe(self) -> None:
        """Route the demo queue to the hub's intake and subscribe the seller to ORDER_CHANGE (B1): the
        same path as ``sellerbridge connection subscribe``. One subscription covers all the seller's
        marketplaces (Amazon keeps one per seller and application)."""
        first = next(iter(self.connections.values()))
        notifications.subscribe(self.hub, first, sqs_arn=DEMO_ARN, destination_name="sellerbridge-demo",
                                route_queue=route_sandbox_queue)

    # --- running ----------------------------------------------------------------------------------

    def poll_line(self) -> str:
        """The last backstop poll of each connection, from the runtime's jobs table."""
        jobs = [j for j in manage.list_jobs(self.hub, ensure=False) if j["flow"] == orders_flow.FLOW.name]
        names = {cid: name.removeprefix("demo-") for name, cid in self.connections.items()}
        done = [f"{names.get(j['connection_id'], j['connection_id'])} "
                f"{datetime.fromisoformat(j['last_finished_at']):%H:%M:%S} {j['last_status']}"
                for j in jobs if j["last_finished_at"] is not None]
        return "; ".join(done) if done else "no poll yet"

    def stats(self) -> dict[str, Any]:
        """Counts for the live table (no buyer data): stored by status, open errors, latency p50/p95."""
        return {**overview.order_overview(self.hub), "poll": self.poll_line()}

    def stop(self) -> None:
        self._stop.set()
        if self._scheduler is not None:
            self._scheduler.stop()
        if self._worker is not None:  # running jobs finish while the sandbox still answers
            self._worker.stop(timeout=30)
        if self._server is not None:
            self._server.should_exit = True
        for thread in self._threads:
            thread.join(timeout=10)
        self.hub.close()


def _country(marketplace_id: str) -> str:
    return connection_service.marketplace_country(marketplace_id).lower()
