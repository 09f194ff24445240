"""The task queue: Huey, ``SqliteHuey`` embedded (one machine), ``RedisHuey`` when ``redis_url`` is set (G3).

Huey carries one kind of task, ``run_job(key)``: "run the job with this key" (jobs/runner.py). What
runs when, retries and locks are NOT Huey's here but the jobs table's (docs/adr/0003-runtime.md):
schedules are per connection and editable, survive restarts, and a lease expires when its worker is
SIGKILLed, none of which Huey's periodic tasks and ``lock_task`` do. So the queue may lose a task (a
worker killed between dequeue and lease) without harm: the job's queueing claim goes stale and the
scheduler queues it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from huey.api import Task

from ..db.files import private_file
from ..settings import Settings

QUEUE_FILE = "queue.sqlite3"
TASK_NAME = "sellerbridge.run_job"
_TASKS: dict[int, Any] = {}  # Huey instance -> its run_job task wrapper


def make_huey(settings: Settings, run: Callable[[str], None] | None = None) -> Huey:
    """The process's queue (Redis when configured, else a SQLite file in data_dir) with its one task.

    ``run`` executes a dequeued job in this process (the worker passes jobs/runner.py's); a process
    that only enqueues (the scheduler, the web process) passes nothing.
    """
    if settings.redis_url:
        huey: Huey = RedisHuey(settings.queue_name, url=settings.redis_url, results=False)
    else:
        private_file(settings.data_dir / QUEUE_FILE, create=True)  # 0600 (B13)
        huey = SqliteHuey(settings.queue_name, filename=str(settings.data_dir / QUEUE_FILE), results=False)

    def run_job(key: str) -> None:
        if run is None:
            raise RuntimeError("this process only enqueues jobs")
        run(key)

    # no Huey retries: the jobs table schedules them (runner.next_run)
    _TASKS[id(huey)] = huey.task(retries=0, name=TASK_NAME)(run_job)
    return huey


def enqueue(huey: Huey, key: str) -> None:
    huey.enqueue(_TASKS[id(huey)].s(key))


def key_of(task: Task) -> str:
    [key] = task.args
    return str(key)


def depth(huey: Huey) -> int:
    """Tasks waiting in the queue (the ``queue_depth`` metric)."""
    return int(huey.pending_count())
