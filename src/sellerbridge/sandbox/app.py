"""The sandbox Amazon as one ASGI app (I4): ``create_app()``.

Usable in-process (``httpx.ASGITransport(app=create_app())``) and served on loopback by
``sellerbridge sandbox serve``. One app answers for every region: point a client's SP-API base URL
and its LWA token URL at it.
"""

from __future__ import annotations

import importlib

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

from . import notify
from .backend import Backend
from .clock import Clock
from .operation import DropConnection
from .timings import Timings

# Route modules, each owning one API family; each exposes ``routes``.
ROUTE_MODULES = (
    "lwa", "documents", "control", "orders_v2026", "orders_v0", "orders_v0_shipments", "listings",
    "feeds", "reports", "tokens", "notifications", "control_notifications",
)


def _routes() -> list:
    out: list = []
    for name in ROUTE_MODULES:
        try:
            module = importlib.import_module(f"{__package__}.routes.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.routes.{name}":
                raise
            continue  # a family not built yet
        out.extend(module.routes)
    return out


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    body = {"errors": [{"code": "NotFound", "message": "The requested resource was not found.",
                        "details": f"{request.method} {request.url.path}"}]}
    return JSONResponse(body, status_code=404)


async def _method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
    body = {"errors": [{"code": "MethodNotAllowed", "message": "The method is not allowed on this resource.",
                        "details": request.method}]}
    return JSONResponse(body, status_code=405)


async def _internal(request: Request, exc: Exception) -> JSONResponse:
    backend: Backend = request.app.state.backend
    if not isinstance(exc, DropConnection):  # a scripted drop is not a sandbox bug
        backend.internal_errors.append(f"{request.method} {request.url.path}: {exc!r}")
    body = {"errors": [{"code": "InternalFailure", "message": "We encountered an internal error.",
                        "details": ""}]}
    return JSONResponse(body, status_code=500)


def create_app(backend: Backend | None = None, *, time_scale: float = 1.0) -> Starlette:
    """Build the sandbox. ``time_scale=0`` gives a stepped clock for tests."""
    backend = backend or Backend(Clock(scale=time_scale), Timings())
    app = Starlette(routes=_routes(), exception_handlers={404: _not_found, 405: _method_not_allowed,
                                                           Exception: _internal})
    app.state.backend = backend
    notify.install(app)  # ORDER_CHANGE hook and app.state.deliver (the clock endpoint awaits it)
    return app
