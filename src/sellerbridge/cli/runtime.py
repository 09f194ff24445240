"""``sellerbridge run | worker | scheduler``: the runtime's processes (G3; DESIGN.md section 4).

- ``run``: embedded mode, one process: REST API + intake (uvicorn), the scheduler and worker threads.
- ``worker`` and ``scheduler``: distributed mode (PostgreSQL + Redis; any number of workers, one
  scheduler), next to any number of ``sellerbridge web``.

SIGTERM / Ctrl-C stop gracefully: no new job is taken, running jobs finish (jobs/worker.py).
"""

from __future__ import annotations

import signal
import threading

import typer

from ..jobs.queue import depth, make_huey
from ..jobs.scheduler import Scheduler
from ..jobs.worker import Worker
from ..log_setup import configure_logging
from . import context


def _stop_on_signals(stop: threading.Event) -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())


def _logging() -> None:
    configure_logging(service=True)  # runs, the intake and the audit trail at INFO; secrets scrubbed


def worker(threads: int = typer.Option(8, min=1, help="jobs run at once by this process (a job waiting "
                                                       "for an Amazon token holds its thread)")) -> None:
    """Run jobs from the queue until stopped (distributed mode)."""
    _logging()
    stop = threading.Event()
    _stop_on_signals(stop)
    with context.hub() as hub:
        huey = make_huey(hub.settings)
        work = Worker(hub, huey, threads=threads)
        work.start()
        stop.wait()
        work.stop()


def scheduler() -> None:
    """Queue due jobs until stopped (distributed mode: one per installation)."""
    _logging()
    stop = threading.Event()
    _stop_on_signals(stop)
    with context.hub() as hub:
        sched = Scheduler(hub, make_huey(hub.settings))
        thread = threading.Thread(target=sched.run, name="scheduler", daemon=True)
        thread.start()
        stop.wait()
        sched.stop()
        thread.join(10)


def run(host: str = typer.Option("127.0.0.1", help="interface to listen on"),
        port: int = typer.Option(8800, help="TCP port of the REST API and the notification intake"),
        threads: int = typer.Option(8, min=1, help="worker threads")) -> None:
    """Embedded mode: API + intake, scheduler and workers in this one process."""
    import uvicorn

    _logging()
    from ..api.app import create_api
    from ..api.log_masking import install, log_config

    with context.hub() as hub:
        huey = make_huey(hub.settings)
        work = Worker(hub, huey, threads=threads)
        sched = Scheduler(hub, huey)
        api = create_api(hub, queue=huey)
        api.state.queue_depth = lambda: depth(huey)
        sched_thread = threading.Thread(target=sched.run, name="scheduler", daemon=True)
        work.start()
        sched_thread.start()
        # uvicorn stops on SIGTERM / Ctrl-C and then raises the signal again for the handler it found:
        # Python's default would end the process here, before the workers finish their jobs.
        _stop_on_signals(threading.Event())
        try:
            install()  # the root handler of basicConfig too: no secret in any log line (issue 9)
            # returns on SIGTERM / Ctrl-C
            uvicorn.run(api, host=host, port=port, log_level="info", log_config=log_config(root_level="INFO"))
        finally:
            sched.stop()
            work.stop()
            sched_thread.join(10)
