"""/api/connections (A1-A5, G2, I2): viewers read, operators test, sync and import the backlog, admins add and
change.

Every ``{ref}`` is a :data:`~..validation.Ref` (an id in range or a storable name); the answers are
``schemas.Answer`` models, so that one stored value nobody can encode never breaks the listing for
everyone (issue 9).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from ...jobs import manage
from ...services import connections as service
from ...services import oauth
from ..deps import admin, get_hub, operator, viewer
from ..schemas import (
    VIEWER,
    ConnectionIn,
    ConnectionOut,
    ConnectionPatch,
    ConnectionTestOut,
    OAuthStart,
    OAuthStartOut,
    RunRequestedOut,
    ShortText,
    errors,
)
from ..validation import Ref

router = APIRouter(prefix="/api/connections", tags=["connections"])


def _out(record: Any) -> dict[str, Any]:
    return service.summary(record)


@router.get("", dependencies=[Depends(viewer)], response_model=list[ConnectionOut], responses=errors(*VIEWER))
def list_connections(request: Request, status: ShortText | None = None) -> list[dict[str, Any]]:
    return [_out(r) for r in service.list_connections(get_hub(request), status=status)]


@router.post("", status_code=201, dependencies=[Depends(admin)], response_model=ConnectionOut,
             responses=errors(400, 409, *VIEWER))
def add_connection(request: Request, body: ConnectionIn) -> dict[str, Any]:
    record = service.add_connection(
        get_hub(request), name=body.name, marketplace_ref=body.marketplace, client_id=body.client_id,
        client_secret=body.client_secret.get_secret_value(),
        refresh_token=body.refresh_token.get_secret_value() if body.refresh_token else None,
        seller_id=body.seller_id, api_base_url=body.api_base_url, lwa_token_url=body.lwa_token_url,
        authorized_at=body.authorized_at, order_settings=body.settings)
    return _out(record)


@router.get("/{ref}", dependencies=[Depends(viewer)], response_model=ConnectionOut,
            responses=errors(400, 404, *VIEWER))
def get_connection(request: Request, ref: Ref) -> dict[str, Any]:
    return _out(service.get_connection(get_hub(request), ref))


@router.patch("/{ref}", dependencies=[Depends(admin)], response_model=ConnectionOut,
              responses=errors(400, 404, 409, *VIEWER))
def update_connection(request: Request, ref: Ref, body: ConnectionPatch) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in body.model_fields_set:
        value = getattr(body, name)
        if name == "settings":
            changes["order_settings"] = value
        else:
            changes[name] = value.get_secret_value() if hasattr(value, "get_secret_value") else value
    return _out(service.update_connection(get_hub(request), ref, **changes))


@router.post("/{ref}/test", dependencies=[Depends(operator)], response_model=ConnectionTestOut,
             responses=errors(400, 404, *VIEWER))
def test_connection(request: Request, ref: Ref) -> dict[str, Any]:
    check = service.test_connection(get_hub(request), ref)
    return {"ok": check.ok, "token_ok": check.token_ok, "api_ok": check.api_ok, "message": check.message,
            "api_base_url": check.api_base_url, "rate_limit": check.rate_limit}


@router.post("/{ref}/disable", dependencies=[Depends(admin)], response_model=ConnectionOut,
             responses=errors(400, 404, *VIEWER))
def disable_connection(request: Request, ref: Ref, reason: ShortText | None = None) -> dict[str, Any]:
    return _out(service.disable_connection(get_hub(request), ref, reason=reason))


@router.post("/{ref}/enable", dependencies=[Depends(admin)], response_model=ConnectionOut,
             responses=errors(400, 404, *VIEWER))
def enable_connection(request: Request, ref: Ref) -> dict[str, Any]:
    return _out(service.enable_connection(get_hub(request), ref))


@router.post("/{ref}/oauth", dependencies=[Depends(admin)], response_model=OAuthStartOut,
             responses=errors(400, 404, *VIEWER))
def start_oauth(request: Request, ref: Ref, body: OAuthStart | None = None) -> dict[str, Any]:
    """A2: the consent URL (signed state) and a shareable setup link for the client."""
    hub = get_hub(request)
    body = body or OAuthStart()
    auth = oauth.start_authorization(hub, ref, application_id=body.application_id,
                                     seller_central_url=body.seller_central_url)
    link, link_expires = oauth.setup_link(hub, ref)
    return {"consent_url": auth.consent_url, "expires_at": auth.expires_at.isoformat(), "setup_link": link,
            "setup_link_expires_at": link_expires.isoformat()}


def _ask(request: Request, ref: Ref, flow: str) -> dict[str, Any]:
    """A run of the connection's job, asked of the runtime: 202 with the run's id at once (H2)."""
    job = manage.request_run(get_hub(request), flow, ref, queue=request.app.state.queue)
    return {"run_id": job["run_id"], "connection_id": job["connection_id"], "flow": flow, "job": job["key"],
            "status": "queued", "resumed": job["resumed"]}


@router.post("/{ref}/sync/orders", status_code=202, dependencies=[Depends(operator)],
             response_model=RunRequestedOut, responses=errors(400, 404, *VIEWER))
def sync_orders(request: Request, ref: Ref) -> dict[str, Any]:
    """Download new and updated orders now: the ``orders`` job runs at once; its run is at /api/runs/{run_id}."""
    return _ask(request, ref, "orders")


@router.post("/{ref}/backlog", status_code=202, dependencies=[Depends(operator)],
             response_model=RunRequestedOut, responses=errors(400, 404, *VIEWER))
def import_backlog(request: Request, ref: Ref) -> dict[str, Any]:
    """Import the connection's open orders the fast way (G2): the ``orders_backlog`` job, resuming an
    unfinished backlog run (``resumed``); its report is at /api/runs/{run_id}."""
    return _ask(request, ref, "orders_backlog")
