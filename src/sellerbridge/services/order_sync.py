"""Order download as the CLI, the REST API and the scheduler use it (B1, B11, B12, B13, G1, H2).

- :func:`sync_orders`: one incremental poll of a connection, recorded as a sync run (H2).
- :func:`fetch_orders`: ``getOrder`` for given order ids: the ORDER_CHANGE push path (B1).
- :func:`reprocess_error`: an order in the error log fetched again and stored after its mapping was
  fixed; on success the error is resolved (B11).
- :func:`preview_order`: what the hub would import for one Amazon order, without importing it (B12).

How a run ends (H2): ``done``; ``partial`` when some orders went to the error log; ``failed`` when
the run as a whole could not go on: Amazon refused (``AmazonError``, retryable or not), or the
connection cannot run (``ConfigError``: disabled, expired, no credentials, bad settings; A4, A5).
A throttled run (G1) is ``failed`` with ``retryable=True`` and Amazon's ``retry_after``: the
scheduler runs it again, nothing is lost (pages already read are committed with their watermark),
and it is never an exception to the caller. Anything else is a bug: the run is marked failed and
the exception goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from functools import partial
from typing import Any

from ..amazon.errors import AmazonError, AuthError, Throttled
from ..amazon.orders.v2026 import to_order_draft
from ..bootstrap import Hub
from ..db.repositories import connections, error_log, sync_runs
from ..db.stores.orders import ERROR_KIND, DbOrderStore
from ..domain.common.errors import ConfigError, DomainError
from ..domain.common.money import Money
from ..domain.orders.filters import DecisionKind, decide
from ..domain.orders.mapping import MappedOrder, map_order
from ..domain.orders.model import OrderDraft
from ..domain.ports.orders import RunCounts, RunReport, StoredOrder
from ..sync import orders as flow

__all__ = ["FETCH_FLOW", "SYNC_FLOW", "OrderPreview", "fetch_orders", "preview_order", "reprocess_error",
           "sync_orders"]

SYNC_FLOW = "orders"  # incremental poll (sync_runs.flow, watermarks.flow)
FETCH_FLOW = "orders_fetch"  # getOrder by id: push path and reprocess

Progress = Callable[[RunCounts], None]


def sync_orders(hub: Hub, connection_id: int, *, progress: Progress | None = None) -> RunReport:
    """One incremental order download of the connection (B1), recorded in sync_runs (H2).

    ``progress`` is told the counts after every committed page. Raises ConfigError only for a
    connection that does not exist; every other end is in the report.
    """
    def work(counts: RunCounts) -> None:
        gateway, store, to_draft = _parts(hub, connection_id)
        flow.poll(gateway, store, to_draft, now=hub.now(), counts=counts, progress=progress)

    return _run(hub, connection_id, SYNC_FLOW, work)


def fetch_orders(hub: Hub, connection_id: int, amazon_order_ids: Iterable[str], *,
                 progress: Progress | None = None) -> RunReport:
    """Fetch the given orders with getOrder and store them (B1 push path: ORDER_CHANGE ids; reprocess)."""
    ids = [i.strip() for i in amazon_order_ids if i and i.strip()]

    def work(counts: RunCounts) -> None:
        gateway, store, to_draft = _parts(hub, connection_id)
        flow.fetch(gateway, store, to_draft, ids, counts=counts, progress=progress)

    return _run(hub, connection_id, FETCH_FLOW, work)


def reprocess_error(hub: Hub, error_id: int) -> RunReport:
    """Fetch the order of an error-log row again and store it (B11).

    The error is resolved when the order is stored, and also when the connection's filters now skip
    it (nothing is left to do). Raises ConfigError when the row is not an order-import error.
    """
    with hub.store.uow(read_only=True) as session:
        error = error_log.get_error(session, error_id)
    if error is None:
        raise ConfigError(f"no error {error_id}: see `sellerbridge errors list`")
    if error.kind != ERROR_KIND or error.key.startswith("<"):
        raise ConfigError(f"error {error_id} is not an order that can be fetched again ({error.kind} {error.key})")
    report = fetch_orders(hub, error.connection_id, [error.key])
    if report.status == "failed":
        return report
    with hub.store.uow() as session:
        still = error_log.find_error(session, error.connection_id, ERROR_KIND, error.key)
        if still is not None and still.status == "open" and report.counts.skipped and not report.counts.errors:
            error_log.resolve_error(session, still.id, now=hub.now())
    return report


@dataclass(frozen=True, slots=True)
class OrderPreview:
    """What the hub would do with one Amazon order (B12). Buyer PII only when ``pii_shown`` (B13)."""

    connection_id: int
    amazon_order_id: str
    decision: str  # import | record_only | update | skip | error
    skip_reason: str | None = None
    dropped_lines: tuple[str, ...] = ()
    stored: StoredOrder | None = None  # the order as already imported, if it is
    draft: OrderDraft | None = field(default=None, repr=False)
    mapped: MappedOrder | None = field(default=None, repr=False)
    error: DomainError | None = None
    pii_shown: bool = False

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view (dates ISO, money as strings); PII only as the preview holds it."""
        return {
            "connection_id": self.connection_id, "amazon_order_id": self.amazon_order_id,
            "decision": self.decision, "skip_reason": self.skip_reason, "dropped_lines": list(self.dropped_lines),
            "already_imported": self.stored is not None,
            "stored": _jsonable(self.stored) if self.stored else None,
            "error": None if self.error is None else {"code": self.error.code, "message": self.error.message,
                                                      "where": self.error.where},
            "order": _jsonable(self.mapped) if self.mapped else (_jsonable(self.draft) if self.draft else None),
            "pii_shown": self.pii_shown,
        }


def preview_order(hub: Hub, connection_id: int, amazon_order_id: str, *, show_pii: bool = False) -> OrderPreview:
    """Read the order with getOrder and run the same filters and mapping as a sync, writing nothing (B12).

    ``show_pii`` only for a caller with the view-PII permission (B13). Amazon failures and a
    connection that cannot run raise (AmazonError, ConfigError): there is no run to record.
    """
    gateway, store, to_draft = _parts(hub, connection_id)
    with store.transaction(read_only=True) as tx:
        datasets = flow.included_data(tx.settings)
    payload = gateway.get_order(amazon_order_id.strip(), datasets)
    base = OrderPreview(connection_id, amazon_order_id.strip(), decision="error", pii_shown=show_pii)
    try:
        draft = to_draft(payload)
    except DomainError as exc:
        return replace(base, error=exc)
    with store.transaction(read_only=True) as tx:
        stored = tx.get_order(draft.amazon_order_id)
        decision = decide(draft, tx.settings, already_imported=stored is not None)
        result = replace(base, decision=decision.kind.value, stored=stored, dropped_lines=decision.dropped_lines,
                         draft=draft if show_pii else _draft_without_pii(draft),
                         skip_reason=decision.reason.value if decision.reason else None)
        if decision.kind is DecisionKind.SKIP:
            return result
        try:
            mapped = map_order(decision.draft, tx.settings, tx.catalog, tx.customers, tx.ship_methods,
                               email_hash=tx.email_hash)
        except DomainError as exc:
            return replace(result, decision="error", error=exc)
    return replace(result, mapped=mapped if show_pii else _mapped_without_pii(mapped))


# --- internals ------------------------------------------------------------------------------------

def _parts(hub: Hub, connection_id: int):
    """The connection's gateway, order store and mapper; ConfigError when it cannot run (A4, A5)."""
    with hub.store.uow(read_only=True) as session:
        record = connections.get_connection(session, connection_id)
    if record is None:
        raise ConfigError(f"no connection {connection_id}: see `sellerbridge connection list`")
    expires = record.authorization_expires_at
    if record.status == "expired" or (expires is not None and _aware(expires) <= hub.now()):
        raise ConfigError(f"connection {record.name!r}: the seller's authorization expired; its syncs are stopped "
                          f"until the seller authorizes the app again (`sellerbridge connection authorize "
                          f"{record.name}`)")
    gateway = hub.gateway_for(connection_id)  # ConfigError when disabled or without credentials
    store = DbOrderStore(hub.store, connection_id, now=hub.now)
    return gateway, store, partial(to_order_draft, marketplace_id=record.marketplace_id)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _run(hub: Hub, connection_id: int, flow_name: str, work: Callable[[RunCounts], None]) -> RunReport:
    with hub.store.uow(read_only=True) as session:
        if connections.get_connection(session, connection_id) is None:
            raise ConfigError(f"no connection {connection_id}: see `sellerbridge connection list`")
    with hub.store.uow() as session:
        run_id = sync_runs.start_run(session, connection_id=connection_id, flow=flow_name, now=hub.now())
    counts = RunCounts()
    report = RunReport(flow_name, connection_id, "done", counts, run_id)
    try:
        work(counts)
    except (AmazonError, ConfigError) as exc:
        report = failed_report(report, exc)
    except BaseException as exc:
        _finish(hub, replace(report, status="failed", error=f"interrupted: {type(exc).__name__}"))
        raise
    else:
        if counts.errors:
            report = replace(report, status="partial")
    _finish(hub, report)
    if report.status == "failed" and not report.retryable:
        with hub.store.uow() as session:  # shown with the connection, for the operator (A4, A5)
            connections.update_connection(session, connection_id, last_error=report.error, now=hub.now())
    return report


def failed_report(report: RunReport, exc: Exception) -> RunReport:
    """How a run ends that Amazon or the connection stopped (H2). Throttled (G1) is never the hub's
    failure: retryable, with Amazon's hint, and the scheduler runs it again. Anything that is not an
    AmazonError (ConfigError, a report Amazon could not produce) needs a person: not retryable."""
    if isinstance(exc, Throttled):
        return replace(report, status="failed", error=str(exc), retryable=True, retry_after=exc.retry_after)
    if isinstance(exc, AuthError):
        return replace(report, status="failed", error=f"Amazon refused the authorization: {exc}",
                       retryable=exc.retryable)
    if isinstance(exc, AmazonError):
        return replace(report, status="failed", error=str(exc), retryable=exc.retryable)
    return replace(report, status="failed", error=str(exc), retryable=False)


def _finish(hub: Hub, report: RunReport) -> None:
    assert report.run_id is not None
    counts = {**report.counts.as_dict(), "retryable": report.retryable, "retry_after": report.retry_after}
    with hub.store.uow() as session:
        sync_runs.finish_run(session, report.run_id, status=report.status, counts=counts, error=report.error,
                             now=hub.now())


def _draft_without_pii(draft: OrderDraft) -> OrderDraft:
    buyer = draft.buyer and replace(draft.buyer, email=None, name=None)
    ship_to = draft.ship_to and replace(draft.ship_to, name=None, line1=None, line2=None, line3=None,
                                        postal_code=None, phone=None)
    lines = tuple(replace(line, gift_message=None) for line in draft.lines)
    return replace(draft, buyer=buyer, ship_to=ship_to, lines=lines)


def _mapped_without_pii(mapped: MappedOrder) -> MappedOrder:
    ship_to = mapped.ship_to and replace(mapped.ship_to, name=None, line1=None, line2=None, line3=None,
                                         postal_code=None, phone=None)
    return replace(mapped, customer=replace(mapped.customer, email=None, name=None), ship_to=ship_to,
                   lines=tuple(replace(line, gift_message=None) for line in mapped.lines))


def _jsonable(value: Any) -> Any:
    """Dataclasses, enums, dates, Money and Decimals as JSON-ready values."""
    if isinstance(value, Money):
        return {"amount": str(value.amount), "currency": value.currency}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, frozenset, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value
