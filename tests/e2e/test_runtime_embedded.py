"""The embedded runtime under fire: ``sellerbridge run`` SIGKILLed and restarted (G3, H2; issue 4).

The same scenario as test_runtime_distributed.py in the default mode: one process (REST API, the
scheduler and worker threads, a SQLite queue) on one SQLite file, against the served sandbox
(time-scaled) with a few sellers streaming orders. The process is SIGKILLed at random moments (at
least three times, each while it holds a job's lease) and started again; then the streams stop, the
hub drains, SIGTERM, and the same checks: zero lost, zero duplicates, 429s rare and never a failed
run, every run ended (the interrupted ones closed by the next lease holder), no lease held.
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
from sellerbridge.settings import Settings
from tests.support import chaos, fleet
from tests.support.processes import ServedSandbox, hub_command, hub_env, one_heavy_test_at_a_time
from tests.support.sandbox import free_port

pytestmark = [pytest.mark.server, pytest.mark.slow, pytest.mark.xdist_group("heavy")]

TIME_SCALE = 30
CONNECTIONS = 4
ORDERS_PER_HOUR = 120  # per seller
STREAM_SECONDS = 45  # real seconds of live order streams, the SIGKILLs among them
KILLS = 3
THREADS = 8  # the default of `sellerbridge run`
PENDING_SECONDS = 300  # simulated: a new order is Pending this long (the sandbox's default 600)
DRAIN_TIMEOUT = 180  # real seconds for the hub to catch up once the streams stopped


def test_g3_embedded_runtime_survives_sigkill_and_restart_without_losing_or_duplicating_orders(tmp_path: Path):
    with one_heavy_test_at_a_time():
        sandbox = ServedSandbox.start(TIME_SCALE, tmp_path)
        sandbox.config(pending_seconds=PENDING_SECONDS)
        procs: list = []
        try:
            _scenario(tmp_path, sandbox, procs)
        finally:
            for proc in procs:
                proc.stop(30)
            sandbox.close()


def _scenario(tmp_path: Path, sandbox: ServedSandbox, procs: list) -> None:
    key = generate_key().decode()
    data_dir = tmp_path / "hub"
    database_url = f"sqlite:///{data_dir / 'sellerbridge.sqlite3'}"
    hub = build_hub(Settings(data_dir=data_dir, database_url=database_url, secret_key=key,
                             follow_sandbox_clock=sandbox.base_url))
    try:
        sellers = fleet.seed_connections(hub, sandbox.http, sandbox.base_url,
                                         fleet.create_sellers(sandbox.http, CONNECTIONS, seed=60))
    finally:
        hub.close()
    env = hub_env(data_dir=data_dir, database_url=database_url, secret_key=key, sandbox_url=sandbox.base_url)
    hub_proc = hub_command("run", "run", "--port", str(free_port()), "--threads", str(THREADS), env=env,
                           log_dir=tmp_path / "logs")
    procs.append(hub_proc.start())
    for seller in sellers:
        sandbox.set_rate(seller.seller_id, ORDERS_PER_HOUR)

    engine = create_engine(database_url, poolclass=NullPool)
    try:
        rng = random.Random()
        kills = mid_run = leases = 0
        started = time.monotonic()
        while kills < KILLS or time.monotonic() < started + STREAM_SECONDS:
            time.sleep(rng.uniform(1.0, 2 * STREAM_SECONDS / KILLS - 8.0))
            held = chaos.kill_mid_run(engine, hub_proc, rng)
            leases, mid_run = leases + held, mid_run + bool(held)
            kills += 1
            time.sleep(rng.uniform(0.0, 2.0))
            hub_proc.start()
        streamed = time.monotonic() - started
        for seller in sellers:
            sandbox.stop_stream(seller.seller_id)

        wanted = chaos.drain(engine, sandbox, sellers, DRAIN_TIMEOUT)
        code = hub_proc.stop(60)
        assert code == 0, f"`sellerbridge run` exited {code} on SIGTERM:\n{hub_proc.tail()}"

        summary = chaos.assert_ends_clean(engine, sandbox, sellers, wanted, kills=kills, leases_at_kills=leases)
        assert summary["wanted"] >= 0.5 * CONNECTIONS * ORDERS_PER_HOUR * streamed * TIME_SCALE / 3600
        assert mid_run >= 1  # at least one kill hit a run half done (most do: each waits for a lease)
        print(f"\nkilled mid-run {mid_run} of {kills}; streams {streamed:.0f} s real\n{fleet.as_json(summary)}")
    finally:
        engine.dispose()
