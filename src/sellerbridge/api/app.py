"""The REST API (I2): ``create_api(hub)`` builds the FastAPI app; OpenAPI at /openapi.json.

Nothing runs inside the web process: "run now", a backlog import, a reprocess and every notified order
are requests to the runtime (``jobs.manage``), answered at once with the run's id. With ``queue`` (the
process's Huey, as ``sellerbridge run`` and ``sellerbridge web`` pass it) a requested job is queued at
once instead of at the scheduler's next tick.

Errors map to statuses in one place, by the domain's families (``domain/common/errors.py``), so the API
knows no store: ConfigError 400, Conflict (a taken name, A1) 409, NotFound and any LookupError 404,
OAuthError 400. Nothing in an answer or a log carries a secret (A3).

The boundary (issue 9): every request body is limited before it is read (``api/body_limit.py``, 413);
a malformed request is a 422 that says where, without echoing the value (it may be a secret or buyer
data, or text that cannot be encoded); any other exception is a 500 ``{"detail": ...}`` logged by
its type, the route and the stack alone (:class:`CatchAll`: a middleware, not an exception handler,
because Starlette re-raises after its handler and the server would log the message after all).
Invalid input is refused by the constrained types of ``api/validation.py``, never left for the
database to reject.
"""

from __future__ import annotations

import logging
import traceback

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from huey import Huey
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..bootstrap import Hub
from ..domain.common.errors import ConfigError, Conflict, NotFound
from ..services.intake import intake_token
from ..services.oauth import OAuthError
from . import schemas
from .body_limit import MAX_BODY_BYTES, BodyLimit
from .routers import (
    authorizations,
    cancellations,
    connections,
    deliveries,
    errors,
    health,
    intake,
    jobs,
    keys,
    orders,
    prices,
    public,
    receivers,
    runs,
    shipments,
    stock_push,
)
from .routers import stock as stock_routes

log = logging.getLogger("sellerbridge.api")


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
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_middleware(CatchAll)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)  # the outermost: before anything reads the body
    for module in (connections, authorizations, runs, orders, shipments, cancellations, errors, keys, jobs, intake,
                   public, health, receivers, deliveries, stock_push):
        app.include_router(module.router, responses=schemas.errors(*schemas.COMMON))  # any route can answer them
    app.include_router(stock_routes.router, responses=schemas.errors(*schemas.COMMON))  # issue 11: stock in
    app.include_router(prices.router, responses=schemas.errors(*schemas.COMMON))  # issue 11: prices, items
    return app


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """422 naming each bad part of the request (where, what is wrong), never its value: pydantic's
    ``input`` and ``ctx`` may hold a secret, buyer data or a lone surrogate that cannot be encoded."""
    problems = [{"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", "")),
                 "type": str(error.get("type", ""))} for error in getattr(exc, "errors", list)()]
    return JSONResponse({"detail": problems}, status_code=422)


class CatchAll:
    """A bug, not an input the boundary refused: answered 500 ``{"detail": ...}`` without details and
    logged by the exception's type, the route and the stack, never by its message (it may hold SQL
    parameters or buyer data). The exception ends here: nothing else logs it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception as exc:
            route = getattr(scope.get("route"), "path", "?")
            log.error("unexpected %s on %s %s\n%s", type(exc).__name__, scope.get("method"), route,
                      "".join(traceback.format_tb(exc.__traceback__)))
            if not started:
                await JSONResponse({"detail": "internal error: see the hub's log"}, status_code=500)(
                    scope, receive, send)
