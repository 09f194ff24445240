"""The flows the runtime knows: each ``sync/<flow>.py`` module's ``FLOW`` and ``run`` (G3; DESIGN.md section 2).

Adding a flow is adding its module to :data:`MODULES` (docs/architecture.md "Adding a flow"); its
declaration carries the default schedule, whether it resumes its runs, whether it is hub-wide and
what it counts. Nothing else in the runtime names a flow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from ..domain.common.results import RunReport
from ..domain.ports.runs import FlowContext
from ..sync import (
    deliveries,
    items_import,
    line_cancel,
    orders,
    orders_backlog,
    orders_backstop,
    orders_fetch,
    pii_purge,
    price_push,
    retention,
    ship_deadlines,
    shipment_confirm,
    shipment_inbox,
    stock_push,
)
from ..sync.runs import Flow

MODULES: tuple[ModuleType, ...] = (orders, orders_fetch, orders_backstop, orders_backlog, pii_purge, retention,
                                   ship_deadlines, shipment_confirm, line_cancel, shipment_inbox,
                                   deliveries, stock_push, price_push, items_import)


@dataclass(frozen=True, slots=True)
class Registered:
    """A flow as the runtime runs it."""

    flow: Flow
    run: Callable[[FlowContext, int | None], RunReport | None]

    @property
    def name(self) -> str:
        return self.flow.name

    @property
    def every_seconds(self) -> int | None:
        return None if self.flow.every is None else int(self.flow.every.total_seconds())


FLOWS: dict[str, Registered] = {module.FLOW.name: Registered(module.FLOW, module.run) for module in MODULES}


def flow(name: str) -> Registered:
    try:
        return FLOWS[name]
    except KeyError:
        raise KeyError(f"unknown flow {name!r}; flows: {', '.join(sorted(FLOWS))}") from None
