"""A sync killed in the middle and started again loses nothing and stores nothing twice (B1)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.flows import sync_orders

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]


class Killed(BaseException):
    """Stands in for the process dying between two pages (not an Exception: nothing may catch it)."""


def test_b1_a_sync_process_killed_mid_run_then_restarted_loses_and_duplicates_nothing(world):
    ids = world.create_orders(250, status="Unshipped")
    world.past_search_lag()
    key = world.settings.secret_key.get_secret_value()
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.flows.sync_worker", world.base_url, world.settings.resolved_database_url(),
         key, str(world.settings.data_dir), str(world.connection_id)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        first = worker.stdout.readline().strip()
        assert first == "page 1", (first, worker.stderr.read() if worker.poll() is not None else "")
        worker.send_signal(signal.SIGKILL)  # in the middle of page 2: its transaction never commits
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.stdout.close()
        worker.stderr.close()
    assert worker.returncode == -signal.SIGKILL

    after_kill = world.stored_ids()
    assert 100 <= len(after_kill) < 250  # page 1 is committed, the rest is not
    [killed_run] = world.runs()
    assert killed_run.status == "running"  # the dead process could not say more

    report = sync_orders(world.hub, world.connection_id)

    assert report.status == "done", report.error
    assert set(world.stored_ids()) == set(ids)
    assert report.counts["created"] == 250 - len(after_kill)
    world.assert_consistent()


def test_b1_a_sync_interrupted_after_a_page_resumes_from_its_watermark(world):
    ids = world.create_orders(250, status="Unshipped")
    world.past_search_lag()

    def die_after_first_page(counts) -> None:
        raise Killed

    with pytest.raises(Killed):
        sync_orders(world.hub, world.connection_id, progress=die_after_first_page)
    assert len(world.stored_ids()) == 100
    [interrupted] = world.runs()
    assert interrupted.status == "failed" and "interrupted" in interrupted.error
    [[mark]] = world.rows("SELECT value FROM watermarks WHERE flow = 'orders'")
    assert mark is not None  # page 1's watermark committed with page 1

    report = sync_orders(world.hub, world.connection_id)

    assert report.status == "done"
    assert set(world.stored_ids()) == set(ids)
    assert report.counts["created"] == 150
    world.assert_consistent()
