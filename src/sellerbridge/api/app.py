"""The REST API (I2): ``create_api(hub)`` builds the FastAPI app; OpenAPI at /openapi.json.

Nothing runs inside the web process: "run now", a backlog import, a reprocess and every notified order
are requests to the runtime (``jobs.manage``), answered at once with the run's id. With ``queue`` (the
process's Huey, as ``sellerbridge run`` and ``sellerbridge web`` pass it) a requested job is queued at
once instead of at the scheduler's next tick.

Errors map to statuses in one place, by the domain's families (``domain/common/errors.py``), so the API
knows no store: ConfigError 400, Conflict (a taken name, A1) 409, NotFound and any LookupError 404,
OAuthError 400. Nothing in an answer or a log carries a secret (A3).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from huey import Huey

from ..bootstrap import Hub
from ..domain.common.errors import ConfigError, Conflict, NotFound
from ..services.intake import intake_token
from ..services.oauth import OAuthError
from .routers import authorizations, connections, errors, health, intake, jobs, keys, orders, public, runs


def create_api(hub: Hub, *, queue: Huey | None = None, seller_central_url: str | None = None) -> FastAPI:
    """The API for ``hub``. ``seller_central_url`` overrides where setup links send the browser (the
    local sandbox's consent page in demos and tests)."""
    app = FastAPI(title="sellerbridge", version="0.1.0",
                  description="Amazon Seller Central integration hub: connections, orders, errors, runs, jobs.")
    app.state.hub = hub
    app.state.queue = queue
    app.state.intake_token = intake_token(hub.settings)
    app.state.seller_central_url = seller_central_url

    def handler(status: int):
        async def handle(request: Request, exc: Exception) -> JSONResponse:
            return JSONResponse({"detail": str(exc).strip("'\"")}, status_code=status)
        return handle

    app.add_exception_handler(ConfigError, handler(400))
    app.add_exception_handler(OAuthError, handler(400))
    app.add_exception_handler(Conflict, handler(409))
    app.add_exception_handler(NotFound, handler(404))
    app.add_exception_handler(LookupError, handler(404))
    for module in (connections, authorizations, runs, orders, errors, keys, jobs, intake, public, health):
        app.include_router(module.router)
    return app
