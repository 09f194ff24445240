"""Jobs: what runs when, and who runs it now (G3, H2; DESIGN.md sections 4-5).

One row per (connection, flow) — or per hub-wide flow — keyed ``"<flow>:<connection id>"`` (``"<flow>:*"``
for hub-wide ones). The row is the schedule (``every_seconds``, ``enabled``, ``next_run_at``), the
queueing claim (``queued_at``: set when the scheduler hands the job to the queue, so a job is never
queued twice), and the lease (``lease_owner`` until ``lease_expires_at``: one run at a time per
connection and flow, across processes and machines; a SIGKILLed worker's lease simply expires).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from ..meta import metadata
from ..types import Id, UtcDateTime

jobs = Table(
    "jobs",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("connection_id", Id, ForeignKey("connections.id"), nullable=True),  # NULL: hub-wide
    Column("flow", String(32), nullable=False),
    Column("every_seconds", Integer, nullable=True),  # NULL: manual runs only
    Column("enabled", Boolean, nullable=False),
    Column("next_run_at", UtcDateTime, nullable=True),
    Column("requested_at", UtcDateTime, nullable=True),  # the latest manual "run now" (shown)
    # "run now" requests counted, and the count the running lease holder saw when it started: a request
    # made during a run (requests > requests_seen) makes the job due again when the run ends. A counter,
    # not a time: web replicas and workers have clocks of their own.
    Column("requests", Integer, nullable=False, server_default="0"),
    Column("requests_seen", Integer, nullable=False, server_default="0"),
    Column("queued_at", UtcDateTime, nullable=True),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_expires_at", UtcDateTime, nullable=True),
    Column("last_started_at", UtcDateTime, nullable=True),
    Column("last_finished_at", UtcDateTime, nullable=True),
    Column("last_status", String(16), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("failures", Integer, nullable=False),  # consecutive failed runs: the retry backoff
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "next_run_at"),
)
