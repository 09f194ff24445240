"""Benchmark: the orders issue's three measures in one run, one table, ``bench/results/orders.json``.

Not a test. Runs, each in its own process against its own in-process sandbox at Amazon's default
usage plans (simulated time):

1. ``bench.orders_backlog`` — 10,000 open orders (80% MFN) made actionable: sellerbridge's report +
   searchOrders path and, in the same run, a naive python-amazon-sp-api v0 baseline.
2. ``bench.orders_steady`` — order latency at 1,500/h with notifications, 1,500/h polling only, and
   3,000/h (scenarios a, b, c; run in parallel processes, each its own sandbox and database).
3. ``bench.orders_ingest`` — local ingest (map + store), SQLite and PostgreSQL.

    .venv/bin/python -m bench.orders [--only backlog,steady,ingest] [--merge-only]

``--merge-only`` rebuilds the table and orders.json from the parts' latest result files.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).parent.parent
STEADY = ("a", "b", "c")


def _run(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _wait(name: str, proc: subprocess.Popen) -> None:
    out, _ = proc.communicate()
    if proc.returncode != 0:
        print(out[-4000:], file=sys.stderr)
        raise SystemExit(f"{name} failed with exit code {proc.returncode}")


def run_parts(parts: set[str]) -> dict[str, float]:
    """Run the chosen parts; steady scenarios in parallel (each is mostly waiting on a simulated clock)."""
    walls: dict[str, float] = {}
    t0 = time.perf_counter()
    if "steady" in parts:
        steady = {k: _run(["bench.orders_steady", "--only", k, "--out", f"steady_{k}.json"]) for k in STEADY}
    if "backlog" in parts:
        _wait("backlog", _run(["bench.orders_backlog"]))
        walls["backlog"] = time.perf_counter() - t0
    if "steady" in parts:
        for key, proc in steady.items():
            _wait(f"steady {key}", proc)
        _wait("steady merge", _run(["bench.orders_steady", "--merge", *[f"steady_{k}.json" for k in STEADY]]))
        walls["steady"] = time.perf_counter() - t0
    if "ingest" in parts:  # alone: it measures CPU
        t1 = time.perf_counter()
        _wait("ingest", _run(["bench.orders_ingest"]))
        walls["ingest"] = time.perf_counter() - t1
    return walls


def _load(name: str) -> dict[str, Any]:
    path = RESULTS / name
    if not path.exists():
        raise SystemExit(f"{path} missing: run the part first (without --merge-only)")
    return json.loads(path.read_text())


def rows() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The table rows (measure, result, target, met) and the raw parts."""
    backlog, steady, ingest = _load("orders_backlog.json"), _load("orders_steady.json"), _load("orders_ingest.json")
    hub, base = backlog["sellerbridge"], backlog["baseline"]
    table = [{
        "measure": f"backlog {hub['orders']:,} open orders ({int(backlog['mfn_share'] * 100)}% MFN)",
        "result": (f"{hub['simulated_minutes']:.2f} sim min, {hub['sp_api_calls']} calls, "
                   f"{hub['throttled_429']} x 429; baseline {base['simulated_minutes']:.0f} min, "
                   f"{base['sp_api_calls']:,} calls -> {backlog['speedup']:.0f}x"),
        "target": "<= 5 min, <= 60 calls, >= 50x",
        "met": hub["simulated_minutes"] <= 5 and hub["sp_api_calls"] <= 60 and backlog["speedup"] >= 50
        and hub["stored"] == hub["orders"],
    }]
    for s in steady["scenarios"]:
        calls = s.get("calls", {})
        target = f"p95 <= {s['p95_target_s']} s" + (f", p50 <= {s['p50_target_s']} s" if s["p50_target_s"] else "")
        table.append({
            "measure": f"steady: {s['label']}",
            "result": (f"{s['mfn_orders_measured']:,} MFN orders, p50 {s['p50_s']} s, p95 {s['p95_s']} s, "
                       f"lost {s['lost']}, dup {s['duplicates']}; getOrder {calls.get('getOrder', 0)}, "
                       f"searchOrders {calls.get('searchOrders', 0)}, reports {calls.get('createReport', 0)}"),
            "target": target + ", nothing lost",
            "met": bool(s["meets_target"]),
        })
    for run in ingest["runs"]:
        if run["path"] != "page-batched":
            continue
        table.append({
            "measure": f"ingest 3-line orders, {run['backend']}, page-batched",
            "result": f"{run['orders_per_s']:,.0f} orders/s ({run['orders']:,} orders, {run['errors']} errors)",
            "target": f">= {ingest['target_orders_per_s']:,}/s",
            "met": run["orders_per_s"] >= ingest["target_orders_per_s"] and run["stored"] == run["orders"],
        })
    return table, {"backlog": backlog, "steady": steady, "ingest": ingest}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="backlog,steady,ingest")
    parser.add_argument("--merge-only", action="store_true")
    args = parser.parse_args()
    walls = {} if args.merge_only else run_parts(set(args.only.split(",")))
    table, parts = rows()
    width = max(len(r["measure"]) for r in table)
    print(f"\n{'measure':<{width}}  {'met':<3}  target / result")
    for r in table:
        print(f"{r['measure']:<{width}}  {'yes' if r['met'] else 'NO':<3}  {r['target']}\n{'':<{width}}       "
              f"{r['result']}")
    out = {"benchmark": "orders", "rows": table, "wall_seconds": walls, "parts": parts}
    (RESULTS / "orders.json").write_text(json.dumps(out, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
