"""The served sandbox's heartbeat: due events run and notifications go out without any request (I4).

In-process tests step the clock themselves; a served sandbox (``sellerbridge sandbox serve``, the
demo) runs :func:`serve_loop` from the Starlette :func:`lifespan`, so feeds finish, orders arrive
and ORDER_CHANGE notifications reach their receivers even while no client is calling.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx

from .backend import Backend
from .notify import DELIVERY_TIMEOUT, deliver_outbox

log = logging.getLogger(__name__)


async def serve_loop(app: Any, interval_seconds: float = 0.5) -> None:
    """Run ``backend.tick()`` and deliver the outbox every ``interval_seconds``, until cancelled."""
    async with httpx.AsyncClient(timeout=DELIVERY_TIMEOUT) as client:
        while True:
            backend: Backend = app.state.backend  # looked up each round: a test may swap it
            try:
                backend.tick()
                await deliver_outbox(backend, client)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the heartbeat must outlive any one bad event
                backend.internal_errors.append(f"serve_loop: {exc!r}")
                log.exception("sandbox serve loop round failed")
            await asyncio.sleep(interval_seconds)


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """Starlette lifespan: start :func:`serve_loop` as a task, cancel it on shutdown."""
    interval = float(getattr(app.state, "serve_interval_seconds", 0.5))
    task = asyncio.create_task(serve_loop(app, interval), name="sandbox-serve-loop")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
