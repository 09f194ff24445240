"""Two web replicas receiving the same notifications make one ``getOrder`` per change (B1, G1; issue 8).

Real processes: the served sandbox (time-scaled), two ``sellerbridge web`` processes, one ``sellerbridge
worker`` and the ``sellerbridge scheduler`` (it queues a job that is due again when its run ends: a fetch
asked for while the connection's fetch was running) on a real PostgreSQL (a schema of its own) and a real
Redis queue (a name of its own). The sandbox delivers each ORDER_CHANGE notification to a loopback stand-in
for the SQS queue, which posts it to BOTH web processes at once (what SQS's at-least-once delivery and a
load balancer in front of several replicas come to). Each replica writes pending-fetch rows (the unique key
is the queueing lock, shared through the database) and asks the runtime for the connection's
``orders_fetch`` job; nothing runs in the web processes. Then:

- every change costs exactly one ``getOrder``: Amazon's count equals the number of distinct changes
  notified (an order created, an order cancelled), though each notification arrived twice;
- every order is stored once, with Amazon's status; ``searchOrders`` was never called (push only).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sellerbridge.bootstrap import build_hub
from sellerbridge.cli.sandbox_queue import route_sandbox_queue
from sellerbridge.db.crypto import generate_key
from sellerbridge.db.engine import migrate
from sellerbridge.jobs import manage
from sellerbridge.services import notifications
from sellerbridge.settings import Settings
from tests.support import fleet
from tests.support.pg import pg_schema
from tests.support.processes import Proc, ServedSandbox, hub_command, hub_env, one_heavy_test_at_a_time, wait_for
from tests.support.redis_db import drop_queue, queue_name, redis_url, require_redis
from tests.support.sandbox import free_port, live_server

pytestmark = [pytest.mark.server, pytest.mark.pg, pytest.mark.redis, pytest.mark.slow,
              pytest.mark.xdist_group("heavy")]

TIME_SCALE = 10  # simulated seconds per real second: the sandbox delivers notifications as its clock moves
SELLERS = 3
ORDERS = 12  # per seller, created at once: within getOrder's burst of 30
CANCELLED = 3  # per seller, cancelled by Amazon afterwards: a second change of those orders
TOKEN = "replicas-intake-token-0123456789"
ARN = "arn:aws:sqs:us-east-1:000000000000:sellerbridge-replicas"


class FanOut:
    """The SQS stand-in: every notification the sandbox sends is posted to every replica, at once."""

    def __init__(self, replicas: list[str]) -> None:
        self.replicas = replicas
        self.lock = threading.Lock()
        self.notes: list[dict] = []
        self.answers: list[dict] = []
        self.app = Starlette(routes=[Route("/queue", self.post, methods=["POST"])])
        self.http = httpx.Client(timeout=30)

    async def post(self, request: Request) -> JSONResponse:
        body = await request.body()
        threads = [threading.Thread(target=self._deliver, args=(url, body)) for url in self.replicas]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with self.lock:
            self.notes.append(json.loads(body))
        return JSONResponse({"ok": True})

    def _deliver(self, url: str, body: bytes) -> None:
        r = self.http.post(f"{url}/intake/amazon/{TOKEN}", content=body)
        with self.lock:
            self.answers.append({**r.json(), "replica": url, "http": r.status_code})

    def changes(self) -> set[tuple[str, str]]:
        """The distinct changes notified: (order, the moment Amazon says it changed)."""
        with self.lock:
            return {(n["Payload"]["OrderChangeNotification"]["AmazonOrderId"],
                     n["Payload"]["OrderChangeNotification"]["OrderChangeTrigger"]["TimeOfOrderChange"])
                    for n in self.notes}


def test_b1_two_web_replicas_receiving_the_same_notifications_make_one_getorder_per_change(tmp_path: Path):
    client = require_redis()
    queue = queue_name()
    with one_heavy_test_at_a_time(), pg_schema("replicas") as database_url:
        migrate(database_url)
        sandbox = ServedSandbox.start(TIME_SCALE, tmp_path)
        sandbox.config(pending_seconds=0)
        procs: list[Proc] = []
        try:
            _scenario(tmp_path, sandbox, database_url, queue, procs)
        finally:
            for proc in procs:
                proc.stop(30)
            sandbox.close()
            drop_queue(client, queue)
            client.close()


def _scenario(tmp_path: Path, sandbox: ServedSandbox, database_url: str, queue: str, procs: list[Proc]) -> None:
    key = generate_key().decode()
    ports = [free_port(), free_port()]
    replicas = [f"http://127.0.0.1:{port}" for port in ports]
    fan_out = FanOut(replicas)
    logs = tmp_path / "logs"

    def env(name: str) -> dict[str, str]:
        return {**hub_env(data_dir=tmp_path / name, database_url=database_url, secret_key=key,
                          sandbox_url=sandbox.base_url, redis_url=redis_url(), queue_name=queue),
                "SELLERBRIDGE_INTAKE_TOKEN": TOKEN}

    with live_server(fan_out.app) as fan_out_url:
        settings = Settings(data_dir=tmp_path / "seeder", database_url=database_url, secret_key=key,
                            follow_sandbox_clock=sandbox.base_url)
        hub = build_hub(settings)
        try:
            sellers = fleet.seed_connections(hub, sandbox.http, sandbox.base_url,
                                             fleet.create_sellers(sandbox.http, SELLERS, seed=70))
            for seller in sellers:  # the real path: destination, subscription, the sandbox's queue routed
                notifications.subscribe(hub, seller.connection_id, sqs_arn=ARN, destination_name="replicas",
                                        destination_url=f"{fan_out_url}/queue", route_queue=route_sandbox_queue)
                for flow in ("orders", "orders_backstop"):  # push only: no poll, no report to find orders
                    manage.set_schedule(hub, flow, seller.connection_id, enabled=False)
        finally:
            hub.close()
        procs += [hub_command(f"web-{n}", "web", "--port", str(port), env=env(f"web-{n}"), log_dir=logs)
                  for n, port in enumerate(ports)]
        procs.append(hub_command("worker", "worker", "--threads", "4", env=env("worker"), log_dir=logs))
        procs.append(hub_command("scheduler", "scheduler", env=env("scheduler"), log_dir=logs))
        for proc in procs:
            proc.start()
        for url in replicas:
            assert wait_for(lambda url=url: _answers(url), timeout=60, every=0.2), "a web replica did not start"

        created: dict[str, list[str]] = {}
        for seller in sellers:
            r = sandbox.http.post(f"/_sandbox/sellers/{seller.seller_id}/orders",
                                  json={"count": ORDERS, "status": "Unshipped", "fba": False})
            assert r.status_code == 201, r.text
            created[seller.seller_id] = r.json()["order_ids"]
        engine = create_engine(database_url, poolclass=NullPool)
        try:
            assert wait_for(lambda: _stored(engine) == SELLERS * ORDERS, timeout=120, every=0.5), \
                _diagnosis(engine, fan_out, procs)
            for seller in sellers:  # a second change of some orders
                for order_id in created[seller.seller_id][:CANCELLED]:
                    r = sandbox.http.post(f"/_sandbox/sellers/{seller.seller_id}/orders/{order_id}/cancel",
                                          json={"by": "AMAZON"})
                    assert r.status_code == 200, r.text
            assert wait_for(lambda: _cancelled(engine) == SELLERS * CANCELLED, timeout=120, every=0.5), \
                _cancelled(engine)
            assert wait_for(lambda: _settled(engine), timeout=60, every=0.5)  # no fetch waiting or running
            for proc in procs:
                assert proc.exited() is None, f"{proc.name} died:\n{proc.tail()}"

            changes = fan_out.changes()
            assert len(changes) == SELLERS * (ORDERS + CANCELLED)
            with fan_out.lock:
                answers = list(fan_out.answers)
            assert len(answers) == 2 * len(fan_out.notes) and all(a["http"] == 202 for a in answers)
            assert {a["replica"] for a in answers} == set(replicas)  # both replicas took every notification
            stats = sandbox.stats()["calls"]
            get_orders = sum(sum(stats.get(s.seller_id, {}).get("getOrder", {}).values()) for s in sellers)
            searches = sum(sum(stats.get(s.seller_id, {}).get("searchOrders", {}).values()) for s in sellers)
            assert get_orders == len(changes), (get_orders, len(changes), _outcomes(answers))
            assert searches == 0  # pushed and fetched by id, not found by a poll
            problems = fleet.problems(engine, sandbox.http, sellers)
            assert problems == [], problems[:10]
            print(f"\n{len(fan_out.notes)} notifications, each to 2 replicas; {len(changes)} changes, "
                  f"{get_orders} getOrder; answers {_outcomes(answers)}")
        finally:
            engine.dispose()
        for proc in procs:
            code = proc.stop(60)
            assert code == 0, f"{proc.name} exited {code} on SIGTERM:\n{proc.tail()}"


def _diagnosis(engine, fan_out: FanOut, procs: list[Proc]) -> str:
    with engine.connect() as conn:
        runs = list(conn.execute(text("SELECT flow, status, error, COUNT(*) FROM sync_runs "
                                      "GROUP BY flow, status, error")))
        waiting = conn.execute(text("SELECT COUNT(*) FROM pending_fetches")).scalar_one()
        jobs = list(conn.execute(text("SELECT key, last_status, last_error, next_run_at, queued_at, lease_owner "
                                      "FROM jobs")))
    with fan_out.lock:
        notes, answers = len(fan_out.notes), _outcomes(fan_out.answers)
    tails = "\n".join(f"--- {p.name}\n{p.tail(15)}" for p in procs)
    return (f"stored {_stored(engine)}; {notes} notifications, answers {answers}; {waiting} fetches waiting; "
            f"runs {runs}; jobs {jobs}\n{tails}")


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _stored(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM orders")).scalar_one())


def _cancelled(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM orders WHERE status = 'cancelled'")).scalar_one())


def _settled(engine) -> bool:
    with engine.connect() as conn:
        waiting = conn.execute(text("SELECT COUNT(*) FROM pending_fetches")).scalar_one()
        open_runs = conn.execute(text("SELECT COUNT(*) FROM sync_runs WHERE status IN ('queued', 'running')")
                                 ).scalar_one()
    time.sleep(0.5)
    return waiting == 0 and open_runs == 0


def _outcomes(answers: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for answer in answers:
        label = answer.get("reason") or answer.get("status", "?")
        out[label] = out.get(label, 0) + 1
    return out
