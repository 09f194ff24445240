"""The warehouse cannot ship a line: asking Amazon to cancel it (B9; REST ``/api/orders/{ref}/cancel-lines``, CLI).

:func:`cancel_lines` checks every line first (``domain.shipments.confirmation.cancel_refusal``: the
line exists on the order, nothing of it shipped, the quantity is its open quantity, the reason is one of
Amazon's ``CancelReason`` values) and writes nothing unless all pass: a refused request is
:class:`CancelRefused` with a reason per line (a 422, the CLI's exit 2). The queued rows are sent by
flow ``line_cancel`` (one acknowledgement feed), asked for here; only merchant-fulfilled orders that
are still open can be cancelled by the seller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..bootstrap import Hub
from ..db.repositories import confirmations as packages_repo
from ..db.repositories import line_cancellations as repo
from ..db.repositories import order_reads
from ..domain.orders.model import Fulfillment, OrderStatus
from ..domain.shipments.confirmation import cancel_refusal
from . import connections as connection_service
from .orders import find_order_id

FLOW = "line_cancel"
OPEN = (OrderStatus.PENDING, OrderStatus.UNSHIPPED, OrderStatus.PARTIALLY_SHIPPED)


@dataclass(frozen=True, slots=True)
class LineRequest:
    order_item_id: str
    quantity: int
    reason: str


class CancelRefused(Exception):
    """Nothing was queued: ``reasons`` says why per line (``{"order_item_id", "reason"}``)."""

    def __init__(self, reasons: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{r['order_item_id']}: {r['reason']}" for r in reasons))
        self.reasons = reasons



def view(record: repo.CancellationRecord) -> dict[str, Any]:
    out = asdict(record)
    for key in ("created_at", "confirmed_at"):
        out[key] = out[key].isoformat() if out[key] is not None else None
    return out


def cancel_lines(hub: Hub, ref: int | str, lines: Sequence[LineRequest], *, requested_by: str | None,
                 connection: int | str | None = None) -> list[dict[str, Any]]:
    """Queue the lines (all or none, see the module); the queued rows. LookupError for an unknown order."""
    if not lines:
        raise CancelRefused([{"order_item_id": "", "reason": "name at least one line"}])
    order_id = find_order_id(hub, ref, connection)
    now = hub.now()
    with hub.store.uow() as session:
        order = order_reads.get_order(session, order_id)
        if order is None:
            raise LookupError(f"order {ref} is not in the hub")
        refusals: list[dict[str, str]] = []
        if order.fulfillment is not Fulfillment.MERCHANT:
            refusals.append({"order_item_id": "", "reason": "Amazon fulfils this order: the seller cannot cancel "
                                                            "its lines"})
        elif order.status not in OPEN:
            refusals.append({"order_item_id": "", "reason": f"the order is {order.status.value}: nothing to cancel"})
        states = {s.order_line_id: s for s in packages_repo.line_states(session, order_id)}
        ids = {r.order_item_id: r.id for r in order_reads.get_order_detail(session, order_id).lines} \
            if not refusals else {}
        seen: set[str] = set()
        for line in lines if not refusals else ():
            line_id = ids.get(line.order_item_id)
            why = cancel_refusal(states.get(line_id) if line_id is not None else None, line.quantity, line.reason)
            if why is None and line.order_item_id in seen:
                why = "the line is named twice"
            if why is None and line_id is not None and (queued := repo.by_line(session, line_id)) is not None \
                    and queued.status != "failed":
                why = f"the line is already being cancelled ({queued.status})"
            seen.add(line.order_item_id)
            if why is not None:
                refusals.append({"order_item_id": line.order_item_id, "reason": why})
        if refusals:
            raise CancelRefused(refusals)
        queued = [repo.add(session, connection_id=order.connection_id, order_id=order_id,
                           order_line_id=ids[line.order_item_id], quantity=line.quantity, reason_code=line.reason,
                           requested_by=requested_by, now=now) for line in lines]
    hub.flow_context().ask(FLOW, order.connection_id)
    return [view(r) for r in queued if r is not None]


def list_cancellations(hub: Hub, *, connection: int | str | None = None, status: str | None = None,
                       limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    connection_id = connection_service.get_connection(hub, connection).id if connection is not None else None
    with hub.store.uow(read_only=True) as session:
        return [view(r) for r in repo.list_cancellations(session, connection_id=connection_id, status=status,
                                                         limit=limit, offset=offset)]
