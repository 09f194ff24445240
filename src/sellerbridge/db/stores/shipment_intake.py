"""One connection's shipment intake (``domain.ports.shipments.ShipmentIntake``; C1, C2, H1).

Every way a shipment comes in (REST, the CSV upload, the inbox flow, the CLI) goes through
:meth:`DbShipmentIntake.submit`: in one unit of work the order is read (its row locked), the draft is
checked (``domain.shipments.model.plan_shipment``) and, when it passes, stored under its idempotency key.

- Same key, same body (``request_hash``): the stored shipment again (``replay``), nothing written.
- Same key, another body: ``conflict``, nothing written (the front ends answer 409).
- Refused: nothing written; the request goes to the error log (kind ``shipment``; key the idempotency key,
  or ``<file>:<line>`` for a CSV row, with the request or the row as payload) so a person sees it and can
  post it again corrected. A shipment stored later under that key resolves its error.
- Stored with a package ``queued``: ``on_queued`` is called once the unit of work committed (the hub asks
  for the connection's ``shipment_confirm`` run), and the order's late-shipment error (``ship_deadlines``)
  is resolved; held packages wait for a person.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from ...domain.ports.shipments import ImportOutcome, LineError
from ...domain.shipments.carriers import carrier_code
from ...domain.shipments.csv_import import CsvMapping, CsvShipment, parse_csv, shipment_of_rows
from ...domain.shipments.model import Refusal, ShipmentDraft, ShipmentPlan, draft_from_body, plan_shipment
from ...domain.shipments.tracking import check_tracking
from ..repositories import error_log
from ..repositories import shipments as repo
from ..store import Store
from .ship_deadlines import ERROR_KIND as LATE_KIND

ERROR_KIND = "shipment"
KEY_LENGTH, WHERE_LENGTH = 128, 255  # the error log's columns
log = logging.getLogger("sellerbridge.shipments")


@dataclass(frozen=True, slots=True)
class SubmitOutcome:
    """``created`` | ``replay`` | ``conflict`` | ``refused``; the shipment's id unless refused."""

    status: str
    shipment_id: int | None = None
    refusals: tuple[Refusal, ...] = ()
    held: int = 0
    queued: int = 0
    error_id: int | None = None


class PackageNotRetryable(ValueError):
    """The package is not held or failed (nothing for a person to retry), or its correction is refused."""


class NotReprocessable(ValueError):
    """The error's stored copy cannot be posted again as it is (a row of a malformed file)."""


class DbShipmentIntake:
    def __init__(self, store: Store, connection_id: int, *, now: Callable[[], datetime],
                 on_queued: Callable[[], None] | None = None, mapping: CsvMapping | None = None,
                 carriers: Mapping[str, str] | None = None) -> None:
        self._store = store
        self.connection_id = connection_id
        self._now = now
        self._on_queued = on_queued
        self._mapping = mapping or CsvMapping()
        self._carriers = dict(carriers or {})

    # --- one shipment --------------------------------------------------------------------------------

    def submit(self, draft: ShipmentDraft, *, source: str, created_by: str | None = None,
               error_key: str | None = None, where: str | None = None, payload: Any = None,
               notify: bool = True) -> SubmitOutcome:
        """Check and store one shipment (the module's rules). ``error_key``/``where``/``payload``: how a
        refusal is filed in the error log (default: the idempotency key and the draft)."""
        now = self._now()
        fingerprint = draft.fingerprint()
        with self._store.uow() as session:
            # The order's row first (locked on PostgreSQL): a posting racing with the same key waits here, then
            # sees the winner's shipment below, instead of the winner's units as "already in packages".
            order = repo.order_snapshot(session, self.connection_id, draft.amazon_order_id.strip())
            existing = repo.find_by_key(session, self.connection_id, draft.idempotency_key)
            if existing is not None:
                known = _known(existing, fingerprint)
                if known.status == "replay" and error_key is not None:  # a refused copy went through since
                    error_log.resolve_key(session, self.connection_id, ERROR_KIND, _key(error_key), now=now)
                return known
            plan = plan_shipment(draft, order, now=now, carriers=self._carriers)
            if not isinstance(plan, ShipmentPlan):
                first = plan[0]
                error_id = error_log.record_error(
                    session, self._store.box, connection_id=self.connection_id, kind=ERROR_KIND,
                    key=_key(error_key or draft.idempotency_key), code=first.code,
                    message="; ".join(r.message for r in plan)[:2000], where=_where(where or first.field),
                    payload=payload if payload is not None else draft_payload(draft), now=now)
                outcome = SubmitOutcome("refused", refusals=tuple(plan), error_id=error_id)
            else:
                shipment_id = repo.insert_shipment(
                    session, connection_id=self.connection_id, key=draft.idempotency_key,
                    request_hash=fingerprint, source=source, created_by=created_by, plan=plan, now=now)
                if shipment_id is None:  # another replica stored the key between our read and insert
                    raced = repo.find_by_key(session, self.connection_id, draft.idempotency_key)
                    assert raced is not None
                    return _known(raced, fingerprint)
                error_log.resolve_key(session, self.connection_id, ERROR_KIND,
                                      _key(error_key or draft.idempotency_key), now=now)
                queued = len(plan.packages) - plan.held
                if queued:  # on its way: the late-shipment warning a person may have seen is answered
                    error_log.resolve_key(session, self.connection_id, LATE_KIND, draft.amazon_order_id.strip(),
                                          now=now)
                outcome = SubmitOutcome("created", shipment_id, held=plan.held, queued=queued)
        if outcome.status == "refused":
            log.info("shipment refused", extra={"connection_id": self.connection_id, "code": outcome.refusals[0].code})
        elif notify and outcome.queued:
            self._ask()
        return outcome

    def _ask(self) -> None:
        if self._on_queued is not None:
            self._on_queued()

    # --- a file ---------------------------------------------------------------------------------------

    def import_file(self, content: bytes, *, file_name: str, source: str = "inbox",
                    mapping: CsvMapping | None = None, created_by: str | None = None) -> ImportOutcome:
        """A CSV of shipments: every valid shipment stored, every refused row with its line (and in the error
        log, key ``<file>:<line>``)."""
        parsed = parse_csv(content, mapping or self._mapping)
        now = self._now()
        errors: list[LineError] = list(parsed.errors)
        if parsed.errors:
            with self._store.uow() as session:
                for error in parsed.errors:
                    error_log.record_error(
                        session, self._store.box, connection_id=self.connection_id, kind=ERROR_KIND,
                        key=_key(f"{file_name}:{error.line}"), code=error.code, message=error.message[:2000],
                        where=_where(f"{file_name} line {error.line}" + (f" ({error.field})" if error.field else "")),
                        payload={"file": file_name, "line": error.line}, now=now)
        accepted = duplicates = held = queued = 0
        ids: list[int] = []
        for shipment in parsed.shipments:
            outcome = self._submit_rows(shipment, file_name, source, created_by, mapping)
            if outcome.status == "created":
                accepted, held, queued = accepted + 1, held + outcome.held, queued + outcome.queued
            elif outcome.status == "replay":
                duplicates += 1
            if outcome.shipment_id is not None and outcome.status != "conflict":
                ids.append(outcome.shipment_id)
            errors.extend(_line_errors(outcome, shipment))
        if queued:
            self._ask()
        errors.sort(key=lambda e: e.line)
        return ImportOutcome(accepted=accepted, duplicates=duplicates, held=held, errors=tuple(errors),
                             encoding=parsed.encoding, shipment_ids=tuple(ids))

    def _mapping_of(self, mapping: CsvMapping | None) -> CsvMapping:
        return mapping or self._mapping

    def _submit_rows(self, shipment: CsvShipment, file_name: str, source: str, created_by: str | None,
                     mapping: CsvMapping | None = None) -> SubmitOutcome:
        first = shipment.lines[0]
        outcome = self.submit(shipment.draft, source=source if source in ("csv", "inbox", "cli", "api") else "csv",
                              created_by=created_by or file_name[:128], error_key=f"{file_name}:{first}",
                              where=f"{file_name} lines {', '.join(map(str, shipment.lines))}",
                              payload={"file": file_name, "key": shipment.draft.idempotency_key,
                                       "date_order": self._mapping_of(mapping).date_order,
                                       "lines": list(shipment.lines), "rows": list(shipment.rows)},
                              notify=False)
        if outcome.status == "conflict":
            with self._store.uow() as session:
                error_log.record_error(
                    session, self._store.box, connection_id=self.connection_id, kind=ERROR_KIND,
                    key=_key(f"{file_name}:{first}"), code="key_reused",
                    message=f"shipment {shipment.draft.idempotency_key} was stored before with other content",
                    where=_where(f"{file_name} line {first}"), payload={"file": file_name, "rows": list(shipment.rows)},
                    now=self._now())
        return outcome

    # --- a refusal reprocessed -------------------------------------------------------------------------

    def reprocess(self, error_key: str, payload: Any) -> SubmitOutcome:
        """A refused shipment again from the error log's copy (the order may be imported now, a line
        cancelled by then...): stored, refused again (the error updated), or already stored (resolved)."""
        try:
            if isinstance(payload, dict) and isinstance(payload.get("rows"), list):
                rows = list(zip(payload["lines"], payload["rows"], strict=True))
                shipment, problem = shipment_of_rows(str(payload["key"]), rows,
                                                     CsvMapping(date_order=payload.get("date_order")))
                if shipment is None:
                    raise NotReprocessable(problem or "the rows do not make a shipment")
                return self.submit(shipment.draft, source="csv", error_key=error_key, payload=payload,
                                   where=f"{payload.get('file')} lines {', '.join(map(str, shipment.lines))}")
            if isinstance(payload, dict) and isinstance(payload.get("packages"), list):
                draft = draft_from_body(payload, str(payload["idempotency_key"]),
                                        datetime.fromisoformat(str(payload["ship_date"])))
                return self.submit(draft, source="api", error_key=error_key, payload=payload)
        except (KeyError, TypeError, ValueError) as exc:
            raise NotReprocessable(f"the stored copy is not a shipment: {exc}") from None
        raise NotReprocessable("this row could not be read as a shipment (its file was malformed there): "
                               "correct the file and import it again")

    # --- a person's correction --------------------------------------------------------------------------

    def retry_package(self, package_id: int, *, tracking_number: str | None = None,
                      carrier: str | None = None) -> repo.PackageRecord:
        """A held or failed package back to ``queued`` (held again if the number still cannot be valid)."""
        now = self._now()
        with self._store.uow() as session:
            package = repo.get_package(session, package_id)
            if package is None or package.connection_id != self.connection_id:
                raise LookupError(f"package {package_id} not found")
            if package.status not in repo.RETRYABLE:
                raise PackageNotRetryable(f"package {package_id} is {package.status}: only a held or failed "
                                          "package can be retried")
            words = carrier if carrier is not None else package.carrier
            code, name = carrier_code(words, self._carriers)
            verdict = check_tracking(tracking_number if tracking_number is not None else package.tracking_number,
                                     code)
            if not verdict.number or len(verdict.number) > 64:
                raise PackageNotRetryable("the tracking number needs 1 to 64 letters and digits")
            self._check_room(session, package)
            status = "queued" if verdict.ok else "held"
            reason = None if verdict.ok else f"tracking number not valid for {name or code}: {verdict.message}"
            if not repo.requeue_package(session, package_id, status=status, tracking_number=verdict.number,
                                        carrier=" ".join(words.split())[:100], carrier_code=code, carrier_name=name,
                                        hold_reason=reason, now=now):
                raise PackageNotRetryable(f"package {package_id} changed meanwhile: look again")
            updated = repo.get_package(session, package_id)
        assert updated is not None
        if updated.status == "queued":
            self._ask()
        return updated

    def _check_room(self, session: Any, package: repo.PackageRecord) -> None:
        """A failed package's items stopped counting against the lines: they must still fit (C1)."""
        if package.status != "failed":
            return
        order = repo.order_snapshot_by_id(session, package.order_id)
        if order is None or order.status == "cancelled":
            raise PackageNotRetryable("the order is cancelled: the package must not be confirmed")
        left = {line.line_id: line.left for line in order.lines}
        for item in package.items:
            if item.quantity > left.get(item.order_line_id, 0):
                raise PackageNotRetryable(f"line {item.order_item_id} has only {left.get(item.order_line_id, 0)} "
                                          "left to ship: the package no longer fits the order")


def _key(text: str) -> str:
    """An error-log key (128 characters): a long file name keeps its end (the line) and a hash of the rest."""
    if len(text) <= KEY_LENGTH:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{digest}~{text[-(KEY_LENGTH - 17):]}"


def _where(text: str | None) -> str | None:
    return None if text is None else (text if len(text) <= WHERE_LENGTH else text[:WHERE_LENGTH - 1] + "…")


def _known(existing: tuple[int, str], fingerprint: str) -> SubmitOutcome:
    shipment_id, stored_hash = existing
    return SubmitOutcome("replay" if stored_hash == fingerprint else "conflict", shipment_id)


def _line_errors(outcome: SubmitOutcome, shipment: CsvShipment) -> list[LineError]:
    if outcome.status == "refused":
        message = "; ".join(r.message for r in outcome.refusals)
        return [LineError(line, message, outcome.refusals[0].field, outcome.refusals[0].code)
                for line in shipment.lines]
    if outcome.status == "conflict":
        return [LineError(line, f"shipment {shipment.draft.idempotency_key} was stored before with other content "
                          "(the same shipment id reused)", "shipment_id", "key_reused") for line in shipment.lines]
    return []


def draft_payload(draft: ShipmentDraft) -> dict[str, Any]:
    """The draft as JSON for the error log (a person reads and re-posts it)."""
    data = asdict(draft)
    data["ship_date"] = draft.ship_date.isoformat()
    return data
