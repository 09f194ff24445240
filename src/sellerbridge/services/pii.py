"""The PII purge as people ask about it (B13); the purge itself is the ``pii_purge`` flow (``sync/pii_purge.py``)."""

from __future__ import annotations

from datetime import timedelta

from ..bootstrap import Hub
from ..db.stores.pii import DbPiiStore
from ..sync.pii_purge import PurgeCounts, purge


def count_due(hub: Hub, *, retention_days: int | None = None) -> PurgeCounts:
    """How many orders' buyer data the purge would erase now (a dry run: nothing changes)."""
    days = hub.settings.pii_retention_days if retention_days is None else retention_days
    store = DbPiiStore(hub.store, retention_days=days,
                       transit_allowance=timedelta(days=hub.settings.pii_transit_allowance_days))
    return purge(store, now=hub.now(), retention_days=days, dry_run=True)
