"""What every flow run gets from the hub: the run log, the connection, and the ports of its run (G3, H2).

``sync/runs.py`` records runs through :class:`RunLog`; ``bootstrap`` implements :class:`FlowContext`,
which builds a run's :class:`RunPorts` once (the connection read once, its settings parsed once, the
connection's gateway, the stores), so nothing in a run reads the connection again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ..common.clock import Clock
from ..common.results import ItemResult, RunReport
from ..orders.filters import OrderImportSettings
from .confirmations import CancellationStore, ConfirmationStore, ShipmentConfirmer
from .deliveries import DeliveryStore, InboxOpener, Receivers, Transport
from .documents import DocumentStore, FeedSource, ReportSource
from .listings import ListingsWriter
from .orders import OrderSource, OrderStore
from .pii import PiiStore
from .prices import ItemImportStore, PriceStore
from .retention import RetentionStore
from .shipments import ShipDeadlineStore, ShipmentIntake
from .stock import StockPushStore
from .stock_in import StockImport

# The key of a failed run's state that keeps it open to be continued by the next run of its flow
# (``Flow.resume_failed``): written by the recorder, read by the run log and by "run now".
RESUMABLE = "resumable"


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """A connection as a run needs it (no secrets)."""

    id: int
    name: str
    seller_id: str
    marketplace_id: str
    region: str
    last_error: str | None = None  # as read when the run started: cleared when the run succeeds
    budget_sharers: int = 1  # active connections of this seller account and region: they share its budgets (G1)


@dataclass(frozen=True, slots=True)
class OpenedRun:
    """The run a flow works in: new, the queued one a person asked for, or an unfinished one resumed."""

    run_id: int
    counts: Mapping[str, int] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    resumed: bool = False


@dataclass(frozen=True, slots=True)
class RunSummary:
    """A past run, as another flow's rules read it (e.g. the backstop: when did the last poll create orders)."""

    run_id: int
    status: str
    started_at: datetime | None
    counts: Mapping[str, int]


class RunLog(Protocol):
    """``sync_runs`` (H2); every call is its own short transaction, so a run is visible while it works."""

    def open(self, flow: str, connection_id: int | None, *, resumes: bool, now: datetime) -> OpenedRun:
        """The run to work in: the oldest ``queued`` one asked for by a person (``jobs.manage``), else,
        for a flow that ``resumes``, its unfinished one (running, or failed and resumable), else a new one.
        ConfigError for a connection that does not exist."""

    def unfinished(self, flow: str, connection_id: int | None) -> OpenedRun | None:
        """The flow's run still in progress (a stepping flow between two steps) or asked for (queued)."""

    def latest(self, flow: str, connection_id: int | None) -> RunSummary | None: ...

    def save(self, run_id: int, *, counts: Mapping[str, int], state: Mapping[str, Any] | None,
             items: Sequence[ItemResult], resume_at: datetime | None = None) -> None:
        """Progress of a run still working (or waiting): counts, state, items."""

    def finish(self, report: RunReport, *, state: Mapping[str, Any] | None, now: datetime) -> None: ...

    def note_connection_error(self, connection_id: int, error: str, now: datetime) -> None:
        """Show a failure only a person can fix with the connection (A4, A5)."""

    def clear_connection_error(self, connection_id: int, error: str, now: datetime) -> None:
        """A later run succeeded: the error it saw at its start is no longer true (a newer one stays)."""


@dataclass(frozen=True, slots=True)
class PendingFetch:
    """An order an ORDER_CHANGE named, waiting for ``getOrder`` (B1)."""

    amazon_order_id: str
    hint_at: datetime  # the newest change it stands for
    noted_at: datetime
    buyer_requested: bool = False
    source: str = "notification"  # notification | reprocess


class PendingFetches(Protocol):
    """One connection's ``pending_fetches`` rows (the push path's bounded queue)."""

    def take(self, limit: int) -> list[PendingFetch]:
        """Up to ``limit`` waiting orders, oldest first (they stay until :meth:`done`)."""

    def done(self, fetch: PendingFetch) -> None:
        """Served: removed, unless a newer change was noted meanwhile (then it waits again)."""

    def waiting(self) -> int: ...


class ConnectionMarks(Protocol):
    """Moments one flow notes for another's rules (``connection_marks``)."""

    def get(self, name: str) -> datetime | None: ...

    def set(self, name: str, value: datetime) -> None: ...


class AmazonPort(OrderSource, ReportSource, FeedSource, ShipmentConfirmer, ListingsWriter, Protocol):
    """Everything a run may ask of Amazon for its connection (``amazon.gateway.AmazonGateway``)."""


@dataclass(frozen=True, slots=True)
class RunPorts:
    """The ports of one run, built once by :meth:`FlowContext.ports`; None where a flow has no use for them
    (a hub-wide flow has no connection, no gateway, no order store)."""

    connection: ConnectionInfo | None
    settings: OrderImportSettings | None
    amazon: AmazonPort | None
    orders: OrderStore | None
    documents: DocumentStore | None
    fetches: PendingFetches | None
    marks: ConnectionMarks | None
    pii: PiiStore | None
    retention: RetentionStore | None = None  # hub-wide runs only (sync/retention.py)
    shipments: ShipmentIntake | None = None  # the connection's shipment intake (C1: the inbox flow)
    stock_import: StockImport | None = None  # stock files of the connection's inboxes (I5: the inbox flow)
    deadlines: ShipDeadlineStore | None = None  # hub-wide runs only (sync/ship_deadlines.py)
    confirmations: ConfirmationStore | None = None  # packages on their way to Amazon (sync/shipment_confirm.py)
    cancellations: CancellationStore | None = None  # lines the warehouse cannot ship (sync/line_cancel.py)
    receivers: Receivers | None = None  # the connection's warehouse receivers (sync/deliveries.py)
    inbox_opener: InboxOpener | None = None  # opens a file receiver's inbox (channels/inbox.py)
    deliveries: DeliveryStore | None = None  # their deliveries (sync/deliveries.py)
    transports: Mapping[str, Transport] | None = None  # one per receiver kind (channels/), by ReceiverKind
    stock_push: StockPushStore | None = None  # the seller account's quantity push state (sync/stock_push.py)
    prices: PriceStore | None = None  # the connection's prices (sync/price_push.py)
    item_import: ItemImportStore | None = None  # items and SKUs from Amazon's listings report (sync/items_import.py)


class FlowContext(Protocol):
    """What the runtime hands every flow: ``run(ctx, connection_id) -> RunReport`` (built once per process)."""

    clock: Clock
    runs: RunLog

    def ports(self, connection_id: int | None) -> RunPorts:
        """The run's ports; ConfigError when the connection cannot run (disabled, expired, no credentials,
        unreadable settings: A4, A5)."""

    def calls_of(self, run_id: int) -> AbstractContextManager[None]:
        """Inside it, every SP-API call is recorded with this run's id (DESIGN section 5)."""

    def ask(self, flow: str, connection_id: int | None) -> None:
        """Ask the runtime for a run of another flow as soon as it can (a flow that runs on request,
        decided where it is cheap: at the end of the run that knows, not by a tick per connection)."""
