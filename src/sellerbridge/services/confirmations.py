"""A person asks again for a package or a cancellation Amazon refused (H1: the error log's reprocess).

A ``failed`` or ``held`` package goes back to ``queued`` as new (flow ``shipment_confirm`` sends it, at most
twice again, and re-checks its order first); a ``failed`` line cancellation goes back to ``queued`` (flow
``line_cancel``). The error stays open until the flow's next answer resolves it. ConfigError for a key
that names neither, or for one that is not waiting for a person any more.
"""

from __future__ import annotations

from ..bootstrap import Hub
from ..db.repositories import confirmations as packages_repo
from ..db.repositories import line_cancellations as cancellations_repo
from ..db.stores.cancellations import ERROR_KIND as CANCEL_ERROR_KIND
from ..domain.common.errors import ConfigError
from ..domain.common.inputs import numeric_id


def _number(key: str, prefix: str) -> int:
    try:
        number = numeric_id(key.removeprefix(prefix)) if key.startswith(prefix) else None
    except ValueError:
        number = None
    if number is None:
        raise ConfigError(f"{key!r} names no {prefix.rstrip(':')}")
    return number


def retry_from_error(hub: Hub, connection_id: int, kind: str, key: str) -> None:
    now = hub.now()
    with hub.store.uow() as session:
        if kind == CANCEL_ERROR_KIND:
            line_id = _number(key, "line:")
            if not cancellations_repo.retry(session, connection_id, line_id, now=now):
                raise ConfigError(f"the cancellation of line {line_id} is not failed: nothing to send again")
            flow = "line_cancel"
        else:
            package_id = _number(key, "package:")
            if not packages_repo.retry(session, connection_id, [package_id], now=now):
                raise ConfigError(f"package {package_id} is not failed or held: nothing to send again")
            flow = "shipment_confirm"
    hub.flow_context().ask(flow, connection_id)
