"""/readyz and /metrics (H2, G3; issue 4). /healthz, "the process answers", is in ``routes_public``.

- ``/readyz``: 200 when the database answers and its schema is at the Alembic head, and Redis answers
  PING when ``redis_url`` is set; otherwise 503 with what is not ready. The body also counts the
  connections by health (``services/connection_health.py``) and says ``degraded`` when one is failing
  or stale: still 200, because the process can serve (the intake keeps taking notifications while
  Amazon refuses a seller) and pulling every replica would make it worse. The per-connection detail is
  ``GET /api/health/connections`` (a viewer key: it names connections). No API key: load balancers and
  orchestrators probe it. Answers carry no URL, host or secret, only what failed. The checks are
  ``services/readiness.py``; this router only turns them into the answer.
- ``/metrics``: Prometheus text format, derived from the database (``services/metrics.py``), so every
  replica tells the same story. Open by default, as Prometheus scrapes; when ``metrics_token`` is
  set it needs ``Authorization: Bearer <token>``. The runtime may set ``app.state.queue_depth``
  (``Callable[[], int]``) to report its task queue.
"""

from __future__ import annotations

import hmac
import threading
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from ...services import connection_health, readiness
from ...services.metrics import HubMetrics
from ...services.prometheus_text import CONTENT_TYPE
from ..deps import get_hub, viewer
from ..schemas import VIEWER, ConnectionsHealthOut, ReadyOut, errors

router = APIRouter(tags=["health"])
_metrics_lock = threading.Lock()


@router.get("/readyz", response_model=ReadyOut,
            responses={503: {"model": ReadyOut, "description": "not ready: what failed"}, **errors(413, 422)})
def readyz(request: Request) -> JSONResponse:
    """200 ``{"status": "ready", "checks": {...}}`` or 503 ``{"status": "not ready", "not_ready": [...]}``."""
    hub = get_hub(request)
    state = readiness.check(hub)
    body: dict[str, Any] = {"status": "ready" if state.ready else "not ready", "checks": state.checks}
    if not state.ready:
        body["not_ready"] = state.not_ready
        return JSONResponse(body, status_code=503)
    counts = connection_health.summary(connection_health.connection_health(hub))
    body["connections"] = counts
    if counts["failing"] or counts["stale"]:
        body["status"] = "degraded"
    return JSONResponse(body, status_code=200)


@router.get("/api/health/connections", dependencies=[Depends(viewer)], response_model=ConnectionsHealthOut,
            responses=errors(*VIEWER))
def connections_health(request: Request) -> dict[str, Any]:
    """Each connection's health: ok, starting, failing (with the error), stale or stopped (G3, H2)."""
    health = connection_health.connection_health(get_hub(request))
    return {"summary": connection_health.summary(health), "connections": [h.as_dict() for h in health]}


def _check_token(request: Request) -> None:
    token = get_hub(request).settings.metrics_token
    if token is None:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                             token.get_secret_value().encode()):
        raise HTTPException(401, "a bearer token is required for /metrics (SELLERBRIDGE_METRICS_TOKEN)",
                            headers={"WWW-Authenticate": "Bearer"})


def _collector(request: Request) -> HubMetrics:
    # One per app: it keeps the settled totals (services/metrics.py), so it must outlive a request.
    with _metrics_lock:
        collector = getattr(request.app.state, "metrics", None)
        if collector is None:
            collector = request.app.state.metrics = HubMetrics(get_hub(request))
        return collector


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format 0.0.4"},
                       **errors(401, 413, 422)})
def metrics(request: Request) -> Response:
    _check_token(request)
    queue_depth = getattr(request.app.state, "queue_depth", None)
    return Response(_collector(request).exposition(queue_depth=queue_depth), media_type=CONTENT_TYPE)
