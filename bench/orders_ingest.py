"""Benchmark: local order ingest, orders (3 lines each) mapped and stored per second (issue 3, part 3).

Not a test. Amazon 2026-01-01 order payloads are read once from the sandbox (``searchOrders``) and
turned into N distinct orders of exactly three lines (new order ids, item ids and SKUs from the
seller's catalog). They are then fed through the flows' real path: the gateway's mapping
(``amazon/orders/v2026.to_order_draft``) and ``sync/order_import.store_orders`` in ``DbOrderStore``
transactions of 100 orders (one searchOrders page, committed with the watermark), on SQLite (file,
WAL) and on PostgreSQL (127.0.0.1:5432, database ``test``, a throwaway schema). Mapping (payload ->
draft -> filters -> mapped order) is inside the timing. Target: >= 1,000/s. The second path stores
the same orders one per ``store_orders`` call (what a push fetch does): the store's batching is the
difference.
Each row also gives the bench process's CPU time (``cpu_us_per_order``) and the machine's 1-minute
load average at the start: on a shared machine the CPU time is the steadier figure to compare.

    .venv/bin/python -m bench.orders_ingest [--orders 5000] [--runs 3] [--paths both|batched|per-order]
                                            [--no-pg] [--profile]
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import io
import json
import os
import pstats
import tempfile
import time
from contextlib import ExitStack
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import text
from tests.flows.support import RemoteSandboxClock, seed_hub
from tests.support.pg import pg_schema
from tests.support.sandbox import Sandbox, live_server

from sellerbridge.amazon.orders.v2026 import to_order_draft
from sellerbridge.bootstrap import build_hub
from sellerbridge.db.crypto import generate_key
from sellerbridge.domain.common.results import Tally
from sellerbridge.domain.ports.orders import OrderStore
from sellerbridge.settings import Settings
from sellerbridge.sync.order_import import ORDER_COUNTS, store_orders

RESULTS = Path(__file__).parent / "results"
PAGE = 100
LINES = 3


def sample_payloads(sandbox: Sandbox, base_url: str, creds, hub, connection_id: int) -> list[dict[str, Any]]:
    """Real searchOrders payloads of Unshipped MFN orders (all datasets, PII grant)."""
    r = sandbox.http.post(f"/_sandbox/sellers/{creds.seller_id}/orders",
                          json={"count": 200, "status": "Unshipped", "fba": False})
    assert r.status_code == 201, r.text
    sandbox.advance(180)  # past the search lag
    gateway = hub.gateway_for(connection_id)
    now = hub.now()
    out: list[dict[str, Any]] = []
    for page in gateway.changed_orders(after=now - timedelta(days=1), before=now, pii=True):
        out.extend(draft.source for draft in page.orders)  # Amazon's payloads, as the gateway read them
    return out


def make_orders(samples: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """N distinct orders of exactly three lines, built from the real payloads."""
    items = [item for s in samples for item in s["orderItems"]]
    out = []
    for i in range(n):
        order = copy.deepcopy(samples[i % len(samples)])
        order["orderId"] = f"9{i // 10_000_000:02d}-{i % 10_000_000:07d}-{(i * 7919) % 10_000_000:07d}"
        lines = []
        for k in range(LINES):
            item = copy.deepcopy(items[(i * LINES + k) % len(items)])
            item["orderItemId"] = f"{i:08d}{k:06d}"
            lines.append(item)
        order["orderItems"] = lines
        out.append(order)
    return out


def ingest(store: OrderStore, to_draft, orders: list[dict[str, Any]], batched: bool) -> Tally:
    """Map and store ``orders`` a page at a time (one transaction with its watermark), the page in one
    ``store_orders`` call (``batched``) or one call per order."""
    tally = Tally(ORDER_COUNTS)
    for start in range(0, len(orders), PAGE):
        page = [to_draft(payload) for payload in orders[start:start + PAGE]]
        with store.transaction() as tx:
            if batched:
                store_orders(tx, page, tally)
            else:
                for draft in page:
                    store_orders(tx, [draft], tally)
            tx.set_watermark(max(draft.last_updated for draft in page))
    return tally


def run_backend(label: str, url: str, sandbox, base_url, creds, orders, *, batched: bool,
                profile: bool, tmp: Path) -> dict[str, Any]:
    clock = RemoteSandboxClock(base_url, sandbox)
    settings = Settings(data_dir=tmp, database_url=url, secret_key=generate_key().decode(),
                        allowed_endpoint_origins=base_url)
    hub = build_hub(settings, clock=clock)
    try:
        cid = seed_hub(hub, sandbox, base_url, creds)
        store = hub.flow_context().ports(cid).orders  # what a run of a flow gets
        to_draft = partial(to_order_draft, marketplace_id=creds.marketplace_ids[0])
        warm = [dict(o, orderId="W" + o["orderId"]) for o in orders[:PAGE]]
        ingest(store, to_draft, warm, batched)  # warm-up page: caches, connection pool
        prof = cProfile.Profile() if profile else None
        load = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        if prof:
            prof.enable()
        counts = ingest(store, to_draft, orders, batched)
        if prof:
            prof.disable()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        again = ingest(store, to_draft, orders[:1000], batched)  # idempotent re-read
        with hub.store.engine.connect() as conn:
            stored = conn.execute(text("SELECT COUNT(*) FROM orders")).scalar_one() - len(warm)
            lines = conn.execute(text("SELECT COUNT(*) FROM order_lines")).scalar_one() - len(warm) * LINES
            events = conn.execute(text("SELECT COUNT(*) FROM outbox")).scalar_one() - len(warm)
        result = {"backend": label, "path": _path(batched),
                  "orders": len(orders), "seconds": round(wall, 3), "orders_per_s": round(len(orders) / wall, 1),
                  "cpu_us_per_order": round(cpu / len(orders) * 1e6), "load_1m": round(load, 1),
                  "created": counts["created"], "errors": counts["errors"], "stored": stored, "lines": lines,
                  "outbox": events, "reread_unchanged": again["unchanged"], "reread_created": again["created"]}
        if prof:
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(45)
            result["profile_top"] = buf.getvalue()
        return result
    finally:
        hub.close()
        clock.close()


PATHS = {"both": (False, True), "batched": (True,), "per-order": (False,)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=1, help="measure each backend and path this many times")
    parser.add_argument("--paths", choices=sorted(PATHS), default="both")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        sandbox = Sandbox(time_scale=0.0)
        base_url = stack.enter_context(live_server(sandbox.app))
        creds = sandbox.create_seller(marketplaces=["US"], catalog_size=60, seed=7)
        samples = _samples(sandbox, base_url, creds, tmp)
        orders = make_orders(samples, args.orders)
        backends = ["sqlite"] + ([] if args.no_pg else ["postgresql"])
        for run in range(1, args.runs + 1):
            for label in backends:
                for batched in PATHS[args.paths]:
                    with ExitStack() as db:
                        name = f"{run}-{label}-{batched}"
                        url = (f"sqlite:///{tmp / f'ingest-{name}.sqlite3'}" if label == "sqlite"
                               else db.enter_context(pg_schema("bench")))
                        row = run_backend(label, url, sandbox, base_url, creds, orders, batched=batched,
                                          profile=args.profile, tmp=tmp / name)
                    rows.append({"run": run, **row})
                    print(f"run {run} {row['backend']:<11} {row['path']:<20} {row['orders']:>6} orders "
                          f"{row['seconds']:>7.2f} s {row['orders_per_s']:>8.1f}/s  "
                          f"cpu={row['cpu_us_per_order']}us/order load={row['load_1m']}  stored={row['stored']} "
                          f"lines={row['lines']} outbox={row['outbox']} errors={row['errors']} "
                          f"re-read unchanged={row['reread_unchanged']}", flush=True)
                    if args.profile:
                        print(row["profile_top"])
    print()
    print(f"{'backend':<11} {'path':<20} {'runs':>4} {'orders/s (min-max)':>20} {'cpu us/order':>13} {'target':>7}")
    summary = []
    for label in backends:
        for batched in PATHS[args.paths]:
            mine = [r for r in rows if r["backend"] == label and r["path"] == _path(batched)]
            rates = [r["orders_per_s"] for r in mine]
            cpus = [r["cpu_us_per_order"] for r in mine]
            summary.append({"backend": label, "path": _path(batched), "runs": len(mine), "orders_per_s_min": min(rates),
                            "orders_per_s_max": max(rates), "cpu_us_per_order_min": min(cpus),
                            "cpu_us_per_order_max": max(cpus)})
            ok = "ok" if min(rates) >= 1000 else "MISS"
            print(f"{label:<11} {_path(batched):<20} {len(mine):>4} {f'{min(rates):.0f}-{max(rates):.0f}':>20} "
                  f"{f'{min(cpus)}-{max(cpus)}':>13} {ok:>7}")
    RESULTS.mkdir(exist_ok=True)
    out = {"benchmark": "orders_ingest", "lines_per_order": LINES, "page": PAGE, "target_orders_per_s": 1000,
           "cpu_count": os.cpu_count(), "summary": summary,
           "runs": [{k: v for k, v in r.items() if k != "profile_top"} for r in rows]}
    (RESULTS / "orders_ingest.json").write_text(json.dumps(out, indent=2) + "\n")


def _path(batched: bool) -> str:
    return "page-batched" if batched else "one order per call"


def _samples(sandbox: Sandbox, base_url: str, creds, tmp: Path) -> list[dict[str, Any]]:
    """The sample payloads, read through the hub's gateway from the sandbox once for all runs."""
    clock = RemoteSandboxClock(base_url, sandbox)
    settings = Settings(data_dir=tmp / "hub-sample", database_url=f"sqlite:///{tmp / 'sample.sqlite3'}",
                        secret_key=generate_key().decode(), allowed_endpoint_origins=base_url)
    hub = build_hub(settings, clock=clock)
    try:
        cid = seed_hub(hub, sandbox, base_url, creds)
        return sample_payloads(sandbox, base_url, creds, hub, cid)
    finally:
        hub.close()
        clock.close()


if __name__ == "__main__":
    main()
