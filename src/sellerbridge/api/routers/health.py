"""/readyz and /metrics (H2, G3; issue 4). /healthz, "the process answers", is in ``routes_public``.

- ``/readyz``: 200 when the database answers and its schema is at the Alembic head, and Redis answers
  PING when ``redis_url`` is set; otherwise 503 with what is not ready. No API key: load balancers and
  orchestrators probe it. Answers carry no URL, host or secret, only what failed.
- ``/metrics``: Prometheus text format, derived from the database (``services/metrics.py``), so every
  replica tells the same story. Open by default, as Prometheus scrapes; when ``metrics_token`` is
  set it needs ``Authorization: Bearer <token>``. The runtime may set ``app.state.queue_depth``
  (``Callable[[], int]``) to report its task queue.
"""

from __future__ import annotations

import hmac
import threading
from functools import lru_cache
from typing import Any

import redis
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from ...bootstrap import Hub
from ...db.engine import alembic_config, current_revision
from ...services.metrics import HubMetrics
from ...services.prometheus_text import CONTENT_TYPE
from ..deps import get_hub

router = APIRouter(tags=["health"])
REDIS_TIMEOUT_SECONDS = 2.0  # a probe must answer before the orchestrator's own timeout (often 1-5 s)
_metrics_lock = threading.Lock()


@lru_cache(maxsize=1)
def schema_head() -> str | None:
    """The newest revision of the migrations shipped with this code (read once per process)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _database_problem(hub: Hub) -> tuple[str | None, str | None]:
    """(database problem, schema problem); None where all is well."""
    try:
        revision = current_revision(hub.store.engine)  # reads alembic_version: proves the database answers
    except Exception as exc:  # any driver error: the probe names the kind, never the URL
        return f"no answer ({type(exc).__name__})", None
    head = schema_head()
    if revision != head:
        return None, (f"schema at {revision or 'no revision'}, this code expects {head} "
                      "(the hub migrates when it starts)")
    return None, None


def _redis_problem(url: str) -> str | None:
    client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                  socket_timeout=REDIS_TIMEOUT_SECONDS)
    try:
        client.ping()
    except Exception as exc:
        return f"no answer to PING ({type(exc).__name__})"
    finally:
        client.close()
    return None


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """200 ``{"status": "ready", "checks": {...}}`` or 503 ``{"status": "not ready", "not_ready": [...]}``."""
    hub = get_hub(request)
    database, schema = _database_problem(hub)
    checks: dict[str, str] = {"database": database or "ok"}
    if database is None:
        checks["schema"] = schema or "ok"
    if hub.settings.redis_url:
        checks["redis"] = _redis_problem(hub.settings.redis_url) or "ok"
    failing = [name for name, state in checks.items() if state != "ok"]
    if database is not None:
        failing.append("schema")  # unknown while the database does not answer
    body: dict[str, Any] = {"status": "not ready" if failing else "ready", "checks": checks}
    if failing:
        body["not_ready"] = failing
    return JSONResponse(body, status_code=503 if failing else 200)


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
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format 0.0.4"}})
def metrics(request: Request) -> Response:
    _check_token(request)
    queue_depth = getattr(request.app.state, "queue_depth", None)
    return Response(_collector(request).exposition(queue_depth=queue_depth), media_type=CONTENT_TYPE)
