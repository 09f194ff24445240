"""The worker: threads that take jobs off the queue and run them (G3).

Graceful shutdown (SIGTERM, Ctrl-C): no new job is taken; a job that was taken but not started is
handed back (its queueing claim released, so the scheduler queues it again at once); running jobs
finish — every flow commits page by page, so nothing is half-written even if the process is
killed instead (SIGKILL): the lease expires and the next holder closes the run as interrupted.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections import Counter

from huey import Huey

from ..bootstrap import Hub
from ..db.repositories import jobs as repo
from .queue import key_of
from .runner import run_job

POLL_SECONDS = 0.5  # real seconds between looks at an empty queue
log = logging.getLogger("sellerbridge.worker")


def worker_id() -> str:
    """Names the lease holder: host, process and a per-process counter."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


class Worker:
    """``threads`` threads working the queue with one hub (one database pool, one bucket store)."""

    def __init__(self, hub: Hub, huey: Huey, *, threads: int = 2, name: str | None = None) -> None:
        self.hub, self.huey = hub, huey
        self.name = name or worker_id()
        self.stopping = threading.Event()
        self.stats: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._loop, args=(n,), name=f"worker-{n}", daemon=True)
                         for n in range(max(1, threads))]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Take no new job; wait for the running ones to finish."""
        self.stopping.set()
        for thread in self._threads:
            thread.join(timeout)

    def run_forever(self) -> None:
        self.start()
        while not self.stopping.wait(1.0):
            pass
        self.stop()

    def _loop(self, number: int) -> None:
        owner = f"{self.name}/{number}"
        while not self.stopping.is_set():
            try:
                task = self.huey.dequeue()
            except Exception:  # the queue's store blinked
                log.exception("dequeue failed")
                self.stopping.wait(POLL_SECONDS)
                continue
            if task is None:
                self.stopping.wait(POLL_SECONDS)
                continue
            key = key_of(task)
            if self.stopping.is_set():
                self._hand_back(key)
                return
            try:
                outcome = run_job(self.hub, key, owner=owner)
            except Exception:  # a bug in a flow: recorded on the job (runner) and in the log, the worker goes on
                log.exception("job %s failed", key)
                self._count("crashed")
                continue
            self._count("ran" if outcome.ran else "skipped")

    def _hand_back(self, key: str) -> None:
        with self.hub.store.uow() as session:
            repo.release_claim(session, key, now=self.hub.now())
        self._count("handed_back")

    def _count(self, what: str) -> None:
        with self._lock:
            self.stats[what] += 1
