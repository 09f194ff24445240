"""bench/warehouse.py parts 2 and 3: latencies through the real embedded runtime (``sellerbridge run``).

One ``sellerbridge run`` process (REST API, scheduler, worker threads, SQLite) against the served sandbox
at time scale 1 (its clock is real time plus an offset, and the hub follows it). A loopback webhook
receiver that verifies signatures (``tests/support/webhook_receiver.py``) notes when each message arrives.

- Part 3: a live order stream at the sandbox; the hub reads the orders (its poll and report backstop, as
  configured by default) and stores them with their outbox rows; the ``deliveries`` job the order flows
  ask for POSTs them. Latency: arrival at the receiver minus the outbox row's ``created_at``.
- Part 2: at a quiet moment (the stream stopped, the backlog delivered), one shipment POSTed to
  ``/api/shipments`` every few seconds; latency: the sandbox's ``confirmed_at`` of the package (Amazon's
  204) minus the moment of the POST, both on the sandbox's clock.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from tests.support import fleet
from tests.support.processes import ServedSandbox, hub_command, hub_env, wait_for
from tests.support.sandbox import free_port
from tests.support.webhook_receiver import WebhookReceiver

from bench.warehouse import ups_number
from sellerbridge.bootstrap import build_hub
from sellerbridge.db.crypto import generate_key
from sellerbridge.services import api_keys, receivers
from sellerbridge.settings import Settings

STREAM_SECONDS = 90  # real seconds of order stream (part 3)
ORDERS_PER_HOUR = 1200
SHIPMENTS = 15  # part 2
SHIPMENT_EVERY = 2.0  # real seconds between two POSTs


def _pct(values: list[float], p: float) -> float | None:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * p))], 2) if values else None


def _summary(values: list[float]) -> dict[str, Any]:
    return {"n": len(values), "p50_s": round(statistics.median(values), 2) if values else None,
            "p95_s": _pct(values, 0.95), "max_s": round(max(values), 2) if values else None}


def _aware(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.now().astimezone().tzinfo)


def live_latencies(tmp: Path, parts: set[str]) -> dict[str, Any]:
    sandbox = ServedSandbox.start(1.0, tmp)
    sandbox.config(pending_seconds=0)
    out: dict[str, Any] = {}
    proc = None
    try:
        key = generate_key().decode()
        data_dir = tmp / "live-hub"
        database_url = f"sqlite:///{data_dir / 'sellerbridge.sqlite3'}"
        hub = build_hub(Settings(data_dir=data_dir, database_url=database_url, secret_key=key,
                                 follow_sandbox_clock=sandbox.base_url, allowed_endpoint_origins=sandbox.base_url))
        receiver = WebhookReceiver().__enter__()
        arrivals: dict[str, float] = {}
        original_take = receiver._take

        def noting(handler, body):  # the arrival moment of each message, first time only
            with contextlib.suppress(ValueError, KeyError, TypeError):
                arrivals.setdefault(json.loads(body)["message_id"], time.time())
            return original_take(handler, body)

        receiver._take = noting
        try:
            [seller] = fleet.seed_connections(hub, sandbox.http, sandbox.base_url,
                                              fleet.create_sellers(sandbox.http, 1, catalog_size=30, seed=5))
            revealed = receivers.add_receiver(hub, seller.connection_id, name="wms", kind="webhook", actor="bench",
                                              url=receiver.url)
            receiver.secrets.append(revealed.secret)
            _record, api_key = api_keys.create_key(hub, "bench-wms", ["operator"])
        finally:
            hub.close()
        port = free_port()
        env = hub_env(data_dir=data_dir, database_url=database_url, secret_key=key, sandbox_url=sandbox.base_url)
        proc = hub_command("run", "run", "--port", str(port), env=env, log_dir=tmp / "logs").start()
        base = f"http://127.0.0.1:{port}"
        def serving() -> bool:
            try:
                return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:  # not listening yet
                return False

        assert wait_for(serving, timeout=90, every=0.5), proc.tail()
        offset = _sandbox_now(sandbox).timestamp() - time.time()  # sandbox clock = real time + offset

        sandbox.set_rate(seller.seller_id, ORDERS_PER_HOUR)
        time.sleep(STREAM_SECONDS)
        sandbox.stop_stream(seller.seller_id)
        engine = create_engine(database_url, poolclass=NullPool)

        def stored_events() -> list[tuple[str, datetime]]:
            with engine.connect() as conn:
                return [(f"{r.id}", _aware(r.created_at)) for r in conn.execute(text(
                    "SELECT d.message_id AS id, o.created_at FROM deliveries d JOIN outbox o ON o.id = d.event_id"))]

        mfn = [o for o in sandbox.orders(seller.seller_id).values() if o["fulfillment_channel"] == "MFN"
               and o["status"] != "Canceled"]
        wait_for(lambda: len(arrivals) >= len(mfn), timeout=600, every=2.0)
        events = stored_events()
        delivery = [arrivals[mid] + offset - at.timestamp() for mid, at in events if mid in arrivals]
        out["delivery"] = {"orders_mfn": len(mfn), "delivered": len(arrivals), **_summary(delivery),
                           "processed_twice": sum(1 for n in receiver.processings.values() if n > 1),
                           "bad_signatures": receiver.bad_signatures, "p95_target_s": 5}

        if "2" in parts:
            out["shipment"] = _shipments(sandbox, base, api_key, seller, engine)
        engine.dispose()
    finally:
        if proc is not None:
            proc.stop(60)
        sandbox.close()
    return out


def _sandbox_now(sandbox: ServedSandbox) -> datetime:
    return datetime.fromisoformat(sandbox.http.get("/_sandbox/clock").json()["now"])


def _shipments(sandbox: ServedSandbox, base: str, api_key: str, seller, engine) -> dict[str, Any]:
    with engine.connect() as conn:
        orders = conn.execute(text(
            "SELECT o.id, o.amazon_order_id FROM orders o WHERE o.status = 'unshipped' AND o.fulfillment = 'MFN' "
            "AND o.connection_id = :c "
            "ORDER BY o.id LIMIT :n"), {"c": seller.connection_id, "n": SHIPMENTS}).all()
        lines = {row.id: conn.execute(text("SELECT order_item_id, quantity FROM order_lines WHERE order_id = :o"),
                                      {"o": row.id}).all() for row in orders}
    latencies: list[float] = []
    posted: dict[str, datetime] = {}
    with httpx.Client(base_url=base, headers={"X-API-Key": api_key}, timeout=30) as client:
        for n, order in enumerate(orders):
            now = _sandbox_now(sandbox)
            body = {"connection": str(seller.connection_id), "amazon_order_id": order.amazon_order_id,
                    "ship_date": (now - timedelta(minutes=1)).isoformat(),
                    "packages": [{"carrier": "UPS", "ship_method": "Ground", "tracking_number": ups_number(90_000 + n),
                                  "items": [{"order_item_id": item, "quantity": qty}
                                            for item, qty in lines[order.id]]}]}
            r = client.post("/api/shipments", json=body, headers={"Idempotency-Key": f"bench-{order.id}"})
            assert r.status_code == 201, r.text
            posted[order.amazon_order_id] = now
            time.sleep(SHIPMENT_EVERY)

    def confirmed() -> dict[str, datetime]:
        found = {}
        for order_id in posted:
            view = sandbox.http.get(f"/_sandbox/sellers/{seller.seller_id}/orders/{order_id}").json()
            if view["shipments"]:
                found[order_id] = datetime.fromisoformat(view["shipments"][0]["confirmed_at"])
        return found

    wait_for(lambda: len(confirmed()) == len(posted), timeout=300, every=1.0)
    for order_id, at in confirmed().items():
        latencies.append((at - posted[order_id]).total_seconds())
    return {**_summary(latencies), "posted": len(posted), "p95_target_s": 10}
