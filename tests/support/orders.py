"""Order helpers shared by the sandbox's Orders API tests."""

from __future__ import annotations

from datetime import datetime

from sellerbridge.sandbox.timefmt import iso_z as iso  # noqa: F401  (re-exported for the tests)


def now(sandbox) -> datetime:
    return sandbox.backend.now()


def make_orders(sandbox, client, count: int, **kw) -> list[str]:
    """Create ``count`` orders now through the control API (Unshipped unless told)."""
    body = {"count": count, "status": kw.pop("status", "Unshipped"), **kw}
    r = sandbox.http.post(f"/_sandbox/sellers/{client.creds.seller_id}/orders", json=body)
    assert r.status_code == 201, r.text
    return r.json()["order_ids"]


def live(sandbox, client, order_id: str):
    """The sandbox's own order object (what Amazon knows now)."""
    return sandbox.backend.sellers[client.creds.seller_id].orders[order_id]
