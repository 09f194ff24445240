"""A hub process for the kill-and-restart flow test: runs one order sync and reports each committed page.

    python -m tests.flows.sync_worker BASE_URL DATABASE_URL SECRET_KEY DATA_DIR CONNECTION_ID

Prints ``page N`` (flushed) after each page is committed, then ``done STATUS``. The test kills it
with SIGKILL after the first page: nothing runs at exit, as when a machine loses power.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sellerbridge.bootstrap import build_hub
from sellerbridge.settings import Settings
from sellerbridge.sync import orders
from sellerbridge.sync.runs import record_run
from tests.flows.support import RemoteSandboxClock


def main(base_url: str, database_url: str, secret_key: str, data_dir: str, connection_id: str) -> None:
    clock = RemoteSandboxClock(base_url)
    hub = build_hub(Settings(data_dir=Path(data_dir), database_url=database_url, secret_key=secret_key),
                    clock=clock)

    def progress(run) -> None:  # told after every committed page (RunContext.checkpoint)
        print(f"page {run.tally['pages']}", flush=True)

    report = record_run(hub.flow_context(), orders.FLOW, int(connection_id), orders.poll, progress=progress)
    print(f"done {report.status}", flush=True)
    hub.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
