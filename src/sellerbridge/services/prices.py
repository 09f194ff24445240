"""Prices and their approvals, for people (issue 11: E1, E3; REST ``/api/connections/{ref}/prices``,
``/api/price-approvals``, CLI ``sellerbridge prices``).

- :func:`set_price`: a listing's Amazon price and the seller's range, checked first
  (``domain.listings.prices.parse_price``: finite, more than 0, at most the currency's decimals, under the
  hub's largest price; minimum <= price <= maximum); written with its mark (``mark_prices_dirty``) in one
  transaction, so the connection's ``price_push`` run sends it. No price: the item's list price again.
- :func:`decide`: a held price (E3) approved (sent at the next run) or rejected (not sent), with who.
- :func:`send_now`: every price (or the named SKUs) is sent again, checked against what Amazon shows.

Every refusal is :class:`PriceRefused` (a 422, the CLI's exit 2) or LookupError (404) with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..bootstrap import Hub
from ..db.repositories import prices as repo
from ..db.repositories.price_marks import mark_prices_dirty
from ..domain.common import inputs
from ..domain.listings.prices import PriceError, currency_of, parse_price
from . import connections as connection_service

FLOW = "price_push"
DECISIONS = ("approve", "reject")


class PriceRefused(ValueError):
    """Nothing was written: the reason is the message."""


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def view(row: repo.PriceRow, connection: str | None = None) -> dict[str, Any]:
    """A SKU's price as people see it: what it is set to, what Amazon was told, what waits (E1, E3)."""
    out: dict[str, Any] = {
        "sku": row.sku, "item_sku": row.item_sku, "fulfillment_channel": row.fulfillment_channel,
        "price": _money(row.listing_price), "currency": row.listing_currency,
        "minimum": _money(row.minimum_price), "maximum": _money(row.maximum_price),
        "list_price": _money(row.list_price), "list_currency": row.item_currency,
        "sent": None, "amazon": None, "held": None,
        "dirty": bool(row.version is not None and row.sent_version is not None and row.version > row.sent_version),
    }
    if connection is not None:
        out["connection"] = connection
    if row.sent_price is not None:
        out["sent"] = {"price": _money(row.sent_price), "currency": row.sent_currency,
                       "minimum": _money(row.sent_minimum), "maximum": _money(row.sent_maximum),
                       "at": _iso(row.sent_at), "cause": row.sent_cause}
    if row.amazon_status is not None:
        out["amazon"] = {"status": row.amazon_status, "code": row.amazon_code, "message": row.amazon_message}
    if row.held_at is not None:
        out["held"] = {"id": row.push_id, "price": _money(row.held_price), "currency": row.held_currency,
                       "from": _money(row.held_from), "at": _iso(row.held_at), "reason": row.held_reason,
                       "decision": row.decision, "decided_by": row.decided_by, "decided_at": _iso(row.decided_at)}
    return out


def list_prices(hub: Hub, ref: int | str, *, limit: int = 500, after: str | None = None) -> list[dict[str, Any]]:
    record = connection_service.get_connection(hub, ref)
    with hub.store.uow(read_only=True) as session:
        return [view(row) for row in repo.list_prices(session, record.id, limit=max(1, min(limit, 5000)),
                                                       after=after)]


def _sku(sku: str) -> str:
    try:
        return inputs.check_text(sku, "a SKU", max_length=64) or ""
    except ValueError as exc:
        raise PriceRefused(str(exc)) from None


def set_price(hub: Hub, ref: int | str, sku: str, *, price: Any, minimum: Any = None, maximum: Any = None,
              by: str | None = None) -> dict[str, Any]:
    """Set (or, ``price`` None, clear) a listing's Amazon price and range; the SKU's view. See the module."""
    record = connection_service.get_connection(hub, ref)
    sku = _sku(sku)
    currency = currency_of(record.marketplace_id)
    if currency is None:
        raise PriceRefused(f"marketplace {record.marketplace_id} has no known currency")
    try:
        amount = parse_price(price, currency) if price is not None else None
        low = parse_price(minimum, currency, what="minimum") if minimum is not None else None
        high = parse_price(maximum, currency, what="maximum") if maximum is not None else None
    except PriceError as exc:
        raise PriceRefused(str(exc)) from None
    if low is not None and high is not None and low > high:
        raise PriceRefused(f"the minimum {low} is above the maximum {high} {currency}")
    if amount is not None and low is not None and amount < low:
        raise PriceRefused(f"{amount} {currency} is below the minimum {low}")
    if amount is not None and high is not None and amount > high:
        raise PriceRefused(f"{amount} {currency} is above the maximum {high}")
    now = hub.now()
    with hub.store.uow() as session:
        if not repo.set_listing_price(session, record.id, sku, price=amount, currency=currency if amount else None,
                                      minimum=low, maximum=high, now=now):
            raise LookupError(f"connection {record.name} has no SKU {sku!r}: see `sellerbridge prices list`")
        mark_prices_dirty(session, connection_id=record.id, skus=[sku], cause=f"price set by {by or 'someone'}",
                          now=now)
        row = repo.get_price(session, record.id, sku)
    assert row is not None
    return view(row)


def approvals(hub: Hub, *, connection: int | str | None = None, waiting_only: bool = True,
              limit: int = 500) -> list[dict[str, Any]]:
    connection_id = connection_service.get_connection(hub, connection).id if connection is not None else None
    with hub.store.uow(read_only=True) as session:
        rows = repo.approvals(session, connection_id=connection_id, waiting_only=waiting_only,
                              limit=max(1, min(limit, 5000)))
    return [view(row, name) for row, name in rows]


def decide(hub: Hub, approval_id: Any, decision: str, *, by: str) -> dict[str, Any]:
    """Approve or reject a held price (E3), recording who; LookupError (none), PriceRefused (decided)."""
    if decision not in DECISIONS:
        raise PriceRefused(f"decision: one of {', '.join(DECISIONS)}")
    try:
        push_id = inputs.numeric_id(approval_id)
    except ValueError as exc:
        raise LookupError(f"no price approval {approval_id!r}: {exc}") from None
    if push_id is None:
        raise LookupError(f"no price approval {approval_id!r}")
    now = hub.now()
    with hub.store.uow() as session:
        row = repo.get_approval(session, push_id)
        if row is None or row.held_at is None:
            raise LookupError(f"no price approval {approval_id}")
        if row.decision is not None:
            raise PriceRefused(f"approval {push_id} was {row.decision} by {row.decided_by} already")
        recorded = "approved" if decision == "approve" else "rejected"
        if not repo.decide(session, push_id, decision=recorded, by=by, now=now):
            raise PriceRefused(f"approval {push_id} was decided meanwhile")
        if recorded == "approved":
            mark_prices_dirty(session, connection_id=row.connection_id, skus=[row.sku], cause=f"approved by {by}",
                              now=now)
        row = repo.get_approval(session, push_id)
    assert row is not None
    return view(row)


def send_now(hub: Hub, ref: int | str, skus: Sequence[str] | None = None, *, by: str | None = None) -> int:
    """E1 "send now": the connection's prices (or these SKUs) are sent again at its next ``price_push`` run,
    each checked by the guard against what Amazon shows now (as if never sent); how many were marked."""
    record = connection_service.get_connection(hub, ref)
    named = [_sku(s) for s in skus] if skus else None
    now = hub.now()
    with hub.store.uow() as session:
        repo.forget_sent(session, record.id, named)
        return mark_prices_dirty(session, connection_id=record.id, skus=named, cause=f"send now by {by or 'someone'}",
                                 now=now)
