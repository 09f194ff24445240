"""/api/receivers (B14, B13): viewers read; operators test, pause and resume; admins add, rotate the
secret and decide whether a receiver may get buyer data (audited with the key's name)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from ...jobs import manage
from ...services import deliveries as delivery_service
from ...services import receivers as service
from ...services.api_keys import ApiKey
from ..deps import admin, get_hub, operator, viewer
from ..schemas import VIEWER, errors
from ..validation import Id, Ref
from .warehouse_schemas import (
    ReceiverCreatedOut,
    ReceiverDetailOut,
    ReceiverIn,
    ReceiverOut,
    ReceiverTestOut,
    RedeliverOut,
)

router = APIRouter(prefix="/api/receivers", tags=["receivers"])


def actor(key: ApiKey) -> str:
    return f"api-key:{key.id}:{key.name}"


def _revealed(revealed: service.Revealed) -> dict[str, Any]:
    return {**service.summary(revealed.receiver), "secret": revealed.secret}


@router.get("", dependencies=[Depends(viewer)], response_model=list[ReceiverOut], responses=errors(400, *VIEWER))
def list_receivers(request: Request, connection: Ref | None = None) -> list[dict[str, Any]]:
    return [service.summary(r) for r in service.list_receivers(get_hub(request), connection)]


@router.post("", status_code=201, response_model=ReceiverCreatedOut, responses=errors(400, 409, *VIEWER))
def add_receiver(request: Request, body: ReceiverIn, key: ApiKey = Depends(admin)) -> dict[str, Any]:
    """A new receiver of the connection's messages (admin). A webhook's signing secret is in this answer only."""
    secrets = {name: value.get_secret_value() for name, value in
               (("password", body.password), ("private_key", body.private_key)) if value is not None}
    revealed = service.add_receiver(get_hub(request), body.connection, name=body.name, kind=body.kind, url=body.url,
                                    config=body.config, secrets=secrets, file_format=body.file_format,
                                    actor=actor(key))
    return _revealed(revealed)


@router.get("/{receiver_id}", dependencies=[Depends(viewer)], response_model=ReceiverDetailOut,
            responses=errors(404, *VIEWER))
def show_receiver(request: Request, receiver_id: Id) -> dict[str, Any]:
    return service.show(get_hub(request), receiver_id)


@router.post("/{receiver_id}/test", dependencies=[Depends(operator)], response_model=ReceiverTestOut,
             responses=errors(400, 404, *VIEWER))
def test_receiver(request: Request, receiver_id: Id) -> dict[str, Any]:
    """Send a signed ``ping`` (no order, no buyer data) now; the attempt is kept like any other."""
    hub = get_hub(request)
    return service.test_receiver(hub, service.get_receiver(hub, receiver_id))


@router.post("/{receiver_id}/rotate-secret", response_model=ReceiverCreatedOut, responses=errors(400, 404, *VIEWER))
def rotate_secret(request: Request, receiver_id: Id, key: ApiKey = Depends(admin)) -> dict[str, Any]:
    """A new signing secret, shown in this answer only; the older one stays valid for the grace period."""
    hub = get_hub(request)
    return _revealed(service.rotate_secret(hub, service.get_receiver(hub, receiver_id), actor=actor(key)))


@router.post("/{receiver_id}/finish-rotation", response_model=ReceiverOut, responses=errors(400, 404, *VIEWER))
def finish_rotation(request: Request, receiver_id: Id, key: ApiKey = Depends(admin)) -> dict[str, Any]:
    hub = get_hub(request)
    return service.summary(service.finish_rotation(hub, service.get_receiver(hub, receiver_id), actor=actor(key)))


def _set(request: Request, receiver_id: int, key: ApiKey, *, paused: bool | None = None,
         pii: bool | None = None) -> dict[str, Any]:
    hub = get_hub(request)
    record = service.get_receiver(hub, receiver_id)
    if paused is not None:
        record = service.set_paused(hub, record, paused, actor=actor(key))
    if pii is not None:
        record = service.set_pii(hub, record, pii, actor=actor(key))
    return service.summary(record)


@router.post("/{receiver_id}/pause", response_model=ReceiverOut, responses=errors(404, *VIEWER))
def pause(request: Request, receiver_id: Id, key: ApiKey = Depends(operator)) -> dict[str, Any]:
    """Nothing is sent to it until resumed; what happens meanwhile is delivered then."""
    return _set(request, receiver_id, key, paused=True)


@router.post("/{receiver_id}/resume", response_model=ReceiverOut, responses=errors(404, *VIEWER))
def resume(request: Request, receiver_id: Id, key: ApiKey = Depends(operator)) -> dict[str, Any]:
    return _set(request, receiver_id, key, paused=False)


@router.post("/{receiver_id}/allow-pii", response_model=ReceiverOut, responses=errors(404, *VIEWER))
def allow_pii(request: Request, receiver_id: Id, key: ApiKey = Depends(admin)) -> dict[str, Any]:
    """B13: the receiver may get the ship-to address and buyer name (admin; who and when are audited)."""
    return _set(request, receiver_id, key, pii=True)


@router.post("/{receiver_id}/deny-pii", response_model=ReceiverOut, responses=errors(404, *VIEWER))
def deny_pii(request: Request, receiver_id: Id, key: ApiKey = Depends(admin)) -> dict[str, Any]:
    return _set(request, receiver_id, key, pii=False)


@router.post("/{receiver_id}/redeliver", status_code=202, dependencies=[Depends(operator)],
             response_model=RedeliverOut, responses=errors(400, 404, *VIEWER))
def redeliver_failed(request: Request, receiver_id: Id) -> dict[str, Any]:
    """Every failed delivery of the receiver due again; the ``deliveries`` run sends them (202)."""
    hub = get_hub(request)
    return ask_for_run(request, delivery_service.redeliver(hub, receiver=receiver_id))


def ask_for_run(request: Request, redelivered: dict[str, Any]) -> dict[str, Any]:
    if not redelivered["items"]:
        return {"items": [], "run_id": None, "job": None}
    job = manage.request_run(get_hub(request), "deliveries", redelivered["connection_id"],
                             queue=request.app.state.queue)
    return {"items": redelivered["items"], "run_id": job["run_id"], "job": job["key"]}
