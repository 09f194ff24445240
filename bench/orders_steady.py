"""Benchmark: steady-state order latency, from purchase on Amazon to order stored with its outbox row.

Not a test. The sandbox (in-process, stepped clock) runs a seller's live order stream (Poisson
arrivals, default mix: 20% FBA) at Amazon's default usage plans (searchOrders 0.0056/s burst 20,
getOrder 0.5/s burst 30, createReport and getReportDocument 0.0167/s burst 15). Its timing
``pending_seconds`` is 0: an order is Unshipped (visible to the hub's default filter) from its
purchase, so latency counts from the purchase time.

The hub runs its own code paths, as worker threads on one SQLite file (WAL):

- the poller: the ``orders`` flow every 2 minutes (the backstop, or the only API path in scenario b);
- the push worker (scenarios a, c): ORDER_CHANGE notifications, delivered by the sandbox to a
  loopback queue, handed to the hub's intake (``services/intake.submit``: its getOrder budget rules,
  the bounded queue of pending-fetch rows, deferrals), then the ``orders_fetch`` flow while rows wait
  (what the runtime does when the intake asks for that job);
- the reporter: the ``orders_backstop`` flow every few seconds (the job's tick), which asks for the
  actionable-orders report when the intake deferred orders or push is silent.

Both read one simulated clock: the sandbox's. A worker's ``sleep`` (a poll interval, the gateway's
wait for a token) blocks it until the driver has moved the sandbox clock that far; the driver moves
it in steps of at most ``STEP`` seconds, only when every worker is asleep. So waiting costs simulated
time and no real time, and the workers wait concurrently as real ones would. Latency is the
outbox row's ``created_at`` (the hub's ``now``, i.e. the sandbox clock) minus Amazon's purchase time,
for merchant-fulfilled orders (only those get an ``order.created`` row) bought after a 5-minute
warm-up and during the measured hours.

    .venv/bin/python -m bench.orders_steady [--hours 1] [--only a,b,c]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import text
from tests.flows.support import seed_hub
from tests.flows.test_orders_push import Queue, _subscribe
from tests.support.sandbox import Sandbox, live_server

from sellerbridge.bootstrap import build_hub
from sellerbridge.db.crypto import generate_key
from sellerbridge.services import intake
from sellerbridge.settings import Settings
from sellerbridge.sync import orders as flow
from sellerbridge.sync import orders_backstop, orders_fetch

RESULTS = Path(__file__).parent / "results"
STEP = 2.0  # simulated seconds per driver step at most (notifications are delivered on each step)
POLL_EVERY = 120.0  # the backstop poll (simulated seconds)
PUSH_IDLE = 1.0  # the push worker looks at its queue this often when idle
REPORT_TICK = 5.0  # the reporter looks for a due report step this often (the scheduler's role)
WARMUP = timedelta(minutes=5)
TAIL = timedelta(minutes=10)  # simulated after the measured window so its last orders can arrive

SCENARIOS = {
    "a": {"label": "1,500/h notifications + 2-min poll", "rate": 1500, "push": True, "p95_target": 60,
          "p50_target": None},
    "b": {"label": "1,500/h polling only (searchOrders + report backstop)", "rate": 1500, "push": False,
          "p95_target": 300, "p50_target": None},
    "c": {"label": "3,000/h notifications + poll + report backstop", "rate": 3000, "push": True,
          "p95_target": 300, "p50_target": 60},
}


class VirtualClock:
    """The hub's clock: the sandbox's time; ``sleep`` blocks until the driver moved the time that far."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self.cond = threading.Condition()
        self.busy = 0  # workers running (not asleep)
        self.sleepers: dict[int, float] = {}  # thread id -> wake time (epoch seconds, simulated)
        self.stopped = False

    def now(self) -> datetime:
        return self._sandbox.backend.now()

    def sleep(self, seconds: float) -> None:
        me = threading.get_ident()
        with self.cond:
            self.sleepers[me] = self.now().timestamp() + max(seconds, 0.0)
            self.busy -= 1
            self.cond.notify_all()
            while me in self.sleepers and not self.stopped:
                self.cond.wait()
            if me in self.sleepers:  # stopped before its time: nobody woke it, it counts itself busy again
                del self.sleepers[me]
                self.busy += 1
            if self.stopped:
                # Simulated time no longer moves: a worker that went on would retry without waiting.
                raise BenchStopped

    def wake_due(self, now: float) -> None:
        """The driver wakes the sleepers whose time has come, and counts them busy *here*, under the lock: a
        woken thread may run only after the driver's next look, which must not see "nobody busy" and move
        the time on while it works. Call with ``cond`` held."""
        for ident, wake in list(self.sleepers.items()):
            if wake <= now + 1e-6:
                del self.sleepers[ident]
                self.busy += 1
        self.cond.notify_all()

    def enter(self) -> None:
        with self.cond:
            self.busy += 1

    def leave(self) -> None:
        with self.cond:
            self.busy -= 1
            self.cond.notify_all()


class BenchStopped(Exception):
    """The measured hour is over; the worker's current sync ends here."""


def _driver(sandbox: Sandbox, clock: VirtualClock, until: datetime) -> int:
    """Move the sandbox clock while every worker sleeps; wake those whose time has come."""
    steps = 0
    while True:
        with clock.cond:
            while clock.busy > 0:
                clock.cond.wait(timeout=60)
            now = clock.now().timestamp()
            if now >= until.timestamp():
                clock.stopped = True
                clock.cond.notify_all()
                return steps
            target = min([now + STEP, *clock.sleepers.values()])
            target = max(target, now + 0.001)
        sandbox.advance(target - now)  # the sandbox generates orders and delivers notifications
        steps += 1
        with clock.cond:
            clock.wake_due(clock.now().timestamp())


def _worker(clock: VirtualClock, body, errors: list[str]) -> threading.Thread:
    def run() -> None:
        try:
            while not clock.stopped:
                body()
        except BenchStopped:
            pass
        except Exception as exc:  # a bench: report and stop this worker, never hang the driver
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            clock.leave()

    clock.enter()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def run_scenario(key: str, hours: float, tmp: Path) -> dict[str, Any]:
    spec = SCENARIOS[key]
    poll_every = POLL_EVERY
    sandbox = Sandbox(time_scale=0.0)
    queue = Queue()
    with live_server(sandbox.app) as base_url, live_server(queue.app) as queue_base:
        sandbox.config(pending_seconds=0)
        creds = sandbox.create_seller(marketplaces=["US"], catalog_size=40, seed=11)
        clock = VirtualClock(sandbox)
        settings = Settings(data_dir=tmp / f"hub-{key}", database_url=f"sqlite:///{tmp / f'steady-{key}.sqlite3'}",
                            secret_key=generate_key().decode(), allowed_endpoint_origins=base_url)
        hub = build_hub(settings, clock=clock)
        try:
            cid = seed_hub(hub, sandbox, base_url, creds)
            if spec["push"]:
                _subscribe(SimpleNamespace(sandbox=sandbox, creds=creds), f"{queue_base}/queue")
            ctx = hub.flow_context()
            clock.enter()  # the main thread runs the first poll as a worker would
            flow.run(ctx, cid)  # nothing yet: sets the watermark
            clock.leave()
            r = sandbox.http.patch(f"/_sandbox/sellers/{creds.seller_id}", json={"order_rate_per_hour": spec["rate"]})
            assert r.status_code == 200, r.text
            t0 = clock.now()
            until = t0 + WARMUP + timedelta(hours=hours) + TAIL
            stats: dict[str, Any] = {"polls": 0, "poll_failed": 0, "reports": 0, "fetch_runs": 0, "fetch_failed": 0}
            outcomes: dict[str, int] = {}
            errors: list[str] = []

            def poller() -> None:
                report = flow.run(ctx, cid)
                stats["polls"] += 1
                if report.status == "failed":
                    stats["poll_failed"] += 1
                    clock.sleep(report.retry_after or poll_every)
                else:
                    clock.sleep(poll_every)

            def pusher() -> None:
                with queue.lock:
                    bodies, queue.bodies[:] = list(queue.bodies), []
                asked = False
                for body in bodies:
                    outcome = intake.submit(hub, intake.read_notification(body))
                    outcomes[outcome.status] = outcomes.get(outcome.status, 0) + 1
                    outcomes["deferred"] = outcomes.get("deferred", 0) + outcome.deferred
                    asked = asked or bool(outcome.fetch)
                if not (asked or stats["fetch_more"]):
                    clock.sleep(PUSH_IDLE)
                    return
                report = orders_fetch.run(ctx, cid)  # the job the intake asked the runtime for
                stats["fetch_runs"] += 1
                stats["fetch_more"] = report.resume_at is not None
                if report.status == "failed":
                    stats["fetch_failed"] += 1
                    clock.sleep(report.retry_after or PUSH_IDLE)

            def reporter() -> None:
                report = orders_backstop.run(ctx, cid)
                if report is not None and report.status in ("done", "partial", "failed"):
                    stats["reports"] = stats.get("reports", 0) + 1
                if report is not None and report.resume_at is not None:
                    clock.sleep(max(REPORT_TICK, (report.resume_at - clock.now()).total_seconds()))
                else:
                    clock.sleep(REPORT_TICK)

            stats["fetch_more"] = False

            wall0 = time.perf_counter()
            threads = [_worker(clock, poller, errors), _worker(clock, reporter, errors)]
            if spec["push"]:
                threads.append(_worker(clock, pusher, errors))
            steps = _driver(sandbox, clock, until)
            for thread in threads:
                thread.join(timeout=120)
            wall = time.perf_counter() - wall0
            result = _measure(sandbox, hub, creds.seller_id, t0 + WARMUP, t0 + WARMUP + timedelta(hours=hours))
            calls = sandbox.http.get("/_sandbox/stats").json()["calls"].get(creds.seller_id, {})
            result.update({
                "scenario": key, "label": spec["label"], "rate_per_hour": spec["rate"], "hours": hours,
                "p95_target_s": spec["p95_target"], "p50_target_s": spec["p50_target"],
                "wall_seconds": round(wall, 1), "driver_steps": steps, "worker_errors": errors,
                "calls": {op: sum(v.values()) for op, v in calls.items()}, "calls_by_status": calls,
                "poll_every_s": poll_every, "overlap_s": flow.OVERLAP.total_seconds(), **stats,
                "intake": outcomes,
            })
            ok = result["p95_s"] is not None and result["p95_s"] <= spec["p95_target"] and result["lost"] == 0
            if spec["p50_target"] is not None:
                ok = ok and result["p50_s"] is not None and result["p50_s"] <= spec["p50_target"]
            result["meets_target"] = ok
            return result
        finally:
            hub.close()


def _aware(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _measure(sandbox: Sandbox, hub, seller_id: str, start: datetime, end: datetime) -> dict[str, Any]:
    amazon = sandbox.http.get(f"/_sandbox/sellers/{seller_id}/orders").json()["orders"]
    with hub.store.engine.connect() as conn:
        events = {r.key: _aware(r.created_at) for r in conn.execute(
            text("SELECT key, MIN(created_at) AS created_at FROM outbox WHERE topic = 'order.created' GROUP BY key"))}
        [[dupes]] = list(conn.execute(text(
            "SELECT COUNT(*) - COUNT(DISTINCT amazon_order_id) FROM orders")))
    latencies, lost, measured = [], [], 0
    for order in amazon:
        bought = _aware(order["purchase_date"])
        if not (start <= bought < end):
            continue
        if order["fulfillment_channel"] != "MFN":
            continue
        measured += 1
        if order["order_id"] in events:
            latencies.append((events[order["order_id"]] - bought).total_seconds())
        elif order["status"] != "Canceled":  # an order cancelled before the hub read it is not sendable
            lost.append(order["order_id"])
    latencies.sort()

    def pct(p: float) -> float | None:
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))], 1) if latencies else None

    return {"mfn_orders_measured": measured, "stored_with_outbox": len(latencies), "lost": len(lost),
            "duplicates": dupes, "p50_s": round(statistics.median(latencies), 1) if latencies else None,
            "p95_s": pct(0.95), "max_s": round(latencies[-1], 1) if latencies else None,
            "share_within_60s": round(sum(1 for x in latencies if x <= 60) / len(latencies), 3) if latencies else None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--only", default="a,b,c")
    parser.add_argument("--out", default="orders_steady.json")
    parser.add_argument("--merge", nargs="*", help="results/*.json of scenarios run apart (in parallel)")
    args = parser.parse_args()
    rows = []
    if args.merge:
        rows = [row for name in args.merge for row in json.loads((RESULTS / name).read_text())["scenarios"]]
    else:
        with tempfile.TemporaryDirectory() as tmpdir:
            for key in args.only.split(","):
                row = run_scenario(key, args.hours, Path(tmpdir))
                rows.append(row)
                print(json.dumps({k: v for k, v in row.items()}, default=str), flush=True)
    print()
    print(f"{'scenario':<60} {'orders':>6} {'lost':>4} {'p50 s':>7} {'p95 s':>7} {'target':>14} {'ok':>4}")
    for r in rows:
        target = f"p95<={r['p95_target_s']}" + (f",p50<={r['p50_target_s']}" if r["p50_target_s"] else "")
        print(f"{r['scenario'] + ') ' + r['label']:<60} {r['mfn_orders_measured']:>6} {r['lost']:>4} "
              f"{r['p50_s']!s:>7} {r['p95_s']!s:>7} {target:>14} {'yes' if r['meets_target'] else 'NO':>4}")
    RESULTS.mkdir(exist_ok=True)
    out = {"benchmark": "orders_steady", "pending_seconds": 0, "latency_from": "Amazon purchase time (= Unshipped)",
           "clock": "sandbox simulated clock (stepped)", "step_s": STEP, "poll_every_s": POLL_EVERY,
           "scenarios": rows}
    (RESULTS / args.out).write_text(json.dumps(out, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
