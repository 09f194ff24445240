"""The error log as people use it: list, show, reprocess, dismiss (B11, H1).

An error row keeps the failed Amazon document encrypted and without its buyer data (redacted when
written, ``db/repositories/error_log.py``); rows older than that rule may still hold some until the
purge, so :func:`show_error` returns the document only to a viewer with the view-PII permission,
through the one gate ``services.pii.read_pii`` that records the view (B13). Reprocessing an order's error (after
its mapping was fixed) queues the order for ``getOrder`` (``services.intake.queue_fetch``); the front
end then asks the runtime for the connection's ``orders_fetch`` run, which stores the order and
resolves the error (or resolves it when the filters now skip the order: nothing is left to do).
"""

from __future__ import annotations

from typing import Any

from ..bootstrap import Hub
from ..db.errors import NotFound
from ..db.repositories import error_log
from ..db.repositories.error_log import ErrorRecord
from ..db.stores.cancellations import ERROR_KIND as CANCEL_ERROR_KIND
from ..db.stores.confirmations import ERROR_KIND as SHIPMENT_ERROR_KIND
from ..db.stores.deliveries import ERROR_KIND as DELIVERY_ERROR_KIND
from ..db.stores.orders import ERROR_KIND as ORDER_ERROR_KIND
from ..db.stores.stock_push import ERROR_KIND as STOCK_ERROR_KIND
from ..domain.common.errors import ConfigError
from . import confirmations as confirmation_service
from . import connections as connection_service
from . import deliveries as delivery_service
from . import pii as pii_gate
from . import stock_push as stock_push_service
from .intake import queue_fetch
from .orders import jsonable

STATUSES = ("open", "resolved", "dismissed")


def error_summary(record: ErrorRecord) -> dict[str, Any]:
    out = jsonable(record)
    out.pop("payload", None)
    return out


def list_errors(hub: Hub, *, status: str | None = "open", connection: int | str | None = None,
                kind: str | None = None, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    """Errors newest first: ``{"items", "total"}``; ``status="all"`` or None lists every status."""
    if status in ("all", ""):
        status = None
    if status is not None and status not in STATUSES:
        raise ConfigError(f"error status must be one of {', '.join(STATUSES)} or all")
    connection_id = connection_service.get_connection(hub, connection).id if connection is not None else None
    with hub.store.uow(read_only=True) as session:
        items, total = error_log.list_errors(session, status=status, connection_id=connection_id, kind=kind,
                                             limit=limit, offset=offset)
    return {"items": [error_summary(e) for e in items], "total": total}


def get_error(hub: Hub, error_id: int) -> ErrorRecord:
    with hub.store.uow(read_only=True) as session:
        record = error_log.get_error(session, error_id)
    if record is None:
        raise LookupError(f"error {error_id} not found")
    return record


def show_error(hub: Hub, error_id: int, *, viewer: pii_gate.Viewer) -> dict[str, Any]:
    """One error; Amazon's document only for a viewer with the view-PII permission (recorded, B13)."""
    record = pii_gate.read_pii(hub, viewer, lambda session, box: error_log.get_error(session, error_id, box=box),
                               _disclosed)
    if record is None:
        raise LookupError(f"error {error_id} not found")
    out = error_summary(record)
    if viewer.may_view_pii:
        out["payload"] = record.payload
    return out


def _disclosed(record: ErrorRecord | None) -> pii_gate.Disclosure | None:
    if record is None or record.payload is None:
        return None
    return pii_gate.Disclosure(record.connection_id, record.key if record.kind == ORDER_ERROR_KIND else None,
                               ("error.payload",))


def reprocessable(hub: Hub, error_id: int, kind: str, what: str) -> ErrorRecord:
    """The error-log record a front end asks to reprocess as ``kind`` (its payload decrypted): LookupError
    when there is none, ConfigError when it is another kind or dismissed (``what`` names the kind to people)."""
    with hub.store.uow(read_only=True) as session:
        record = error_log.get_error(session, error_id, box=hub.store.box)
    if record is None:
        raise LookupError(f"error {error_id} not found")
    if record.kind != kind or record.status == "dismissed":
        raise ConfigError(f"error {error_id} is not {what} ({record.kind} {record.status})")
    return record


def reprocess_flow(record: ErrorRecord) -> str:
    """The flow whose run serves a reprocessed error: ``orders_fetch`` for an order, ``shipment_confirm`` for
    a package, ``line_cancel`` for a cancelled line, ``deliveries`` for an undelivered message (issue 10)."""
    flows = {SHIPMENT_ERROR_KIND: "shipment_confirm", CANCEL_ERROR_KIND: "line_cancel",
             DELIVERY_ERROR_KIND: "deliveries", STOCK_ERROR_KIND: "stock_push"}
    return flows.get(record.kind, "orders_fetch")


def reprocess(hub: Hub, error_id: int) -> ErrorRecord:
    """B11: queue the order of an order-import error for ``getOrder``; the caller asks for the
    :func:`reprocess_flow` run of ``record.connection_id``. ConfigError for an error that is no such order.
    A package's or a cancelled line's error (H1) queues it again for its flow; an undelivered message gets
    another attempt (H1, issue 10)."""
    record = get_error(hub, error_id)
    if record.kind == DELIVERY_ERROR_KIND:
        delivery_service.redeliver_message(hub, record.connection_id, record.key)
        return record
    if record.kind == STOCK_ERROR_KIND:  # a SKU Amazon refused (D8): marked, sent again by stock_push
        stock_push_service.retry_from_error(hub, record.connection_id, record.key)
        return record
    if record.kind in (SHIPMENT_ERROR_KIND, CANCEL_ERROR_KIND):
        confirmation_service.retry_from_error(hub, record.connection_id, record.kind, record.key)
        return record
    if record.kind != ORDER_ERROR_KIND or record.key.startswith("<"):
        raise ConfigError(f"error {error_id} is not an order that can be fetched again ({record.kind} {record.key})")
    queue_fetch(hub, record.connection_id, record.key, source="reprocess")
    return record


def dismiss(hub: Hub, error_id: int) -> ErrorRecord:
    """H1: the operator decided the document needs nothing more."""
    with hub.store.uow() as session:
        try:
            error_log.dismiss_error(session, error_id, now=hub.now())
        except NotFound:
            raise LookupError(f"error {error_id} not found") from None
    return get_error(hub, error_id)
