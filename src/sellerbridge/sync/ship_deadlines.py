"""Flow ``ship_deadlines``: orders nearing their latest ship date with nothing shipped are flagged and a
person is told (C2, H1; Amazon measures the late shipment rate), hub-wide, every 15 minutes.

The rule is ``domain/shipments/deadlines.py`` (at risk within :data:`LATE_MARGIN`, past due after). Each
order is flagged once (``orders.late_flagged_at``): an error-log row (kind ``late_shipment``, in the
error list a person reads) and a structured log line with the connection and Amazon's order id only (no
buyer data). ``/metrics`` shows the orders at risk and past due per connection at every scrape
(``sellerbridge_orders_late_risk``, ``sellerbridge_orders_past_due``), flagged or not.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from ..domain.common.errors import ConfigError
from ..domain.common.results import RunReport
from ..domain.ports.runs import FlowContext
from ..domain.shipments.deadlines import LATE_MARGIN, LateState
from .runs import Flow, RunContext, record_run

BATCH = 500  # orders flagged per transaction
COUNTS = (LateState.AT_RISK.value, LateState.PAST_DUE.value)
log = logging.getLogger("sellerbridge.ship_deadlines")

FLOW = Flow("ship_deadlines", every=timedelta(minutes=15), counts=COUNTS, hub_wide=True,
            about="orders nearing latestShipDate with nothing shipped: flagged once, in the error log (C2)")


def run(ctx: FlowContext, connection_id: int | None = None) -> RunReport:
    return record_run(ctx, FLOW, None, _flag)


def _flag(run: RunContext) -> None:
    store = run.ports.deadlines
    if store is None:
        raise ConfigError("the ship_deadlines flow runs hub-wide only")
    while True:
        flagged = store.flag(now=run.now(), margin=LATE_MARGIN, limit=BATCH)
        for order in flagged:
            run.tally.add(order.state)
            log.warning("order nearing its latest ship date with nothing shipped",
                        extra={"connection_id": order.connection_id, "amazon_order_id": order.amazon_order_id,
                               "late_state": order.state, "latest_ship_date": order.latest_ship_date.isoformat()})
        run.checkpoint()
        if len(flagged) < BATCH:
            break
