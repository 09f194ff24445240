"""``sellerbridge web``: serve the REST API (and the intake, OAuth callback, setup page) with uvicorn (I2).

SIGTERM / Ctrl-C end it gracefully with exit code 0: uvicorn finishes the requests under way, then
raises the signal again for the handler it found; that handler is ours (a no-op), not Python's
default, which would kill the process with the signal (exit -15 in a deployment's logs).

uvicorn logs through ``api/log_masking.py``: no setup token, intake token, OAuth state or code in
the access log (issue 9).
"""

from __future__ import annotations

import signal

import typer

from ..log_setup import configure_logging
from . import context


def web(host: str = typer.Option("127.0.0.1", help="interface to listen on"),
        port: int = typer.Option(8800, help="TCP port")) -> None:
    """Serve the REST API (OpenAPI at /openapi.json) until interrupted; it runs no job itself: what it is
    asked to run goes on the runtime's queue (workers of `sellerbridge worker` run it)."""
    import uvicorn

    from ..api.app import create_api
    from ..api.log_masking import log_config
    from ..jobs.queue import depth, make_huey

    configure_logging(service=True)  # warnings and the audit trail (log_setup.py); before the hub is built
    with context.hub() as hub:
        huey = make_huey(hub.settings)  # the runtime's queue: jobs asked for here, and the queue_depth metric
        api = create_api(hub, queue=huey)
        api.state.queue_depth = lambda: depth(huey)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: None)
        # returns on SIGTERM / Ctrl-C
        uvicorn.run(api, host=host, port=port, log_level="info", log_config=log_config(root_level="INFO"))
