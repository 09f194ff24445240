"""Shipments from the warehouse as people and systems post them (C1, C2, H1): REST, CSV upload, the CLI.

Every entry goes through the connection's intake (``db/stores/shipment_intake.py``): checked against the
order, stored once per idempotency key, a refusal in the error log. What this module adds is the front
ends' words: a connection by id or name, JSON-ready answers, and the errors they map to a status:

- :class:`ShipmentRefused` (422 / exit 1): the shipment broke a rule; its reasons per field and the error
  log row's id;
- ``Conflict`` (409 / exit 2): the idempotency key was used before for another shipment;
- ``ConfigError`` (400 / exit 2): a bad mapping, an unreadable upload, a package that cannot be retried.

Nothing here sends anything to Amazon: a stored package waits ``queued`` for the connection's
``shipment_confirm`` run, which the intake asks for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesParser
from email.policy import default as email_policy
from typing import Any

from ..bootstrap import Hub
from ..db.repositories import shipments as repo
from ..db.repositories.shipments import PackageRecord, ShipmentRecord
from ..db.stores.shipment_intake import (
    ERROR_KIND,
    DbShipmentIntake,
    NotReprocessable,
    PackageNotRetryable,
    SubmitOutcome,
)
from ..domain.common import inputs
from ..domain.common.errors import ConfigError, Conflict
from ..domain.ports.shipments import ImportOutcome
from ..domain.shipments.csv_import import CsvMapping
from ..domain.shipments.model import ShipmentDraft, draft_from_body
from ..domain.shipments.tracking import normalise
from . import connections as connection_service
from . import errors as error_service
from .orders import jsonable

PACKAGE_STATUSES = ("held", "queued", "sending", "confirmed", "verified", "failed", "cancelled")
SOURCES = ("api", "csv", "inbox", "cli")


class ShipmentRefused(ValueError):
    """The shipment broke a rule (``domain/shipments/model.py``); nothing was stored."""

    def __init__(self, outcome: SubmitOutcome) -> None:
        super().__init__("; ".join(r.message for r in outcome.refusals))
        self.refusals = outcome.refusals
        self.error_id = outcome.error_id

    def detail(self) -> list[dict[str, Any]]:
        """FastAPI's shape of a 422: where, what, and the rule's code."""
        return [{"loc": ["body", *(r.field or "shipment").replace("]", "").replace("[", ".").split(".")],
                 "msg": r.message, "type": r.code} for r in self.refusals]


@dataclass(frozen=True, slots=True)
class Submitted:
    created: bool  # False: a replay of the stored shipment
    shipment: dict[str, Any]


def intake(hub: Hub, connection: int | str) -> DbShipmentIntake:
    record = connection_service.get_connection(hub, connection)
    return hub.flow_context().shipment_intake(record.id)


def draft_of(*, amazon_order_id: str, idempotency_key: str, ship_date: datetime,
             packages: list[dict[str, Any]]) -> ShipmentDraft:
    """A draft from JSON-like values (REST body, CLI options)."""
    return draft_from_body({"amazon_order_id": amazon_order_id, "packages": packages}, idempotency_key, ship_date)


def submit(hub: Hub, connection: int | str, draft: ShipmentDraft, *, source: str = "api",
           created_by: str | None = None) -> Submitted:
    """Store the shipment (created) or answer the stored one (replay); ShipmentRefused or Conflict otherwise."""
    store = intake(hub, connection)
    outcome = store.submit(draft, source=source, created_by=created_by, payload=body_payload(draft))
    if outcome.status == "refused":
        raise ShipmentRefused(outcome)
    if outcome.status == "conflict":
        raise Conflict(f"idempotency key {draft.idempotency_key!r} was used for another shipment "
                       f"(shipment {outcome.shipment_id}): use a new key for a new shipment")
    assert outcome.shipment_id is not None
    return Submitted(outcome.status == "created", show(hub, outcome.shipment_id))


def body_payload(draft: ShipmentDraft) -> dict[str, Any]:
    """What the error log keeps of a refused request: the body as posted, to re-post it corrected."""
    return {"amazon_order_id": draft.amazon_order_id, "idempotency_key": draft.idempotency_key,
            "ship_date": draft.ship_date.isoformat(),
            "packages": [{"carrier": p.carrier, "ship_method": p.ship_method, "tracking_number": p.tracking_number,
                          "items": [{"order_item_id": i.order_item_id, "sku": i.sku, "quantity": i.quantity}
                                    for i in p.items]} for p in draft.packages]}


def parse_mapping(text: str | None) -> CsvMapping | None:
    """The CSV mapping from its JSON text (REST parameter, CLI option or file); ConfigError when wrong."""
    if text is None or not text.strip():
        return None
    try:
        return CsvMapping.from_dict(inputs.loads_bounded(text))
    except (ValueError, TypeError, AttributeError) as exc:
        message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise ConfigError(f"the CSV mapping is not usable: {message}") from None


def import_csv(hub: Hub, connection: int | str, content: bytes, *, file_name: str, mapping: str | None = None,
               source: str = "csv", created_by: str | None = None) -> dict[str, Any]:
    """Every valid shipment of the file stored; the refused lines with their numbers and reasons."""
    parsed_mapping = parse_mapping(mapping)
    name = inputs.check_text(file_name.strip() or "upload.csv", "the file name", max_length=200)
    outcome = intake(hub, connection).import_file(content, file_name=name, source=source, mapping=parsed_mapping,
                                                  created_by=created_by)
    return import_answer(outcome)


def import_answer(outcome: ImportOutcome) -> dict[str, Any]:
    return {"accepted": outcome.accepted, "duplicates": outcome.duplicates, "held": outcome.held,
            "refused_lines": len({e.line for e in outcome.errors}), "encoding": outcome.encoding,
            "shipment_ids": list(outcome.shipment_ids),
            "errors": [{"line": e.line, "field": e.field, "code": e.code, "message": e.message}
                       for e in outcome.errors]}


def read_upload(content_type: str, body: bytes) -> tuple[bytes, str | None]:
    """The CSV of a request body: the body itself (text/csv), or the first file of a multipart form (its
    name too). ConfigError for a form without a file."""
    if not content_type.lower().startswith("multipart/form-data"):
        return body, None
    message = BytesParser(policy=email_policy).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise ConfigError("the multipart form cannot be read: send the CSV as a part named file")
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and (part.get_filename() or part.get_param("name", header="content-disposition")
                                           in ("file", "csv")):
            return payload, part.get_filename()
    raise ConfigError("the multipart form has no file: send the CSV as a part named file")


def shipment_answer(record: ShipmentRecord) -> dict[str, Any]:
    out = jsonable(record)
    out.pop("request_hash", None)
    out["status"] = overall_status(record.packages)
    return out


def overall_status(packages: tuple[PackageRecord, ...]) -> str:
    """The shipment's status for people: the least advanced of its packages (held first: a person acts)."""
    for status in ("held", "failed", "queued", "sending", "confirmed", "verified", "cancelled"):
        if any(p.status == status for p in packages):
            return status
    return "empty"


def show(hub: Hub, shipment_id: int) -> dict[str, Any]:
    with hub.store.uow(read_only=True) as session:
        record = repo.get_shipment(session, shipment_id)
    if record is None:
        raise LookupError(f"shipment {shipment_id} not found")
    return shipment_answer(record)


def list_shipments(hub: Hub, *, connection: int | str | None = None, order: str | None = None,
                   status: str | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    if status is not None and status not in PACKAGE_STATUSES:
        raise ConfigError(f"package status must be one of {', '.join(PACKAGE_STATUSES)}")
    connection_id = connection_service.get_connection(hub, connection).id if connection is not None else None
    with hub.store.uow(read_only=True) as session:
        items, total = repo.list_shipments(session, connection_id=connection_id,
                                           amazon_order_id=order.strip() if order else None, status=status,
                                           limit=limit, offset=offset)
    return {"items": [shipment_answer(s) for s in items], "total": total, "limit": limit, "offset": offset}


def reprocess(hub: Hub, error_id: int) -> dict[str, Any]:
    """H1: a refused shipment posted again from its error-log copy, e.g. once its order is imported: the
    stored shipment (the error resolved), ShipmentRefused (the error updated), or ConfigError."""
    record = error_service.reprocessable(hub, error_id, ERROR_KIND, "a refused shipment")
    try:
        outcome = hub.flow_context().shipment_intake(record.connection_id).reprocess(record.key, record.payload)
    except NotReprocessable as exc:
        raise ConfigError(f"error {error_id}: {exc}") from None
    if outcome.status == "refused":
        raise ShipmentRefused(outcome)
    if outcome.status == "conflict":
        raise Conflict(f"error {error_id}: its idempotency key was used for another shipment "
                       f"(shipment {outcome.shipment_id})")
    assert outcome.shipment_id is not None
    return show(hub, outcome.shipment_id)


def retry_package(hub: Hub, package_id: int, *, tracking_number: str | None = None,
                  carrier: str | None = None) -> dict[str, Any]:
    """A held or failed package back to ``queued`` after a person's correction (held again if the number
    still cannot be valid); ConfigError when it is not held or failed."""
    with hub.store.uow(read_only=True) as session:
        package = repo.get_package(session, package_id)
    if package is None:
        raise LookupError(f"package {package_id} not found")
    if tracking_number is not None and not normalise(tracking_number):
        raise ConfigError("the tracking number is empty")
    try:
        updated = hub.flow_context().shipment_intake(package.connection_id).retry_package(
            package_id, tracking_number=tracking_number, carrier=carrier)
    except PackageNotRetryable as exc:
        raise ConfigError(str(exc)) from None
    return jsonable(updated)
