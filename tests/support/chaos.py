"""Killing hub processes mid-run and checking what they leave behind (issue 4; G1, G3, H2).

Shared by the distributed (``sellerbridge scheduler`` + ``worker`` x2, PostgreSQL + Redis) and the
embedded (``sellerbridge run``, SQLite) runtime tests:

- :func:`kill_mid_run`: SIGKILL a process, preferably while it holds a job's lease (a run half done);
- :func:`drain`: after the order streams stopped, wait until the hub holds every order Amazon has in
  the default statuses, as Amazon has it (``fleet.problems`` empty) and no report run is in flight;
- :func:`assert_ends_clean`: with every process stopped: zero lost, zero duplicates, 429s rare and
  never a failed run, every run ended (the interrupted ones closed by the next lease holder), no lease held.
"""

from __future__ import annotations

import random
import socket
import time
from typing import Any

from sqlalchemy import Engine, text

from sellerbridge.jobs.runner import INTERRUPTED
from tests.support import fleet
from tests.support.processes import Proc, ServedSandbox, call_counts, wait_for

THROTTLE_WORDS = ("429", "hrottl", "QuotaExceeded")


def rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def kill_mid_run(engine: Engine, victim: Proc, rng: random.Random, *, wait: float = 15.0) -> int:
    """SIGKILL ``victim``, if it can be had while it holds a job's lease; returns the leases it held then.

    Counted just after the kill: a dead process's leases stay until they expire (60 s of the hub's
    clock after its last heartbeat), and each is at most one run it left unfinished.
    """
    owner = f"{socket.gethostname()[:40]}:{victim.pid}/%"  # how jobs/worker.py names a lease holder

    def held() -> int:
        return int(rows(engine, "SELECT COUNT(*) FROM jobs WHERE lease_owner LIKE :o", o=owner)[0][0])

    # Look often and kill soon after a lease is seen: a run that finds nothing due (a backstop tick) holds
    # its lease for milliseconds, a poll for a few hundred; a later kill would mostly find none held.
    wait_for(held, timeout=wait, every=0.02)
    time.sleep(rng.uniform(0.0, 0.02))
    victim.kill()
    return held()


def drain(engine: Engine, sandbox: ServedSandbox, sellers: list[fleet.FleetSeller], timeout: float) -> dict[str, int]:
    """Wait (real seconds) until the hub matches Amazon; returns what Amazon holds in the default statuses."""
    last: list[str] = []

    def caught_up() -> bool:
        nonlocal last
        last = fleet.problems(engine, sandbox.http, sellers)
        pending = fleet.pending_orders(sandbox.http, sellers)
        last += [f"{pending} orders still Pending on Amazon"] if pending else []
        last += [f"report run {r.id} in flight" for r in rows(
            engine, "SELECT id FROM sync_runs WHERE status = 'running' AND flow = 'orders_backstop'")]
        return not last

    assert wait_for(caught_up, timeout, every=2.0), f"the hub did not catch up in {timeout} s: {last[:10]}"
    return fleet.wanted_orders(sandbox.http, sellers)


def assert_ends_clean(engine: Engine, sandbox: ServedSandbox, sellers: list[fleet.FleetSeller],
                      wanted: dict[str, int], *, kills: int, leases_at_kills: int) -> dict[str, Any]:
    """The checks once every hub process stopped; returns the numbers for the test's report."""
    # zero lost, zero duplicates: what was there at the drain is still there, once
    stored = dict(rows(engine, "SELECT c.seller_id, COUNT(*) FROM orders o JOIN connections c "
                               "ON c.id = o.connection_id GROUP BY c.seller_id"))
    short = {seller: (n, stored.get(seller, 0)) for seller, n in wanted.items() if stored.get(seller, 0) < n}
    assert short == {}
    # Amazon keeps moving (buyers cancel, FBA ships): a status may have changed since; the rest may not
    assert [p for p in fleet.problems(engine, sandbox.http, sellers) if "Amazon's status" not in p] == []

    # Amazon's rate limits: 429s rare (the buckets are shared), none failed a run
    calls, throttled = call_counts(sandbox.stats(), {s.seller_id for s in sellers})
    assert throttled < 0.01 * calls, (throttled, calls)
    failed = rows(engine, "SELECT flow, error FROM sync_runs WHERE status = 'failed'")
    assert [r for r in failed if any(w in (r.error or "") for w in THROTTLE_WORDS)] == []

    # every run has an end; the only failed ones are those a killed process left, closed by the next holder
    assert rows(engine, "SELECT id, flow, status FROM sync_runs WHERE status IN ('running', 'queued')") == []
    assert [r for r in failed if r.error != INTERRUPTED] == []
    interrupted = len(failed)
    # a kill leaves at most one unfinished run per lease the killed process held
    assert interrupted <= leases_at_kills, (interrupted, leases_at_kills)
    assert rows(engine, "SELECT key, lease_owner FROM jobs WHERE lease_owner IS NOT NULL") == []
    [[ran]] = rows(engine, "SELECT COUNT(DISTINCT connection_id) FROM sync_runs WHERE flow = 'orders'")
    assert ran == len(sellers)
    return {"kills": kills, "leases_held_at_kills": leases_at_kills, "interrupted_runs": interrupted,
            "calls": calls, "http_429": throttled,
            "orders": sum(stored.values()), "wanted": sum(wanted.values()), **fleet.runs_summary(engine)}
