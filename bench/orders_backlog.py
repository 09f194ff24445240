"""Benchmark: backlog / first import of 10,000 open orders (80 % MFN) made fully actionable (G2).

Not a test. Serves the sandbox on loopback at Amazon's DEFAULT usage plans and runs, in the same
process and the same run:

- sellerbridge: the ``orders_backlog`` flow, stepped as the runtime does (one actionable-orders report for the MFN
  orders + ``searchOrders`` pages filtered to FBA) into a fresh SQLite hub;
- a naive baseline with ``python-amazon-sp-api``: v0 ``getOrders`` pages, then ``getOrderItems`` per
  order and ``getOrderAddress`` per MFN order (with a Restricted Data Token), sleeping what the
  operation's rate implies on every 429 and retrying.

Time is simulated and exact: the sandbox runs with ``time_scale=0`` and only moves when a client
sleeps (the hub's clock and the baseline's both advance the sandbox clock), so the minutes reported
are what Amazon's rate limits and report queue would cost, independent of this machine's speed.
Report timings are the sandbox defaults (60 s queue + 1 s per 1,000 rows).

Calls are SP-API operations counted by the sandbox (``GET /_sandbox/stats``), LWA token requests
NOT included; 429 answers are counted separately. The baseline may run on a sample
(``--baseline-orders``) and be extrapolated linearly to ``--orders``; the output says so.

    .venv/bin/python -m bench.orders_backlog [--orders 10000] [--baseline-orders N]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.adapters.sdk_clients import community_client
from tests.flows.support import RemoteSandboxClock, seed_hub
from tests.support.flows import run_backlog
from tests.support.sandbox import Sandbox, SellerCreds, live_server

from sellerbridge.bootstrap import build_hub
from sellerbridge.db.crypto import generate_key
from sellerbridge.sandbox.ratelimits import DEFAULT_USAGE_PLANS
from sellerbridge.settings import Settings

RESULTS = Path(__file__).parent / "results"
TARGET_MINUTES, TARGET_CALLS, TARGET_SPEEDUP = 5.0, 60, 50.0
NOT_SP_API = frozenset({"lwa", "token", "getAccessToken", "LWA"})


def _create_orders(sandbox: Sandbox, seller_id: str, total: int, mfn_share: float) -> tuple[list[str], list[str]]:
    ids: dict[bool, list[str]] = {False: [], True: []}
    for fba, count in ((False, round(total * mfn_share)), (True, total - round(total * mfn_share))):
        while count > 0:
            n = min(count, 50_000)
            r = sandbox.http.post(f"/_sandbox/sellers/{seller_id}/orders",
                                  json={"count": n, "status": "Unshipped", "fba": fba})
            assert r.status_code == 201, r.text
            ids[fba] += r.json()["order_ids"]
            count -= n
    return ids[False], ids[True]


def _calls(sandbox: Sandbox, seller_id: str) -> tuple[dict[str, int], int]:
    """SP-API operations answered (not 429) per operation, and the 429 answers."""
    stats = sandbox.http.get("/_sandbox/stats").json()["calls"].get(seller_id, {})
    ok: dict[str, int] = {}
    throttled = 0
    for op, by_status in stats.items():
        if op in NOT_SP_API:
            continue
        for status, n in by_status.items():
            if status == "429":
                throttled += n
            else:
                ok[op] = ok.get(op, 0) + n
    return ok, throttled


def run_sellerbridge(sandbox: Sandbox, base_url: str, clock: RemoteSandboxClock, total: int,
                     mfn_share: float, workdir: Path) -> dict[str, Any]:
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=40, seed=11)
    mfn, fba = _create_orders(sandbox, creds.seller_id, total, mfn_share)
    sandbox.advance(180)  # past the search index's lag: every order is visible to searchOrders
    settings = Settings(data_dir=workdir / "hub", database_url=f"sqlite:///{workdir / 'hub.sqlite3'}",
                        secret_key=generate_key().decode(), allowed_endpoint_origins=base_url)
    hub = build_hub(settings, clock=clock)
    try:
        connection_id = seed_hub(hub, sandbox, base_url, creds)
        start, wall = clock.now(), time.perf_counter()
        report = run_backlog(hub, connection_id)
        simulated = (clock.now() - start).total_seconds()
        wall = time.perf_counter() - wall
        assert report.status == "done", report.error
        with hub.store.engine.connect() as conn:
            from sqlalchemy import text
            stored = {r[0] for r in conn.execute(text("SELECT amazon_order_id FROM orders"))}
            [[lines, without_item, without_item_id]] = conn.execute(text(
                "SELECT COUNT(*), SUM(CASE WHEN item_id IS NULL THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN order_item_id IS NULL OR order_item_id = '' THEN 1 ELSE 0 END) FROM order_lines"))
            addressed = {r[0] for r in conn.execute(text(
                "SELECT o.amazon_order_id FROM orders o JOIN order_addresses a ON a.order_id = o.id "
                "WHERE a.line1_enc IS NOT NULL AND o.fulfillment = 'MFN'"))}
    finally:
        hub.close()
    calls, throttled = _calls(sandbox, creds.seller_id)
    actionable = stored == set(mfn) | set(fba) and not without_item and not without_item_id \
        and addressed == set(mfn)
    return {"orders": total, "mfn_orders": len(mfn), "fba_orders": len(fba), "stored": len(stored),
            "lines": lines, "actionable": actionable, "simulated_minutes": simulated / 60,
            "sp_api_calls": sum(calls.values()), "calls_by_operation": calls, "throttled_429": throttled,
            "wall_seconds": wall, "run_status": report.status}


class _Baseline:
    """The naive client: python-amazon-sp-api, one call per order and per address, sleeping on 429."""

    def __init__(self, base_url: str, creds: SellerCreds, clock: RemoteSandboxClock) -> None:
        from sp_api.api import Tokens
        from sp_api.api.orders.orders_v0 import OrdersV0

        self.base_url, self.creds, self.clock = base_url, creds, clock
        self.orders = community_client(OrdersV0, base_url, creds)
        self.tokens = community_client(Tokens, base_url, creds)
        self._OrdersV0 = OrdersV0
        self.address_client = None
        self.rdt_at = None
        self.throttled = 0
        self.token_refreshes = 0

    def _call(self, operation: str, fn):
        from sp_api.auth import access_token_client
        from sp_api.base.exceptions import SellingApiForbiddenException, SellingApiRequestThrottledException

        while True:
            try:
                return fn()
            except SellingApiForbiddenException as exc:
                if "expired" not in str(exc):
                    raise
                # sp_api caches the LWA token for 3200 s of REAL time; in simulated hours it expires:
                # drop the cache (and the RDT) and retry, as a long-running naive client would have to
                self.token_refreshes += 1
                access_token_client.cache.clear()
                self.address_client = None
            except SellingApiRequestThrottledException:
                self.throttled += 1
                rate, _burst = DEFAULT_USAGE_PLANS[operation]
                self.clock.sleep(1 / rate)  # what the published rate implies, on the shared simulated clock

    def _address_client(self):
        now = self.clock.now()
        if self.address_client is None or now - self.rdt_at > timedelta(minutes=50):  # RDTs live an hour
            answer = self._call("createRestrictedDataToken", lambda: self.tokens.create_restricted_data_token(
                restrictedResources=[{"method": "GET", "path": "/orders/v0/orders/{orderId}/address"}]))
            token = answer.payload["restrictedDataToken"]
            self.address_client = community_client(self._OrdersV0, self.base_url, self.creds,
                                                    restricted_data_token=token)
            self.rdt_at = now
        return self.address_client

    def run(self, created_after: str) -> dict[str, dict[str, Any]]:
        orders: dict[str, dict[str, Any]] = {}
        token = None
        while True:
            params = {"NextToken": token} if token else {
                "CreatedAfter": created_after, "OrderStatuses": "Unshipped,PartiallyShipped"}
            page = self._call("getOrders", lambda p=params: self.orders.get_orders(**p))
            for order in page.payload.get("Orders", []):
                orders[order["AmazonOrderId"]] = {"order": order}
            token = page.payload.get("NextToken") or page.next_token
            if not token:
                break
        for order_id, entry in orders.items():
            items = self._call("getOrderItems", lambda o=order_id: self.orders.get_order_items(o))
            entry["items"] = items.payload.get("OrderItems", [])
            if entry["order"].get("FulfillmentChannel") == "MFN":
                address = self._call("getOrderAddress",
                                     lambda o=order_id: self._address_client().get_order_address(o))
                entry["address"] = address.payload.get("ShippingAddress")
        return orders


def run_baseline(sandbox: Sandbox, base_url: str, clock: RemoteSandboxClock, sample: int, total: int,
                 mfn_share: float) -> dict[str, Any]:
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=40, seed=12)
    mfn, fba = _create_orders(sandbox, creds.seller_id, sample, mfn_share)
    sandbox.advance(180)
    created_after = (clock.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    baseline = _Baseline(base_url, creds, clock)
    start, wall = clock.now(), time.perf_counter()
    orders = baseline.run(created_after)
    simulated = (clock.now() - start).total_seconds()
    wall = time.perf_counter() - wall
    actionable = set(orders) == set(mfn) | set(fba) and all(
        e["items"] and all(i.get("OrderItemId") for i in e["items"]) for e in orders.values()) and all(
        orders[o].get("address") and orders[o]["address"].get("AddressLine1") for o in mfn)
    calls, throttled = _calls(sandbox, creds.seller_id)
    factor = total / sample
    return {"orders_measured": sample, "actionable": actionable, "simulated_minutes_measured": simulated / 60,
            "sp_api_calls_measured": sum(calls.values()), "calls_by_operation_measured": calls,
            "throttled_429_measured": throttled, "wall_seconds": wall,
            "token_refreshes_after_expiry": baseline.token_refreshes,
            "extrapolated": sample != total, "extrapolation_factor": factor,
            "simulated_minutes": simulated / 60 * factor, "sp_api_calls": round(sum(calls.values()) * factor)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--mfn-share", type=float, default=0.8)
    parser.add_argument("--baseline-orders", type=int, default=0,
                        help="run the baseline on a sample of this many orders, extrapolated linearly to "
                             "--orders (default 0: on all of them)")
    args = parser.parse_args()
    sample = min(args.baseline_orders or args.orders, args.orders)
    sandbox = Sandbox(time_scale=0.0)
    with live_server(sandbox.app) as base_url, tempfile.TemporaryDirectory() as tmp:
        clock = RemoteSandboxClock(base_url, sandbox)
        try:
            ours = run_sellerbridge(sandbox, base_url, clock, args.orders, args.mfn_share, Path(tmp))
            naive = run_baseline(sandbox, base_url, clock, sample, args.orders, args.mfn_share)
        finally:
            clock.close()
    speedup = naive["simulated_minutes"] / ours["simulated_minutes"] if ours["simulated_minutes"] else float("inf")
    result = {
        "benchmark": "orders_backlog", "orders": args.orders, "mfn_share": args.mfn_share,
        "rate_limits": "Amazon default usage plans (sandbox DEFAULT_USAGE_PLANS)",
        "report_timings": "sandbox defaults: 60 s queue + 1 s per 1,000 rows",
        "clock": "stepped: time_scale=0, clients' sleeps advance the sandbox clock",
        "calls_counted": "SP-API operations answered (not 429), from GET /_sandbox/stats; LWA token requests "
                         "excluded; 429 answers reported separately",
        "sellerbridge": ours, "baseline": naive,
        "baseline_note": (f"baseline measured on {sample} orders and extrapolated linearly "
                          f"x{naive['extrapolation_factor']:g}" if naive["extrapolated"]
                          else "baseline measured on all orders (no extrapolation)"),
        "speedup": speedup,
        "targets": {"sellerbridge_minutes_max": TARGET_MINUTES, "sellerbridge_calls_max": TARGET_CALLS,
                    "speedup_min": TARGET_SPEEDUP},
        "met": {"minutes": ours["simulated_minutes"] <= TARGET_MINUTES, "calls": ours["sp_api_calls"] <= TARGET_CALLS,
                "speedup": speedup >= TARGET_SPEEDUP, "actionable": ours["actionable"] and naive["actionable"]},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "orders_backlog.json").write_text(json.dumps(result, indent=2) + "\n")
    _print(result)


def _print(r: dict[str, Any]) -> None:
    ours, naive = r["sellerbridge"], r["baseline"]
    star = " *" if naive["extrapolated"] else ""
    rows = [("", "simulated min", "SP-API calls", "429s", "actionable", "wall s"),
            ("sellerbridge", f"{ours['simulated_minutes']:.2f}", str(ours["sp_api_calls"]), str(ours["throttled_429"]),
             str(ours["actionable"]), f"{ours['wall_seconds']:.1f}"),
            ("baseline (sp_api v0)" + star, f"{naive['simulated_minutes']:.1f}", str(naive["sp_api_calls"]),
             str(naive["throttled_429_measured"]), str(naive["actionable"]), f"{naive['wall_seconds']:.1f}")]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print(f"Backlog: {r['orders']} open orders ({r['mfn_share']:.0%} MFN), default rate limits, simulated time")
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    print(f"speedup: {r['speedup']:.0f}x   targets met: {r['met']}")
    print(f"sellerbridge calls: {ours['calls_by_operation']}")
    if naive["extrapolated"]:
        print(f"* {r['baseline_note']} (measured: {naive['simulated_minutes_measured']:.1f} min, "
              f"{naive['sp_api_calls_measured']} calls, {naive['throttled_429_measured']} 429s)")
    print(f"calls: {r['calls_counted']}")


if __name__ == "__main__":
    main()
