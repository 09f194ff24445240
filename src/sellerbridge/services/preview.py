"""Order preview (B12): look an Amazon order up by id and show what the hub would import, writing nothing.

The same filters (B2-B4) and mapping (B5-B8) as a sync, against the connection's real catalog, customers
and ship methods, in a read-only transaction. One ``getOrder`` in the caller's request: an interactive
look-up, not a run. Buyer data only for a viewer with the view-PII permission (B13), through the one
PII list (``domain/common/pii.py``); such a view is recorded in the PII access log before the preview
is returned (``services.pii.record_disclosure``, channel ``preview``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..bootstrap import Hub
from ..domain.common.errors import DomainError
from ..domain.common.pii import LINE_PII_FIELDS, redact_address, redact_buyer
from ..domain.orders.filters import DecisionKind, decide
from ..domain.orders.mapping import MappedOrder, map_order
from ..domain.orders.model import OrderDraft
from ..domain.ports.orders import MappingFailure, StoredOrder
from . import pii as pii_gate
from .orders import jsonable

__all__ = ["OrderPreview", "preview_order"]


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
        shown = self.mapped or self.draft
        order = jsonable(replace(shown, source=None) if isinstance(shown, OrderDraft) else shown) if shown else None
        return {
            "connection_id": self.connection_id, "amazon_order_id": self.amazon_order_id,
            "decision": self.decision, "skip_reason": self.skip_reason, "dropped_lines": list(self.dropped_lines),
            "already_imported": self.stored is not None,
            "stored": jsonable(self.stored) if self.stored else None,
            "error": None if self.error is None else {"code": self.error.code, "message": self.error.message,
                                                      "where": self.error.where},
            "order": order, "pii_shown": self.pii_shown,
        }


def preview_order(hub: Hub, connection_id: int, amazon_order_id: str, *,
                  viewer: pii_gate.Viewer | None = None) -> OrderPreview:
    """Read the order with getOrder and run the same filters and mapping as a sync, writing nothing (B12)
    but, when buyer data is shown, its row in the PII access log.

    Buyer data only for a ``viewer`` with the view-PII permission (B13). Amazon failures and a connection
    that cannot run raise (AmazonError, ConfigError; NotFound for no such connection): there is no run
    to record.
    """
    result = _preview(hub, connection_id, amazon_order_id, show_pii=viewer is not None and viewer.may_view_pii)
    if viewer is not None and result.pii_shown and result.draft is not None:
        pii_gate.record_disclosure(hub, viewer, pii_gate.Disclosure(connection_id, result.amazon_order_id,
                                                                    _fields_shown(result.draft)))
    return result


def _fields_shown(draft: OrderDraft) -> tuple[str, ...]:
    """The personal fields of Amazon's order the preview shows (names of the one list, B13)."""
    return pii_gate.fields_shown(buyer=draft.buyer, address=draft.ship_to, lines=draft.lines)


def _preview(hub: Hub, connection_id: int, amazon_order_id: str, *, show_pii: bool) -> OrderPreview:
    ports = hub.flow_context().ports(connection_id)  # what a run gets: runnable, settings, gateway, store
    assert ports.settings is not None and ports.amazon is not None and ports.orders is not None
    settings = ports.settings
    order_id = amazon_order_id.strip()
    fetched = ports.amazon.get_order(order_id, pii=settings.pii_grant)
    base = OrderPreview(connection_id, order_id, decision="error", pii_shown=show_pii)
    if isinstance(fetched, MappingFailure):
        return replace(base, error=fetched.error)
    with ports.orders.transaction(read_only=True) as tx:
        stored = tx.stored([fetched.amazon_order_id]).get(fetched.amazon_order_id)
        decision = decide(fetched, settings, already_imported=stored is not None)
        result = replace(base, decision=decision.kind.value, stored=stored, dropped_lines=decision.dropped_lines,
                         draft=fetched if show_pii else _draft_without_pii(fetched),
                         skip_reason=decision.reason.value if decision.reason else None)
        if decision.kind is DecisionKind.SKIP:
            return result
        try:
            mapped = map_order(decision.draft, settings, tx.catalog, tx.customers, tx.ship_methods,
                               email_hash=tx.email_hash)
        except DomainError as exc:
            return replace(result, decision="error", error=exc)
    return replace(result, mapped=mapped if show_pii else _mapped_without_pii(mapped))


def _without_gift_messages(lines: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(replace(line, **dict.fromkeys(LINE_PII_FIELDS)) for line in lines)


def _draft_without_pii(draft: OrderDraft) -> OrderDraft:
    return replace(draft, buyer=draft.buyer and redact_buyer(draft.buyer),
                   ship_to=draft.ship_to and redact_address(draft.ship_to),
                   lines=_without_gift_messages(draft.lines), source=None)


def _mapped_without_pii(mapped: MappedOrder) -> MappedOrder:
    return replace(mapped, customer=redact_buyer(mapped.customer),
                   ship_to=mapped.ship_to and redact_address(mapped.ship_to),
                   lines=_without_gift_messages(mapped.lines))
