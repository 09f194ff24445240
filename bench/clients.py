"""Benchmark: the two Python SP-API clients against the sandbox, per call (ADR 0001).

Not a test. Serves the sandbox on loopback, then times N ``getOrder`` (Orders 2026-01-01) calls
through each client and through bare httpx (the floor), in the same run. Prints a table and writes
bench/results/clients.json.

    .venv/bin/python -m bench.clients [--calls 500]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

import httpx
from tests.adapters.sdk_clients import community_client, official_api_client
from tests.support.sandbox import Sandbox, live_server

RESULTS = Path(__file__).parent / "results"


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _measure(label: str, call, n: int) -> dict:
    call()  # warm-up: token fetch, connection pool
    samples = []
    cpu0 = _cpu()
    t0 = time.perf_counter()
    for _ in range(n):
        s = time.perf_counter()
        call()
        samples.append((time.perf_counter() - s) * 1000)
    wall = time.perf_counter() - t0
    cpu = _cpu() - cpu0  # includes the in-process sandbox server's share, the same for every client
    samples.sort()
    return {"client": label, "calls": n, "mean_ms": statistics.fmean(samples),
            "p50_ms": samples[len(samples) // 2], "p95_ms": samples[int(len(samples) * 0.95)],
            "cpu_ms_per_call": cpu / n * 1000, "calls_per_s": n / wall}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()
    sandbox = Sandbox(time_scale=0.0)
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=20, usage_plans={"getOrder": [10_000, 10_000]})
    order_id = sandbox.http.post(f"/_sandbox/sellers/{creds.seller_id}/orders",
                                 json={"count": 1, "status": "Unshipped"}).json()["order_ids"][0]
    rows = []
    with live_server(sandbox.app) as base_url:
        from sp_api.api import Orders
        from spapi.api.orders_v2026_01_01.get_order_api import GetOrderApi

        official = GetOrderApi(official_api_client(base_url, creds))
        community = community_client(Orders, base_url, creds, version="2026-01-01")
        token = sandbox.access_token(creds)
        raw = httpx.Client(base_url=base_url, headers={"x-amz-access-token": token})
        path = f"/orders/2026-01-01/orders/{order_id}"
        rows.append(_measure("httpx (floor, no model)", lambda: raw.get(path).json(), args.calls))
        rows.append(_measure("amzn-sp-api 1.13.0 (official)",
                             lambda: official.get_order(order_id, included_data=["FULFILLMENT"]), args.calls))
        rows.append(_measure("amzn-sp-api, _preload_content=False + json",
                             lambda: json.loads(official.get_order(order_id, included_data=["FULFILLMENT"],
                                                                   _preload_content=False).data), args.calls))
        rows.append(_measure("python-amazon-sp-api 2.1.35",
                             lambda: community.get_order(order_id, includedData=["FULFILLMENT"]), args.calls))
    print(f"{'client':44} {'calls':>6} {'mean ms':>8} {'p50 ms':>7} {'p95 ms':>7} {'cpu ms/call':>11} {'calls/s':>8}")
    for r in rows:
        print(f"{r['client']:44} {r['calls']:>6} {r['mean_ms']:>8.2f} {r['p50_ms']:>7.2f} {r['p95_ms']:>7.2f} "
              f"{r['cpu_ms_per_call']:>11.2f} {r['calls_per_s']:>8.0f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "clients.json").write_text(json.dumps({"operation": "getOrder (2026-01-01)", "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
