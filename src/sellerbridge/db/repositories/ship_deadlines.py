"""Orders nearing their latest ship date with nothing shipped (C2; ``domain/shipments/deadlines.py`` in SQL).

:func:`at_risk` is the rule as a condition: merchant-fulfilled, sent to the warehouse, ``unshipped``, a
latest ship date within the margin (or past), and no package on its way to Amazon. :func:`flag_due` sets
``late_flagged_at`` once per order (the conditional UPDATE is the "once": a second run, or a second
scheduler, finds nothing); :func:`late_counts` is the ``/metrics`` gauge per connection.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, select, update
from sqlalchemy.orm import Session

from ...domain.shipments.deadlines import SHIPPING_PACKAGE_STATUSES, WATCHED_STATUSES, LateState
from ..tables import connections, orders, shipment_packages


def at_risk(now: datetime, margin: timedelta) -> Any:
    shipping = exists().where(shipment_packages.c.order_id == orders.c.id,
                              shipment_packages.c.status.in_(SHIPPING_PACKAGE_STATUSES))
    return and_(orders.c.fulfillment == "MFN", orders.c.send_to_warehouse.is_(True),
                orders.c.status.in_(WATCHED_STATUSES), orders.c.latest_ship_date.is_not(None),
                orders.c.latest_ship_date <= now + margin, ~shipping)


def flag_due(session: Session, *, now: datetime, margin: timedelta, limit: int) -> list[tuple[int, int, str, datetime]]:
    """Flag up to ``limit`` orders at risk not flagged yet; their (id, connection, amazon id, latest ship date)."""
    rows = session.execute(
        select(orders.c.id, orders.c.connection_id, orders.c.amazon_order_id, orders.c.latest_ship_date)
        .where(at_risk(now, margin), orders.c.late_flagged_at.is_(None))
        .order_by(orders.c.latest_ship_date, orders.c.id).limit(limit)
    ).all()
    flagged = []
    for row in rows:
        result = session.execute(update(orders).where(orders.c.id == row.id, orders.c.late_flagged_at.is_(None))
                                 .values(late_flagged_at=now))
        if result.rowcount:  # type: ignore[attr-defined]
            flagged.append((row.id, row.connection_id, row.amazon_order_id, row.latest_ship_date))
    return flagged


def late_counts(session: Session, *, now: datetime, margin: timedelta) -> dict[tuple[str, str], int]:
    """(connection name, at_risk | past_due) -> orders, for every order the rule sees now (flagged or not)."""
    state = case((orders.c.latest_ship_date <= now, LateState.PAST_DUE.value), else_=LateState.AT_RISK.value)
    stmt = (select(connections.c.name, state.label("state"), func.count())
            .join(connections, connections.c.id == orders.c.connection_id)
            .where(at_risk(now, margin)).group_by(connections.c.name, state))
    return {(name, s): int(n) for name, s, n in session.execute(stmt)}
