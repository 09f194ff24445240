"""The REST API (I2): ``create_api(hub)`` builds the FastAPI app; OpenAPI at /openapi.json.

Errors map to statuses in one place: ConfigError 400 (409 for a taken name), not found 404,
OAuthError 400. Nothing in an answer or a log carries a secret (A3).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ..bootstrap import Hub
from ..db.errors import DuplicateConnection, DuplicateName, NotFound
from ..domain.common.errors import ConfigError
from ..services.intake import DEFAULT_WORKERS, OrderIntake, intake_token
from ..services.oauth import OAuthError
from .routers import connections as routes_connections
from .routers import data as routes_data
from .routers import health as routes_health
from .routers import jobs as routes_jobs
from .routers import public as routes_public


def create_api(hub: Hub, *, intake_workers: int = DEFAULT_WORKERS, seller_central_url: str | None = None) -> FastAPI:
    """The API for ``hub``. ``seller_central_url`` overrides where setup links send the browser (the
    local sandbox's consent page in demos and tests)."""
    intake = OrderIntake(hub, workers=intake_workers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        intake.close(wait=False)

    app = FastAPI(title="sellerbridge", version="0.1.0", lifespan=lifespan,
                  description="Amazon Seller Central integration hub: connections, orders, errors, runs.")
    app.state.hub = hub
    app.state.intake = intake
    app.state.intake_token = intake_token(hub.settings)
    app.state.seller_central_url = seller_central_url
    app.state.running_syncs = set()
    app.state.sync_lock = threading.Lock()

    def handler(status: int):
        async def handle(request: Request, exc: Exception) -> JSONResponse:
            return JSONResponse({"detail": str(exc).strip("'\"")}, status_code=status)
        return handle

    app.add_exception_handler(ConfigError, handler(400))
    app.add_exception_handler(OAuthError, handler(400))
    app.add_exception_handler(DuplicateConnection, handler(409))
    app.add_exception_handler(DuplicateName, handler(409))
    app.add_exception_handler(NotFound, handler(404))
    app.add_exception_handler(LookupError, handler(404))
    app.include_router(routes_connections.router)
    app.include_router(routes_data.router)
    app.include_router(routes_jobs.router)
    app.include_router(routes_public.router)
    app.include_router(routes_health.router)
    return app
