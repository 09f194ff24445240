"""Benchmark: local order ingest, orders (3 lines each) mapped and stored per second (issue 3, part 3).

Not a test. Amazon 2026-01-01 order payloads are read once from the sandbox (``searchOrders``) and
turned into N distinct orders of exactly three lines (new order ids, item ids and SKUs from the
seller's catalog). They are then fed through the flow's real path, ``sync.orders.store_payloads``
in ``DbOrderStore`` transactions of 100 orders (one searchOrders page, committed with the watermark),
on SQLite (file, WAL) and on PostgreSQL (127.0.0.1:5432, database ``test``, a throwaway schema).
Mapping (payload -> draft -> filters -> mapped order) is inside the timing. Target: >= 1,000/s.

    .venv/bin/python -m bench.orders_ingest [--orders 5000] [--profile]
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import io
import json
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

from sellerbridge.amazon.mappers import to_order_draft
from sellerbridge.bootstrap import build_hub
from sellerbridge.db.crypto import generate_key
from sellerbridge.db.order_store import DbOrderStore
from sellerbridge.domain.ports import RunCounts
from sellerbridge.settings import Settings
from sellerbridge.sync import orders as flow

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
    for page in gateway.search_orders(last_updated_after=now - timedelta(days=1), before=now - timedelta(minutes=2),
                                      included_data=flow.INCLUDED_DATA):
        out.extend(page.orders)
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


def ingest(store: DbOrderStore, to_draft, orders: list[dict[str, Any]], batched: bool) -> RunCounts:
    counts = RunCounts()
    saved = flow.PAGE_BATCHING if hasattr(flow, "PAGE_BATCHING") else None
    if saved is not None:
        flow.PAGE_BATCHING = batched
    try:
        for start in range(0, len(orders), PAGE):
            page = orders[start:start + PAGE]
            with store.transaction() as tx:
                flow.store_payloads(tx, page, to_draft, counts)
                last = max(flow.to_datetime(o["lastUpdatedTime"]) for o in page)
                tx.set_watermark(last)
    finally:
        if saved is not None:
            flow.PAGE_BATCHING = saved
    return counts


def run_backend(label: str, url: str, sandbox, base_url, creds, orders, samples_holder, *, batched: bool,
                profile: bool, tmp: Path) -> dict[str, Any]:
    clock = RemoteSandboxClock(base_url, sandbox)
    settings = Settings(data_dir=tmp / f"hub-{label}-{batched}", database_url=url, secret_key=generate_key().decode())
    hub = build_hub(settings, clock=clock)
    try:
        cid = seed_hub(hub, sandbox, base_url, creds)
        if not samples_holder:
            samples_holder.extend(sample_payloads(sandbox, base_url, creds, hub, cid))
            orders.extend(make_orders(samples_holder, len(orders) or 0))
        store = DbOrderStore(hub.store, cid, now=hub.now)
        to_draft = partial(to_order_draft, marketplace_id=creds.marketplace_ids[0])
        warm = [dict(o, orderId="W" + o["orderId"]) for o in orders[:PAGE]]
        ingest(store, to_draft, warm, batched)  # warm-up page: caches, connection pool
        prof = cProfile.Profile() if profile else None
        t0 = time.perf_counter()
        if prof:
            prof.enable()
        counts = ingest(store, to_draft, orders, batched)
        if prof:
            prof.disable()
        wall = time.perf_counter() - t0
        again = ingest(store, to_draft, orders[:1000], batched)  # idempotent re-read
        with hub.store.engine.connect() as conn:
            stored = conn.execute(text("SELECT COUNT(*) FROM orders")).scalar_one() - len(warm)
            lines = conn.execute(text("SELECT COUNT(*) FROM order_lines")).scalar_one() - len(warm) * LINES
            events = conn.execute(text("SELECT COUNT(*) FROM outbox")).scalar_one() - len(warm)
        result = {"backend": label, "path": "page-batched" if batched else "per-order savepoint",
                  "orders": len(orders), "seconds": round(wall, 3), "orders_per_s": round(len(orders) / wall, 1),
                  "created": counts.created, "errors": counts.errors, "stored": stored, "lines": lines,
                  "outbox": events, "reread_unchanged": again.unchanged, "reread_created": again.created}
        if prof:
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(45)
            result["profile_top"] = buf.getvalue()
        return result
    finally:
        hub.close()
        clock.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        sandbox = Sandbox(time_scale=0.0)
        base_url = stack.enter_context(live_server(sandbox.app))
        creds = sandbox.create_seller(marketplaces=["US"], catalog_size=60, seed=7)
        samples: list[dict[str, Any]] = []
        orders: list[dict[str, Any]] = [{}] * 0
        # the first backend run fetches the samples and builds the orders
        orders_n = args.orders
        paths = [False, True] if hasattr(flow, "PAGE_BATCHING") else [False]
        backends: list[tuple[str, Any]] = [("sqlite", None)] + ([] if args.no_pg else [("postgresql", "pg")])
        for label, kind in backends:
            for batched in paths:
                if kind is None:
                    url = f"sqlite:///{tmp / f'ingest-{batched}.sqlite3'}"
                    ctx = None
                else:
                    ctx = pg_schema("bench")
                    url = stack.enter_context(ctx)
                if not orders:
                    orders = [{}] * 0
                    holder_orders: list[dict[str, Any]] = []
                    row = _first(label, url, sandbox, base_url, creds, holder_orders, samples, orders_n,
                                 batched, args.profile, tmp)
                    orders = holder_orders
                else:
                    row = run_backend(label, url, sandbox, base_url, creds, orders, samples, batched=batched,
                                      profile=args.profile, tmp=tmp)
                rows.append(row)
                print(f"{row['backend']:<11} {row['path']:<20} {row['orders']:>6} orders "
                      f"{row['seconds']:>7.2f} s {row['orders_per_s']:>8.1f}/s  stored={row['stored']} "
                      f"lines={row['lines']} outbox={row['outbox']} errors={row['errors']} "
                      f"re-read unchanged={row['reread_unchanged']}", flush=True)
                if args.profile:
                    print(row["profile_top"])
    print()
    print(f"{'backend':<11} {'path':<20} {'orders':>6} {'seconds':>8} {'orders/s':>9} {'target':>7}")
    for row in rows:
        ok = "ok" if row["orders_per_s"] >= 1000 else "MISS"
        print(f"{row['backend']:<11} {row['path']:<20} {row['orders']:>6} {row['seconds']:>8.2f} "
              f"{row['orders_per_s']:>9.1f} {ok:>7}")
    RESULTS.mkdir(exist_ok=True)
    out = {"benchmark": "orders_ingest", "lines_per_order": LINES, "page": PAGE, "target_orders_per_s": 1000,
           "runs": [{k: v for k, v in r.items() if k != "profile_top"} for r in rows]}
    (RESULTS / "orders_ingest.json").write_text(json.dumps(out, indent=2) + "\n")


def _first(label, url, sandbox, base_url, creds, orders_out, samples, n, batched, profile, tmp):
    """The first run: fetch the sample payloads through the hub's gateway, build the orders, measure."""
    clock = RemoteSandboxClock(base_url, sandbox)
    settings = Settings(data_dir=tmp / "hub-sample", database_url=f"sqlite:///{tmp / 'sample.sqlite3'}",
                        secret_key=generate_key().decode())
    hub = build_hub(settings, clock=clock)
    try:
        cid = seed_hub(hub, sandbox, base_url, creds)
        samples.extend(sample_payloads(sandbox, base_url, creds, hub, cid))
    finally:
        hub.close()
        clock.close()
    orders_out.extend(make_orders(samples, n))
    return run_backend(label, url, sandbox, base_url, creds, orders_out, samples, batched=batched,
                       profile=profile, tmp=tmp)


if __name__ == "__main__":
    main()
