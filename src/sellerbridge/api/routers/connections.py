"""/api/connections (A1-A5, G2, I2): viewers read, operators test, sync and import the backlog, admins add and
change."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request

from ...db.repositories import sync_runs
from ...services import connections as service
from ...services import oauth
from ..deps import admin, get_hub, operator, viewer
from ..schemas import ConnectionIn, ConnectionPatch, OAuthStart

router = APIRouter(prefix="/api/connections", tags=["connections"])
RUN_VISIBLE_WITHIN_SECONDS = 5.0  # the sync thread records its run at once; wait at most this for its id


@router.get("", dependencies=[Depends(viewer)])
def list_connections(request: Request, status: str | None = None) -> list[dict[str, Any]]:
    return [service.summary(r) for r in service.list_connections(get_hub(request), status=status)]


@router.post("", status_code=201, dependencies=[Depends(admin)])
def add_connection(request: Request, body: ConnectionIn) -> dict[str, Any]:
    record = service.add_connection(
        get_hub(request), name=body.name, marketplace_ref=body.marketplace, client_id=body.client_id,
        client_secret=body.client_secret.get_secret_value(),
        refresh_token=body.refresh_token.get_secret_value() if body.refresh_token else None,
        seller_id=body.seller_id, api_base_url=body.api_base_url, lwa_token_url=body.lwa_token_url,
        authorized_at=body.authorized_at, order_settings=body.settings)
    return service.summary(record)


@router.get("/{ref}", dependencies=[Depends(viewer)])
def get_connection(request: Request, ref: str) -> dict[str, Any]:
    return service.summary(service.get_connection(get_hub(request), ref))


@router.patch("/{ref}", dependencies=[Depends(admin)])
def update_connection(request: Request, ref: str, body: ConnectionPatch) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in body.model_fields_set:
        value = getattr(body, name)
        if name == "settings":
            changes["order_settings"] = value
        else:
            changes[name] = value.get_secret_value() if hasattr(value, "get_secret_value") else value
    return service.summary(service.update_connection(get_hub(request), ref, **changes))


@router.post("/{ref}/test", dependencies=[Depends(operator)])
def test_connection(request: Request, ref: str) -> dict[str, Any]:
    check = service.test_connection(get_hub(request), ref)
    return {"ok": check.ok, "token_ok": check.token_ok, "api_ok": check.api_ok, "message": check.message,
            "api_base_url": check.api_base_url, "rate_limit": check.rate_limit}


@router.post("/{ref}/disable", dependencies=[Depends(admin)])
def disable_connection(request: Request, ref: str, reason: str | None = None) -> dict[str, Any]:
    return service.summary(service.disable_connection(get_hub(request), ref, reason=reason))


@router.post("/{ref}/enable", dependencies=[Depends(admin)])
def enable_connection(request: Request, ref: str) -> dict[str, Any]:
    return service.summary(service.enable_connection(get_hub(request), ref))


@router.post("/{ref}/oauth", dependencies=[Depends(admin)])
def start_oauth(request: Request, ref: str, body: OAuthStart | None = None) -> dict[str, Any]:
    """A2: the consent URL (signed state) and a shareable setup link for the client."""
    hub = get_hub(request)
    body = body or OAuthStart()
    auth = oauth.start_authorization(hub, ref, application_id=body.application_id,
                                     seller_central_url=body.seller_central_url)
    link, link_expires = oauth.setup_link(hub, ref)
    return {"consent_url": auth.consent_url, "expires_at": auth.expires_at.isoformat(), "setup_link": link,
            "setup_link_expires_at": link_expires.isoformat()}


def _claim(request: Request, key: tuple[str, int], what: str) -> Callable[[], None]:
    """One run per connection and flow in this process (G3): 409 while one runs; returns the release."""
    running: set[tuple[str, int]] = request.app.state.running_syncs
    lock: threading.Lock = request.app.state.sync_lock
    with lock:
        if key in running:
            raise HTTPException(409, f"{what} is already running")
        running.add(key)

    def release() -> None:
        with lock:
            running.discard(key)
    return release


def _in_background(name: str, work: Callable[[], object], release: Callable[[], None]) -> None:
    def run() -> None:
        try:
            work()
        finally:
            release()
    threading.Thread(target=run, name=name, daemon=True).start()


@router.post("/{ref}/sync/orders", status_code=202, dependencies=[Depends(operator)])
def sync_orders(request: Request, ref: str) -> dict[str, Any]:
    """Start an order download in a background thread; answers with its run id (H2). 409 if one runs."""
    from ...services import order_sync

    hub = get_hub(request)
    record = service.get_connection(hub, ref)
    release = _claim(request, ("orders", record.id), f"an order sync of {record.name!r}")
    with hub.store.uow(read_only=True) as session:
        before = max((r.id for r in sync_runs.list_runs(session, connection_id=record.id, flow=order_sync.SYNC_FLOW,
                                                        limit=1)), default=0)
    _in_background(f"sync-orders-{record.id}", lambda: order_sync.sync_orders(hub, record.id), release)
    deadline = time.monotonic() + RUN_VISIBLE_WITHIN_SECONDS
    run_id = None
    while run_id is None and time.monotonic() < deadline:
        with hub.store.uow(read_only=True) as session:
            # this flow only: intake fetches and a backlog import record runs of their own meanwhile
            runs = [r for r in sync_runs.list_runs(session, connection_id=record.id, flow=order_sync.SYNC_FLOW,
                                                   limit=5) if r.id > before]
        run_id = min((r.id for r in runs), default=None)
        if run_id is None:
            time.sleep(0.02)
    return {"run_id": run_id, "connection_id": record.id, "status": "started"}


@router.post("/{ref}/backlog", status_code=202, dependencies=[Depends(operator)])
def import_backlog(request: Request, ref: str) -> dict[str, Any]:
    """Start the backlog import of the connection's open orders (G2) in a background thread, resuming an
    unfinished backlog run; answers with its run id (H2), whose report is at /api/runs/{id}. 409 if one runs."""
    from ...services.order_backlog import BACKLOG_FLOW, backfill_orders

    hub = get_hub(request)
    record = service.get_connection(hub, ref)
    release = _claim(request, (BACKLOG_FLOW, record.id), f"a backlog import of {record.name!r}")
    try:
        with hub.store.uow(read_only=True) as session:
            latest = sync_runs.list_runs(session, connection_id=record.id, flow=BACKLOG_FLOW, limit=1)
        # No step yet: the run is opened (or the unfinished one taken up) and left running, so its id is
        # known now; the thread then resumes exactly that run.
        opened = backfill_orders(hub, record.id, max_steps=0)
    except BaseException:
        release()
        raise
    _in_background(f"backlog-{record.id}", lambda: backfill_orders(hub, record.id), release)
    return {"run_id": opened.run_id, "connection_id": record.id, "flow": BACKLOG_FLOW, "status": "started",
            "resumed": bool(latest) and latest[0].id == opened.run_id}
