"""The distributed runtime under fire: real processes, SIGKILLed workers, zero lost, zero duplicates (G1, G3, H2).

Issue 4, "It must show": the served sandbox (time-scaled), one ``sellerbridge scheduler`` and two
``sellerbridge worker`` processes on a real PostgreSQL (a schema of its own) and a real Redis (a queue
name of its own; seller ids unique to the run, so token buckets are too), 20 seller connections with
live order streams. While the streams run, a random worker is SIGKILLed at random moments (at least
10 times) and started again. Then the streams stop, the hub drains, every process gets SIGTERM, and:

- zero lost and zero duplicate orders per connection, Amazon's status on every stored order, holds
  and ``order.created`` rows consistent (as ``World.assert_consistent``, per connection);
- Amazon's rate limits kept: 429 answers under 1% of the calls (the Redis buckets are shared), and
  no run failed because of one;
- every run recorded with an end: none left ``running``; runs a killed worker left are closed as
  ``failed`` with the "interrupted" error by the next lease holder, at most one per lease the killed
  worker held (a worker runs up to 8 jobs at once, so one kill may interrupt several runs);
- no lease held, every process exited 0 on SIGTERM.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from sellerbridge.bootstrap import build_hub
from sellerbridge.db.crypto import generate_key
from sellerbridge.db.engine import migrate
from sellerbridge.settings import Settings
from tests.support import chaos, fleet
from tests.support.pg import pg_schema
from tests.support.processes import ServedSandbox, hub_command, hub_env, one_heavy_test_at_a_time
from tests.support.redis_db import drop_queue, queue_name, redis_url, require_redis

pytestmark = [pytest.mark.server, pytest.mark.pg, pytest.mark.redis, pytest.mark.slow,
              pytest.mark.xdist_group("heavy")]

TIME_SCALE = 30  # simulated seconds per real second: 1 simulated hour of streams in 2 real minutes
CONNECTIONS = 20
ORDERS_PER_HOUR = 90  # per seller: ~1,800 orders in all over the streaming hour
STREAM_SECONDS = 100  # real seconds of live order streams, the SIGKILLs among them
KILLS = 10  # at least this many SIGKILLs
WORKER_THREADS = 8  # the worker's default
PENDING_SECONDS = 300  # simulated: a new order is Pending this long (the sandbox's default 600)
DRAIN_TIMEOUT = 180  # real seconds for the hub to catch up once the streams stopped (typically 30-50)


def test_g3_distributed_runtime_survives_sigkilled_workers_without_losing_or_duplicating_orders(tmp_path: Path):
    client = require_redis()
    queue = queue_name()
    with one_heavy_test_at_a_time(), pg_schema("rt") as database_url:
        migrate(database_url)
        sandbox = ServedSandbox.start(TIME_SCALE, tmp_path)
        sandbox.config(pending_seconds=PENDING_SECONDS)
        procs = []
        try:
            _scenario(tmp_path, sandbox, database_url, queue, procs)
        finally:
            for proc in procs:
                proc.stop(30)
            sandbox.close()
            drop_queue(client, queue)
            client.close()


def _scenario(tmp_path: Path, sandbox: ServedSandbox, database_url: str, queue_name: str, procs: list) -> None:
    key = generate_key().decode()
    settings = Settings(data_dir=tmp_path / "seeder", database_url=database_url, secret_key=key,
                        follow_sandbox_clock=sandbox.base_url)
    hub = build_hub(settings)
    try:
        sellers = fleet.seed_connections(hub, sandbox.http, sandbox.base_url,
                                         fleet.create_sellers(sandbox.http, CONNECTIONS, seed=40))
    finally:
        hub.close()
    logs = tmp_path / "logs"

    def env(name: str) -> dict[str, str]:
        return hub_env(data_dir=tmp_path / name, database_url=database_url, secret_key=key,
                       sandbox_url=sandbox.base_url, redis_url=redis_url(), queue_name=queue_name)

    scheduler = hub_command("scheduler", "scheduler", env=env("scheduler"), log_dir=logs)
    workers = [hub_command(f"worker-{n}", "worker", "--threads", str(WORKER_THREADS), env=env(f"worker-{n}"),
                           log_dir=logs) for n in (1, 2)]
    procs += [scheduler, *workers]
    for proc in procs:
        proc.start()
    for seller in sellers:
        sandbox.set_rate(seller.seller_id, ORDERS_PER_HOUR)

    # --- live streams; a random worker SIGKILLed at random moments, started again --------------------
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        rng = random.Random()
        kills = mid_run = leases = 0
        started = time.monotonic()
        while kills < KILLS or time.monotonic() < started + STREAM_SECONDS:
            time.sleep(rng.uniform(1.0, 2 * STREAM_SECONDS / KILLS - 6.0))
            victim = rng.choice(workers)
            held = chaos.kill_mid_run(engine, victim, rng)
            leases, mid_run = leases + held, mid_run + bool(held)
            kills += 1
            time.sleep(rng.uniform(0.0, 2.0))
            victim.start()
            for proc in procs:
                assert proc.exited() is None, f"{proc.name} died by itself:\n{proc.tail()}"
        streamed = time.monotonic() - started
        for seller in sellers:
            sandbox.stop_stream(seller.seller_id)

        # --- drain, then SIGTERM: running jobs finish, nothing half-written -------------------------
        wanted = chaos.drain(engine, sandbox, sellers, DRAIN_TIMEOUT)
        drained = time.monotonic() - started - streamed
        for proc in procs:
            code = proc.stop(60)
            assert code == 0, f"{proc.name} exited {code} on SIGTERM:\n{proc.tail()}"

        summary = chaos.assert_ends_clean(engine, sandbox, sellers, wanted, kills=kills, leases_at_kills=leases)
        assert mid_run >= kills // 2  # most kills hit a worker with a run half done (each waits for a lease)
        # the streams ran: most of what Amazon generated is in the default statuses
        assert summary["wanted"] >= 0.5 * CONNECTIONS * ORDERS_PER_HOUR * streamed * TIME_SCALE / 3600
        print(f"\nkilled mid-run {mid_run} of {kills}; streams {streamed:.0f} s, drain {drained:.0f} s real\n"
              f"{fleet.as_json(summary)}")
    finally:
        engine.dispose()
