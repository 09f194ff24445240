"""Buyer data as people see it (B13, I1, I2): the one gate of PII views, and the purge as people ask about it.

Every view of buyer data goes through :func:`read_pii` (data the hub stores) or
:func:`record_disclosure` (data read from Amazon for the preview). The gate is the viewer's grant:
an API key with ``view_pii``, or the CLI's ``--pii``. Without it the data is read without the key
(masked by the caller) and nothing is recorded. With it, the disclosure is written to the PII access
log (``pii_access_log``: who, channel, order, field names, route, when) in the transaction that reads
the data, so a view is never served without its row; an audit log line says the same (never the
values). The purge itself is the ``pii_purge`` flow (``sync/pii_purge.py``).
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from ..bootstrap import Hub
from ..db.crypto import SecretBox
from ..db.repositories import pii_access
from ..db.repositories.pii_access import PiiAccessRecord
from ..db.stores.pii import DbPiiStore
from ..db.tables.audit import CHANNELS
from ..domain.common.pii import ADDRESS_PII_FIELDS, BUYER_PII_FIELDS, LINE_PII_FIELDS
from ..sync.pii_purge import PurgeCounts, purge

__all__ = ["Disclosure", "Viewer", "api_viewer", "cli_viewer", "count_due", "list_accesses", "read_pii",
           "record_disclosure"]

audit = logging.getLogger("sellerbridge.audit")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who asks to see an order, through which front end (``rest``, ``cli``, ``preview``), and whether
    they hold the PII grant (B13)."""

    actor: str  # "api-key:<id>:<name>" or "cli:<user>"
    channel: str
    route: str  # the request or command: "GET /api/orders/{ref}", "orders show --pii"
    may_view_pii: bool

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")


@dataclass(frozen=True, slots=True)
class Disclosure:
    """What a view showed: the order and the names of the personal fields that had a value."""

    connection_id: int | None
    amazon_order_id: str | None
    fields: tuple[str, ...]


def api_viewer(key_id: int, key_name: str, *, may_view_pii: bool, route: str) -> Viewer:
    """A REST caller: its API key (id and name, never the key) and the route it asked."""
    return Viewer(f"api-key:{key_id}:{key_name}", "rest", route, may_view_pii)


def cli_viewer(route: str, *, may_view_pii: bool, channel: str = "cli") -> Viewer:
    """The local operator at the CLI: the OS user, as the CLI has no other identity."""
    return Viewer(f"cli:{_os_user()}", channel, route, may_view_pii)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers) and no LOGNAME/USER
        return "unknown"


def read_pii(hub: Hub, viewer: Viewer, read: Callable[[Session, SecretBox | None], T],
             disclosed: Callable[[T], Disclosure | None]) -> T:
    """Read for a person, with the key only for a viewer with the grant, and record what was shown (B13).

    ``read(session, box)`` reads the data (``box`` None: without PII); ``disclosed(result)`` says what
    the result shows (None or no fields: nothing personal, nothing recorded).
    """
    if not viewer.may_view_pii:
        with hub.store.uow(read_only=True) as session:
            return read(session, None)
    with hub.store.uow() as session:
        result = read(session, hub.store.box)
        disclosure = disclosed(result)
        if disclosure is not None and disclosure.fields:
            _record(session, hub, viewer, disclosure)
    return result


def record_disclosure(hub: Hub, viewer: Viewer, disclosure: Disclosure) -> None:
    """Record a view of buyer data the hub did not read from its store (the preview reads Amazon): called
    before the data is handed out. A viewer without the grant was shown nothing: nothing is recorded."""
    if not viewer.may_view_pii or not disclosure.fields:
        return
    with hub.store.uow() as session:
        _record(session, hub, viewer, disclosure)


def _record(session: Session, hub: Hub, viewer: Viewer, disclosure: Disclosure) -> None:
    pii_access.record_access(session, at=hub.now(), actor=viewer.actor, channel=viewer.channel,
                             connection_id=disclosure.connection_id, amazon_order_id=disclosure.amazon_order_id,
                             fields=disclosure.fields, route=viewer.route)
    audit.info("PII of order %s (%s) shown to %s via %s", disclosure.amazon_order_id, ", ".join(disclosure.fields),
               viewer.actor, viewer.channel,
               extra={"event": "pii_view", "actor": viewer.actor, "channel": viewer.channel,
                      "amazon_order_id": disclosure.amazon_order_id, "fields": list(disclosure.fields)})


def list_accesses(hub: Hub, *, connection_id: int | None = None, amazon_order_id: str | None = None,
                  limit: int = 100) -> list[PiiAccessRecord]:
    """The PII access log, newest first (for the dashboard and operators: it holds no buyer data)."""
    with hub.store.uow(read_only=True) as session:
        return pii_access.list_accesses(session, connection_id=connection_id, amazon_order_id=amazon_order_id,
                                        limit=limit)


def count_due(hub: Hub, *, retention_days: int | None = None) -> PurgeCounts:
    """How many orders' buyer data the purge would erase now (a dry run: nothing changes)."""
    days = hub.settings.pii_retention_days if retention_days is None else retention_days
    store = DbPiiStore(hub.store, retention_days=days,
                       transit_allowance=timedelta(days=hub.settings.pii_transit_allowance_days))
    return purge(store, now=hub.now(), retention_days=days, dry_run=True)


def fields_shown(*, address: Any, lines: Iterable[Any], buyer: Any = None) -> tuple[str, ...]:
    """The personal fields with a value in what a view shows, as ``buyer.name``, ``address.phone``,
    ``line.gift_message`` (names of the one list, B13): what its Disclosure records."""
    line_fields = {name for line in lines for name in _present("line", line, LINE_PII_FIELDS)}
    return (*_present("buyer", buyer, BUYER_PII_FIELDS), *_present("address", address, ADDRESS_PII_FIELDS),
            *sorted(line_fields))


def _present(prefix: str, record: Any, names: tuple[str, ...]) -> list[str]:
    return [f"{prefix}.{name}" for name in names if record is not None and getattr(record, name, None)]
