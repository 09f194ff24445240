"""The late-shipment flags (``domain.ports.shipments.ShipDeadlineStore``; C2, H1).

Each order flagged gets its error-log row (kind ``late_shipment``, key the Amazon order id) in the same
unit of work as its flag, so a person sees it in the error list exactly once; the shipment intake resolves
it when the warehouse posts a package for the order that is not held.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ...domain.ports.shipments import LateOrder
from ...domain.shipments.deadlines import LateState
from ..repositories import error_log, ship_deadlines
from ..store import Store

ERROR_KIND = "late_shipment"


class DbShipDeadlines:
    def __init__(self, store: Store) -> None:
        self._store = store

    def flag(self, *, now: datetime, margin: timedelta, limit: int) -> list[LateOrder]:
        out = []
        with self._store.uow() as session:
            for _, connection_id, amazon_order_id, latest in ship_deadlines.flag_due(session, now=now, margin=margin,
                                                                                   limit=limit):
                state = LateState.PAST_DUE if latest <= now else LateState.AT_RISK
                hours = abs(latest - now).total_seconds() / 3600
                when = f"{hours:.1f} h ago" if state is LateState.PAST_DUE else f"in {hours:.1f} h"
                error_log.record_error(
                    session, self._store.box, connection_id=connection_id, kind=ERROR_KIND, key=amazon_order_id,
                    code=state.value, message=f"order {amazon_order_id} has nothing shipped and its latest ship "
                    f"date ({latest:%Y-%m-%d %H:%M} UTC) is {when}: Amazon counts a late shipment after it",
                    where="latest_ship_date", now=now)
                out.append(LateOrder(connection_id, amazon_order_id, latest, state.value))
        return out
