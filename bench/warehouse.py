"""Benchmark: the warehouse loop (issue 10): confirming a backlog, one shipment's latency, delivery latency.

Not a test. Three measurements, in one run, with a baseline in the same run:

1. **Backlog** (simulated time, Amazon's default limits): N shipments waiting (default 10,000, one package
   of every line of an Unshipped MFN order), posted as one CSV of the day (``services.shipments.import_csv``,
   what a warehouse's end-of-day file does). Then the ``shipment_confirm`` flow runs as the runtime runs it
   (again when it asks to, at the moment it names) until every package is confirmed. Measured: simulated
   time until the last package is confirmed, SP-API calls by operation. Baseline: the same backlog on a
   second seller, the flow forced to one ``confirmShipment`` per package (what an integration without the
   feed path does: about N / 2 s, 83 minutes for 10,000, at confirmShipment's 2/s).
   The sandbox's clock is the only clock (``bench.orders_steady.VirtualClock``): a worker's waits (the
   gateway waiting for a token, the flow's "look again at") cost simulated time, not real time.
2. **One shipment at a quiet moment** (real time): ``sellerbridge run`` (the embedded runtime: API,
   scheduler, workers) against the served sandbox at time scale 1; a shipment POSTed to the REST API every
   few seconds; measured from the POST to the package's 204 at the sandbox (its shipment's record).
3. **Order stored -> delivered at the webhook** (real time, same process): a loopback webhook receiver;
   orders created at the sandbox reach the hub (poll or push), and the ``deliveries`` job POSTs them;
   measured from the outbox row's ``created_at`` (the hub stored the order) to the receiver's arrival.

    .venv/bin/python -m bench.warehouse [--backlog 10000] [--only 1,2,3]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text
from tests.flows.support import seed_hub
from tests.support.sandbox import Sandbox, live_server

from bench.orders_steady import BenchStopped, VirtualClock, _worker
from sellerbridge.bootstrap import build_hub
from sellerbridge.db.crypto import generate_key
from sellerbridge.domain.shipments.confirmation import FEED_THRESHOLD
from sellerbridge.domain.shipments.confirmation import Path as ConfirmPath
from sellerbridge.services import shipments as shipment_service
from sellerbridge.settings import Settings
from sellerbridge.sync import orders as orders_flow
from sellerbridge.sync import shipment_confirm

RESULTS = Path(__file__).parent / "results"
TRACKING_BODY = "999AA10"  # UPS 1Z + shipper + service; a serial and its check digit are added per package


def ups_number(serial: int) -> str:
    from sellerbridge.domain.shipments.tracking import ups_check_digit
    body = f"{TRACKING_BODY}{serial:08d}"
    return f"1Z{body}{ups_check_digit(body)}"


def _load(sandbox: Sandbox, hub, clock: VirtualClock, cid: int, count: int, errors: list[str]) -> float:
    """The orders read by the hub's poll (simulated time passes); returns the real seconds it took."""
    ctx = hub.flow_context()
    wall = time.perf_counter()

    def stored() -> int:
        with hub.store.engine.connect() as conn:
            return conn.execute(text("SELECT COUNT(*) FROM orders WHERE connection_id = :c"), {"c": cid}).scalar_one()

    def poller() -> None:
        report = orders_flow.run(ctx, cid)
        if stored() >= count:
            raise BenchStopped
        wait = 5.0
        if report.not_before is not None:
            wait = max(wait, (report.not_before - clock.now()).total_seconds())
        clock.sleep(wait)

    thread = _worker(clock, poller, errors)
    _driver_until(sandbox, clock, thread)
    return time.perf_counter() - wall


def _driver_until(sandbox: Sandbox, clock: VirtualClock, thread: threading.Thread, step: float = 5.0) -> None:
    """Move the sandbox clock while the worker sleeps (``bench.orders_steady``'s rule) until it has ended."""
    while thread.is_alive():
        with clock.cond:
            while clock.busy > 0 and thread.is_alive():
                clock.cond.wait(timeout=1)
            if not thread.is_alive():
                break
            now = clock.now().timestamp()
            target = max(min([now + step, *clock.sleepers.values()]), now + 0.001)
        sandbox.advance(target - now)
        with clock.cond:
            clock.wake_due(clock.now().timestamp())
    thread.join(timeout=60)


def _day_file(hub, cid: int) -> bytes:
    """The warehouse's file of the day: every line of every stored order, one package per order."""
    out = io.StringIO()
    out.write("shipment_id,amazon_order_id,order_item_id,quantity,carrier,ship_method,tracking_number,ship_date\n")
    with hub.store.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT o.id, o.amazon_order_id, o.purchase_date, l.order_item_id, l.quantity FROM orders o "
            "JOIN order_lines l ON l.order_id = o.id WHERE o.connection_id = :c ORDER BY o.id, l.id"), {"c": cid})
        for order_id, amazon_order_id, _purchased, item_id, quantity in rows:
            ship_date = hub.now().replace(microsecond=0).isoformat()
            out.write(f"wms-{order_id},{amazon_order_id},{item_id},{quantity},UPS,Ground,{ups_number(order_id)},"
                      f"{ship_date}\n")
    return out.getvalue().encode()


def _confirm_all(sandbox: Sandbox, hub, clock: VirtualClock, cid: int, errors: list[str]) -> dict[str, Any]:
    ctx = hub.flow_context()
    t0 = clock.now()
    state: dict[str, Any] = {"runs": 0, "confirmed_at": None}

    def counts() -> dict[str, int]:
        with hub.store.engine.connect() as conn:
            return dict(conn.execute(text(
                "SELECT status, COUNT(*) FROM shipment_packages WHERE connection_id = :c GROUP BY status"),
                {"c": cid}).all())

    def confirmer() -> None:
        report = shipment_confirm.run(ctx, cid)
        state["runs"] += 1
        now_counts = counts()
        left = sum(n for status, n in now_counts.items() if status in ("queued", "sending"))
        if left == 0:
            state["confirmed_at"] = clock.now()
            state["final"] = now_counts
            raise BenchStopped
        if report.resume_at is not None:
            clock.sleep(max(0.5, (report.resume_at - clock.now()).total_seconds()))
        elif report.status.value == "failed":
            clock.sleep(report.retry_after or 30.0)

    wall = time.perf_counter()
    thread = _worker(clock, confirmer, errors)
    _driver_until(sandbox, clock, thread)
    took = (state["confirmed_at"] - t0).total_seconds() if state["confirmed_at"] else None
    return {"simulated_seconds": took, "runs": state["runs"], "wall_seconds": round(time.perf_counter() - wall, 1),
            "packages": state.get("final", counts())}


def backlog(count: int, tmp: Path, *, one_call_each: bool, sandbox: Sandbox, base_url: str) -> dict[str, Any]:
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=40, seed=17 + int(one_call_each))
    r = sandbox.http.post(f"/_sandbox/sellers/{creds.seller_id}/orders",
                          json={"count": count, "status": "Unshipped", "fba": False})
    assert r.status_code == 201, r.text
    clock = VirtualClock(sandbox)
    name = "baseline" if one_call_each else "hub"
    settings = Settings(data_dir=tmp / f"hub-{name}", database_url=f"sqlite:///{tmp / f'warehouse-{name}.sqlite3'}",
                        secret_key=generate_key().decode(), allowed_endpoint_origins=base_url)
    hub = build_hub(settings, clock=clock)
    errors: list[str] = []
    try:
        cid = seed_hub(hub, sandbox, base_url, creds)
        sandbox.advance(120)  # past the search lag
        load_wall = _load(sandbox, hub, clock, cid, count, errors)
        sandbox.advance(60)  # a ship date after the purchase
        wall = time.perf_counter()
        outcome = shipment_service.import_csv(hub, cid, _day_file(hub, cid), file_name="day.csv")
        import_wall = time.perf_counter() - wall
        before = _calls(sandbox, creds.seller_id)
        original = shipment_confirm.choose_path
        if one_call_each:
            shipment_confirm.choose_path = lambda waiting: ConfirmPath.CONFIRM_SHIPMENT
        try:
            result = _confirm_all(sandbox, hub, clock, cid, errors)
        finally:
            shipment_confirm.choose_path = original
        after = _calls(sandbox, creds.seller_id)
        shipped = sum(1 for o in sandbox.http.get(f"/_sandbox/sellers/{creds.seller_id}/orders").json()["orders"]
                      if o["status"] == "Shipped")
        calls = _calls_between(before, after)
        return {"path": "one confirmShipment per package" if one_call_each else "sellerbridge (threshold "
                f"{FEED_THRESHOLD}: feed above)", "shipments": count, "accepted": outcome["accepted"],
                "refused_lines": len(outcome.get("errors", [])), "import_wall_s": round(import_wall, 1),
                "load_wall_s": round(load_wall, 1), "amazon_shipped_orders": shipped, "calls": calls,
                "sp_api_calls": sum(calls.values()), "worker_errors": errors, **result}
    finally:
        hub.close()


def _calls_between(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """The SP-API calls by operation made between two ``_calls`` readings."""
    return {op: after.get(op, 0) - before.get(op, 0) for op in after if after.get(op, 0) != before.get(op, 0)}


def _calls(sandbox: Sandbox, seller_id: str) -> dict[str, int]:
    calls = sandbox.http.get("/_sandbox/stats").json()["calls"].get(seller_id, {})
    return {op: sum(by_status.values()) for op, by_status in calls.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument("--only", default="1,2,3")
    parser.add_argument("--out", default="warehouse.json")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    out: dict[str, Any] = {"benchmark": "warehouse", "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        if "1" in parts:
            sandbox = Sandbox(time_scale=0.0)
            with live_server(sandbox.app) as base_url:
                sandbox.config(pending_seconds=0)
                rows = [backlog(args.backlog, tmp, one_call_each=False, sandbox=sandbox, base_url=base_url),
                        backlog(args.backlog, tmp, one_call_each=True, sandbox=sandbox, base_url=base_url)]
            out["backlog"] = rows
            print(f"\n(1) {args.backlog:,} shipments waiting, simulated time under Amazon's default limits")
            print(f"{'path':<45} {'confirmed':>9} {'sim. min':>9} {'SP-API calls':>12} {'runs':>5} {'wall s':>7}")
            for row in rows:
                done = sum(n for s, n in row["packages"].items() if s in ("confirmed", "verified"))
                minutes = None if row["simulated_seconds"] is None else round(row["simulated_seconds"] / 60, 1)
                print(f"{row['path']:<45} {done:>9} {minutes!s:>9} {row['sp_api_calls']:>12} {row['runs']:>5} "
                      f"{row['wall_seconds']:>7}")
        if "2" in parts or "3" in parts:
            from bench.warehouse_live import live_latencies
            out.update(live_latencies(tmp, parts))
    out["load_after"] = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps(out, indent=2, default=str) + "\n")
    print(f"\nload average before {out['load_before']}, after {out['load_after']}")


if __name__ == "__main__":
    main()
