"""Benchmark: stock up (issue 11): seconds for a few changes, a full refresh of 100,000 SKUs, and the baseline.

Not a test. Three measurements in one run, the baseline in the same run:

1. **50 SKUs changed at once** (simulated time): a seller with 1,000 merchant-fulfilled SKUs that Amazon
   already shows right; 50 of them are counted anew by the warehouse in one transaction (the stock ledger's
   ``record_count``: the dirty marks ask the owner's ``stock_push`` job). The flow runs a second later (the
   scheduler's tick) and sends them; measured per SKU: from the count's commit to the moment the sandbox's
   listing shows the new quantity (its ``last_updated``: Amazon shows an accepted patch 5 s later). Target:
   p95 at most 30 s.
2. **A full refresh of 100,000 SKUs over 3 warehouses**: (a) local time to compute available-to-sell for
   every SKU (the facts read in a few queries, the pure rule, one update each) and build the
   ``JSON_LISTINGS_FEED`` documents (split at Amazon's limits), on this machine, and its peak memory
   (tracemalloc, a second pass: tracing slows it); target at most 5 s. (b) The flow itself, as the runtime
   runs it, until Amazon shows every SKU's figure: simulated time (Amazon's feed processing time and its
   window of 5 submissions per 5 minutes are the sandbox's) and real time.
3. **Baseline**: the same refresh by ``patchListingsItem`` alone, at Amazon's 5 per second (what a push
   without the feed path does). Measured on ``--baseline-skus`` SKUs (default 100,000) and, when fewer,
   extrapolated linearly (a patch costs the same 0.2 s of Amazon's rate whatever the count).

The sandbox's clock is the only clock (``bench.orders_steady.VirtualClock``): the gateway's waits for a
token and the flow's "look again at" cost simulated time, not real time.

    .venv/bin/python -m bench.stock [--skus 100000] [--baseline-skus 100000] [--only 1,2,3]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import tempfile
import time
import tracemalloc
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text, update
from tests.support.sandbox import Sandbox, live_server

from bench.orders_steady import BenchStopped, VirtualClock, _worker
from bench.warehouse import _calls, _calls_between, _driver_until
from sellerbridge.amazon.listings.feed import build_listings_feed, split_documents
from sellerbridge.bootstrap import build_hub
from sellerbridge.db.crypto import generate_key
from sellerbridge.db.repositories import connections, stock_ledger
from sellerbridge.db.repositories.stock_facts import stock_facts, stock_policy
from sellerbridge.db.tables import channel_listings, items, stock, stock_settings, warehouses
from sellerbridge.domain.ports.listings import ListingUpdate
from sellerbridge.domain.stock.availability import available_to_sell
from sellerbridge.settings import Settings
from sellerbridge.sync import stock_push

RESULTS = Path(__file__).parent / "results"
WAREHOUSES = ("EAST", "WEST", "CENTRAL")
TICK = 1.0  # the scheduler's tick: a job made due runs this long after


# --- a hub with a catalog --------------------------------------------------------------------------


def _hub(sandbox: Sandbox, base_url: str, tmp: Path, name: str, *, skus: int, seed: int):
    """A sandbox seller with ``skus`` merchant-fulfilled SKUs, and a hub that maps every one of them to an
    item with stock in three warehouses (bulk inserts: the seeding is not what is measured)."""
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=skus, seed=seed, fba_share=0.0)
    clock = VirtualClock(sandbox)
    settings = Settings(data_dir=tmp / f"hub-{name}", database_url=f"sqlite:///{tmp / f'stock-{name}.sqlite3'}",
                        secret_key=generate_key().decode(), allowed_endpoint_origins=base_url)
    hub = build_hub(settings, clock=clock)
    now = hub.now()
    listings = sandbox.http.get(f"/_sandbox/sellers/{creds.seller_id}/listings").json()["listings"]
    rng = random.Random(seed)
    with hub.store.uow() as session:
        record = connections.add_connection(
            session, hub.store.box, name=f"us-{name}", seller_id=creds.seller_id,
            marketplace_id=creds.marketplace_ids[0], region="na", client_id=creds.client_id,
            client_secret=creds.client_secret, refresh_token=creds.refresh_token, api_base_url=base_url,
            lwa_token_url=f"{base_url}/auth/o2/token", authorized_at=now,
            authorization_expires_at=now.replace(year=now.year + 1), settings={}, now=now)
        cid = record.id
        session.execute(insert(warehouses), [{"code": code, "name": code.title(), "created_at": now}
                                             for code in WAREHOUSES])
        house = [r[0] for r in session.execute(text("SELECT id FROM warehouses ORDER BY id"))]
        session.execute(insert(items), [{"sku": f"INT-{x['sku']}", "description": x["title"][:200],
                                         "created_at": now, "updated_at": now} for x in listings])
        item_ids = dict(session.execute(text("SELECT sku, id FROM items")).all())
        session.execute(insert(channel_listings), [
            {"connection_id": cid, "amazon_sku": x["sku"], "asin": x["asin"], "item_id": item_ids[f"INT-{x['sku']}"],
             "created_at": now, "updated_at": now} for x in listings])
        session.execute(insert(stock), [{"item_id": item, "warehouse_id": w, "on_hand": rng.randint(0, 60),
                                         "updated_at": now} for item in item_ids.values() for w in house])
        # buffers as a merchant sets them: 2 units kept back in the west, 5 % by default
        session.execute(update(warehouses).where(warehouses.c.code == "WEST").values(buffer_kind="fixed",
                                                                                      buffer_value=2))
        session.execute(insert(stock_settings).values(connection_id=cid, buffer_kind="percent", buffer_value=5,
                                                      updated_at=now))
    return hub, clock, cid, creds


def _set_patch_max(hub, cid: int, patch_max: int) -> None:
    with hub.store.uow() as session:
        session.execute(update(stock_settings).where(stock_settings.c.connection_id == cid)
                        .values(patch_max=patch_max))


def _left(hub) -> int:
    with hub.store.engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM quantity_pushes WHERE version > sent_version "
                                 "OR in_flight IS NOT NULL")).scalar_one()


def _push_until_applied(sandbox: Sandbox, hub, clock: VirtualClock, cid: int, errors: list[str], *,
                        start_after: float = 0.0) -> dict[str, Any]:
    """Run ``stock_push`` as the runtime does (again at the moment it names) until nothing is dirty or out."""
    ctx = hub.flow_context()
    state: dict[str, Any] = {"runs": 0, "done_at": None, "first_run_wall": None}

    def pusher() -> None:
        if state["runs"] == 0 and start_after:
            clock.sleep(start_after)
        wall = time.perf_counter()
        report = stock_push.run(ctx, cid)
        if state["first_run_wall"] is None:
            state["first_run_wall"] = round(time.perf_counter() - wall, 2)
        state["runs"] += 1
        if _left(hub) == 0:
            state["done_at"] = clock.now()
            raise BenchStopped
        if report.resume_at is not None:
            clock.sleep(max(0.5, (report.resume_at - clock.now()).total_seconds()))
        elif report.status.value == "failed":
            clock.sleep(report.retry_after or 30.0)
        else:
            clock.sleep(5.0)

    t0 = clock.now()
    wall = time.perf_counter()
    thread = _worker(clock, pusher, errors)
    _driver_until(sandbox, clock, thread)
    return {"simulated_seconds": (state["done_at"] - t0).total_seconds() if state["done_at"] else None,
            "runs": state["runs"], "first_run_wall_s": state["first_run_wall"],
            "wall_seconds": round(time.perf_counter() - wall, 1), "started": t0}


def _amazon_matches(sandbox: Sandbox, hub, seller_id: str) -> tuple[int, int]:
    """(SKUs whose sandbox quantity equals what the hub last sent, SKUs the hub sent)."""
    shown = {x["sku"]: x["quantity"] for x in
             sandbox.http.get(f"/_sandbox/sellers/{seller_id}/listings").json()["listings"]}
    with hub.store.engine.connect() as conn:
        sent = dict(conn.execute(text("SELECT amazon_sku, sent_quantity FROM quantity_pushes")).all())
    return sum(1 for sku, quantity in sent.items() if shown.get(sku) == quantity), len(sent)


# --- (1) 50 SKUs changed ---------------------------------------------------------------------------


def fifty_changed(sandbox: Sandbox, base_url: str, tmp: Path, *, changed: int = 50) -> dict[str, Any]:
    hub, clock, cid, creds = _hub(sandbox, base_url, tmp, "fifty", skus=1_000, seed=31)
    errors: list[str] = []
    try:
        first = _push_until_applied(sandbox, hub, clock, cid, errors)  # Amazon shows every figure right
        sandbox.advance(60)
        before = _calls(sandbox, creds.seller_id)
        with hub.store.engine.connect() as conn:
            rows = conn.execute(text("SELECT q.amazon_sku, q.item_id, s.warehouse_id, s.on_hand FROM quantity_pushes q "
                                     "JOIN stock s ON s.item_id = q.item_id ORDER BY q.id LIMIT :n"),
                                {"n": changed * len(WAREHOUSES)}).all()
        picked = {}
        for sku, item_id, warehouse_id, on_hand in rows:
            picked.setdefault(sku, (item_id, warehouse_id, on_hand))
        t0 = clock.now()
        with hub.store.uow() as session:  # one warehouse file: 50 counts in one transaction
            for n, (sku, (item_id, warehouse_id, on_hand)) in enumerate(sorted(picked.items())[:changed]):
                stock_ledger.record_count(session, item_id=item_id, warehouse_id=warehouse_id,
                                          on_hand=on_hand + 7 + n % 5, ref=f"bench:{sku}", now=t0)
        run = _push_until_applied(sandbox, hub, clock, cid, errors, start_after=TICK)
        sandbox.advance(30)  # past Amazon's 5 s: every accepted patch is visible
        shown = {x["sku"]: x for x in
                 sandbox.http.get(f"/_sandbox/sellers/{creds.seller_id}/listings").json()["listings"]}
        with hub.store.engine.connect() as conn:
            sent = dict(conn.execute(text("SELECT amazon_sku, sent_quantity FROM quantity_pushes")).all())
        latencies = []
        wrong = 0
        for sku in sorted(picked)[:changed]:
            listing = shown[sku]
            if listing["quantity"] != sent[sku]:
                wrong += 1
                continue
            latencies.append((datetime.fromisoformat(listing["last_updated"]) - t0).total_seconds())
        after = _calls(sandbox, creds.seller_id)
        calls = _calls_between(before, after)
        latencies.sort()
        return {"skus": 1_000, "changed": changed, "visible": len(latencies), "wrong": wrong,
                "p50_s": round(statistics.median(latencies), 1) if latencies else None,
                "p95_s": round(latencies[max(0, int(len(latencies) * 0.95) - 1)], 1) if latencies else None,
                "max_s": round(latencies[-1], 1) if latencies else None, "calls": calls,
                "initial_push_simulated_s": first["simulated_seconds"], "runs": run["runs"], "worker_errors": errors}
    finally:
        hub.close()


# --- (2) the full refresh --------------------------------------------------------------------------


def _compute_and_build(hub, cid: int, seller_id: str, marketplace_id: str) -> tuple[int, int]:
    """Available-to-sell for every SKU and the feed documents: (SKUs, document bytes)."""
    with hub.store.uow(read_only=True) as session:
        policy = stock_policy(session, cid)
        facts = stock_facts(session)
        listed = session.execute(text("SELECT amazon_sku, item_id FROM channel_listings WHERE connection_id = :c"),
                                 {"c": cid}).all()
    updates = []
    for sku, item_id in listed:
        figure = available_to_sell(facts[item_id], policy)
        updates.append(ListingUpdate(sku, marketplace_id, quantity=figure.quantity,
                                     lead_time_days=figure.lead_time_days))
    size = 0
    for document in split_documents(updates):
        size += len(build_listings_feed(seller_id, document, marketplace_id))
    return len(updates), size


def full_refresh(sandbox: Sandbox, base_url: str, tmp: Path, *, skus: int) -> dict[str, Any]:
    hub, clock, cid, creds = _hub(sandbox, base_url, tmp, "refresh", skus=skus, seed=41)
    errors: list[str] = []
    try:
        gc.collect()
        wall = time.perf_counter()
        count, size = _compute_and_build(hub, cid, creds.seller_id, creds.marketplace_ids[0])
        local_s = time.perf_counter() - wall
        gc.collect()
        tracemalloc.start()
        _compute_and_build(hub, cid, creds.seller_id, creds.marketplace_ids[0])
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        before = _calls(sandbox, creds.seller_id)
        run = _push_until_applied(sandbox, hub, clock, cid, errors)
        sandbox.advance(30)
        matching, sent = _amazon_matches(sandbox, hub, creds.seller_id)
        after = _calls(sandbox, creds.seller_id)
        calls = _calls_between(before, after)
        return {"skus": count, "warehouses": len(WAREHOUSES), "local_compute_build_s": round(local_s, 2),
                "document_bytes": size, "peak_memory_mib": round(peak / 2**20, 1),
                "simulated_seconds": run["simulated_seconds"], "runs": run["runs"],
                "first_run_wall_s": run["first_run_wall_s"], "wall_seconds": run["wall_seconds"],
                "amazon_shows_sent": matching, "sent": sent, "calls": calls, "sp_api_calls": sum(calls.values()),
                "worker_errors": errors}
    finally:
        hub.close()


# --- (3) the baseline ------------------------------------------------------------------------------


def patch_only(sandbox: Sandbox, base_url: str, tmp: Path, *, skus: int, target: int) -> dict[str, Any]:
    hub, clock, cid, creds = _hub(sandbox, base_url, tmp, "baseline", skus=skus, seed=51)
    errors: list[str] = []
    try:
        _set_patch_max(hub, cid, skus)  # every dirty SKU by patchListingsItem: no feed path
        before = _calls(sandbox, creds.seller_id)
        run = _push_until_applied(sandbox, hub, clock, cid, errors)
        sandbox.advance(30)
        matching, sent = _amazon_matches(sandbox, hub, creds.seller_id)
        after = _calls(sandbox, creds.seller_id)
        calls = _calls_between(before, after)
        simulated = run["simulated_seconds"]
        return {"skus": skus, "simulated_seconds": simulated, "runs": run["runs"], "wall_seconds": run["wall_seconds"],
                "extrapolated_to": target,
                "extrapolated_seconds": None if simulated is None else round(simulated * target / skus),
                "amazon_shows_sent": matching, "sent": sent, "calls": calls, "worker_errors": errors}
    finally:
        hub.close()


def _hours(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 3600:.2f} h"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--baseline-skus", type=int, default=100_000)
    parser.add_argument("--only", default="1,2,3")
    parser.add_argument("--out", default="stock.json")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    out: dict[str, Any] = {"benchmark": "stock", "load_before": os.getloadavg(), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        sandbox = Sandbox(time_scale=0.0)
        with live_server(sandbox.app) as base_url:
            if "1" in parts:
                row = out["fifty_changed"] = fifty_changed(sandbox, base_url, tmp)
                print("\n(1) 50 SKUs changed at once (simulated seconds from the count's commit to Amazon showing it)")
                print(f"{'visible':>8} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'patches':>8} {'feeds':>6}")
                print(f"{row['visible']:>8} {row['p50_s']!s:>7} {row['p95_s']!s:>7} {row['max_s']!s:>7} "
                      f"{row['calls'].get('patchListingsItem', 0):>8} {row['calls'].get('createFeed', 0):>6}")
            if "2" in parts:
                row = out["full_refresh"] = full_refresh(sandbox, base_url, tmp, skus=args.skus)
                print(f"\n(2) full refresh of {row['skus']:,} SKUs over {row['warehouses']} warehouses")
                print(f"{'local compute+build s':>22} {'peak MiB':>9} {'doc MiB':>8} {'simulated':>10} "
                      f"{'SP-API calls':>12} {'feeds':>6} {'Amazon shows':>13} {'wall s':>7}")
                print(f"{row['local_compute_build_s']:>22} {row['peak_memory_mib']:>9} "
                      f"{row['document_bytes'] / 2**20:>8.1f} {_hours(row['simulated_seconds']):>10} "
                      f"{row['sp_api_calls']:>12} {row['calls'].get('createFeed', 0):>6} "
                      f"{row['amazon_shows_sent']:>13,} {row['wall_seconds']:>7}")
            if "3" in parts:
                row = out["patch_only_baseline"] = patch_only(sandbox, base_url, tmp, skus=args.baseline_skus,
                                                              target=args.skus)
                print(f"\n(3) baseline: patchListingsItem alone at Amazon's 5/s, {row['skus']:,} SKUs")
                print(f"{'simulated':>10} {'for ' + format(args.skus, ',') + ' SKUs':>18} {'patches':>8} "
                      f"{'Amazon shows':>13} {'wall s':>7}")
                print(f"{_hours(row['simulated_seconds']):>10} {_hours(row['extrapolated_seconds']):>18} "
                      f"{row['calls'].get('patchListingsItem', 0):>8} {row['amazon_shows_sent']:>13,} "
                      f"{row['wall_seconds']:>7}")
    out["load_after"] = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps(out, indent=2, default=str) + "\n")
    print(f"\nload average before {out['load_before']}, after {out['load_after']}; written to bench/results/{args.out}")


if __name__ == "__main__":
    main()
