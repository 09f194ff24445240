"""Order search as Amazon runs it, shared by searchOrders (2026-01-01) and getOrders (v0) (I4, B1).

- Results come from the seller's *search index*: copies of each order as it was ``search_lag_seconds``
  ago (``backend.touch_order`` feeds it). getOrder reads the live order; a search sees a new order or
  a change about two minutes later (docs/amazon-quirks.md).
- The time window is inclusive at both ends. A ``...Before`` must not be earlier than its
  ``...After`` and must be at least two minutes before the request (Amazon answers 400 otherwise);
  when it is omitted the window ends two minutes before the request, whole seconds, and the response
  says so (``createdBefore``/``lastUpdatedBefore``) so a client can use it as its next watermark.
  Should the index lag more than that (``search_lag_seconds`` raised), orders changed just before that
  end show up late: a client that does not overlap its windows misses them, as with Amazon.
- Results are sorted by the time field in use, then order id, ascending. Paging keeps the window
  fixed and continues after the last (time, id) returned, so a page request sees no order twice.
- Pagination tokens are opaque, kept in ``backend.page_tokens`` with their expiry
  (``timings.page_token_seconds``, 24 h) and bound to the seller; unknown or expired ones are a 400.
"""

from __future__ import annotations

import heapq
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from . import errors
from .backend import AccessToken, Backend
from .state import Order, Seller
from .timefmt import parse_iso_datetime

BEFORE_MARGIN_SECONDS = 120  # "at least two minutes before the time of the request"


# --- parameter parsing ---------------------------------------------------------------------------

def parse_datetime(name: str, text: str) -> datetime:
    """An ISO 8601 date-time (``2026-01-31T23:59:59Z``, offsets, fractions; no zone = UTC) or 400."""
    moment = parse_iso_datetime(text)
    if moment is None:
        raise errors.invalid_input(f"Invalid {name}: the date must be an ISO 8601 date-time.",
                                   f"{name}={text!r}; expected for example 2026-01-31T23:59:59Z.")
    return moment


def parse_int(name: str, text: str | None, low: int, high: int, default: int) -> int:
    if text is None:
        return default
    try:
        value = int(text.strip())
    except ValueError:
        raise errors.invalid_input(f"Invalid {name}: {text!r} is not an integer.") from None
    if not low <= value <= high:
        raise errors.invalid_input(f"Invalid {name}: the value must be between {low} and {high}.",
                                   f"{name}={value}")
    return value


def check_enum(name: str, values: list[str] | None, allowed: tuple[str, ...]) -> frozenset[str] | None:
    if not values:
        return None
    bad = [v for v in values if v not in allowed]
    if bad:
        raise errors.invalid_input(f"Invalid {name}: {', '.join(bad)}.",
                                   f"Allowed values: {', '.join(allowed)}.")
    return frozenset(values)


def check_marketplaces(name: str, values: list[str] | None, seller: Seller, *, required: bool) -> frozenset[str]:
    """The seller's own marketplaces among ``values`` (max 50); absent means all of them (2026-01-01)."""
    if not values:
        if required:
            raise errors.invalid_input(f"Missing required parameter {name}.")
        return frozenset(seller.marketplace_ids)
    if len(values) > 50:
        raise errors.invalid_input(f"Invalid {name}: at most 50 values are allowed.", f"{len(values)} given")
    foreign = [v for v in values if v not in seller.marketplace_ids]
    if foreign:
        raise errors.invalid_input(f"Invalid {name}: the seller does not participate in {', '.join(foreign)}.")
    return frozenset(values)


# --- the window and the criteria -----------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    field: str  # "created" | "updated"
    after: datetime
    before: datetime  # the effective end: the one given, or two minutes before the request

    def time_of(self, order: Order) -> datetime:
        return order.purchase_date if self.field == "created" else order.last_updated


def make_window(now: datetime, field: str, after: datetime, before: datetime | None,
                after_name: str, before_name: str) -> Window:
    latest = (now - timedelta(seconds=BEFORE_MARGIN_SECONDS)).replace(microsecond=0)
    if after > now:
        raise errors.invalid_input(f"Invalid {after_name}: the date must not be in the future.",
                                   f"{after_name}={after.isoformat()}")
    if before is None:
        return Window(field, after, max(latest, after))
    if before < after:
        raise errors.invalid_input(f"Invalid {before_name}: it must be equal to or after {after_name}.")
    if before > now - timedelta(seconds=BEFORE_MARGIN_SECONDS):
        raise errors.invalid_input(
            f"Invalid {before_name}: it must be at least two minutes before the time of the request.",
            f"{before_name}={before.isoformat()}, request time {now.replace(microsecond=0).isoformat()}")
    return Window(field, after, before)


@dataclass(frozen=True)
class Criteria:
    """Everything but the window that selects orders. Statuses are v0's (the sandbox's own)."""

    marketplace_ids: frozenset[str]
    statuses: frozenset[str] | None = None
    channels: frozenset[str] | None = None  # "MFN" / "AFN"
    order_ids: frozenset[str] | None = None
    seller_order_id: str | None = None
    buyer_email: str | None = None
    payment_methods: frozenset[str] | None = None  # v0 values: COD, CVS, Other

    def matches(self, order: Order) -> bool:
        if order.marketplace_id not in self.marketplace_ids:
            return False
        if self.statuses is not None and order.status not in self.statuses:
            return False
        if self.channels is not None and order.fulfillment_channel not in self.channels:
            return False
        if self.order_ids is not None and order.order_id not in self.order_ids:
            return False
        if self.seller_order_id is not None and order.seller_order_id != self.seller_order_id:
            return False
        if self.buyer_email is not None and order.buyer.email.lower() != self.buyer_email.lower():
            return False
        if self.payment_methods is not None:
            method = order.payment_method if order.payment_method in ("COD", "CVS") else "Other"
            if method not in self.payment_methods:
                return False
        return True


Cursor = tuple[datetime, str]


def search(seller: Seller, window: Window | None, criteria: Criteria, *, limit: int,
           after: Cursor | None = None) -> tuple[list[Order], Cursor | None]:
    """One page from the lagged index; the cursor of its last order when more follow, else None."""

    def key(order: Order) -> Cursor:
        return (window.time_of(order) if window else order.purchase_date, order.order_id)

    rows: list[tuple[Cursor, Order]] = []
    for _, order in seller.search_index.values():
        if window is not None and not window.after <= window.time_of(order) <= window.before:
            continue
        if not criteria.matches(order):
            continue
        k = key(order)
        if after is not None and k <= after:
            continue
        rows.append((k, order))
    page = heapq.nsmallest(limit + 1, rows, key=lambda r: r[0])
    more = len(page) > limit
    page = page[:limit]
    return [o for _, o in page], (page[-1][0] if more and page else None)


# --- pagination tokens ----------------------------------------------------------------------------

_KINDS = ("searchOrders", "getOrders", "getOrderItems", "getOrderItemsBuyerInfo")


def issue_token(backend: Backend, kind: str, seller_id: str, state: dict[str, Any], now: datetime) -> str:
    if len(backend.page_tokens) > 10_000:
        _purge(backend, now)
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(seconds=backend.timings.page_token_seconds)
    backend.page_tokens[token] = (expires, {"kind": kind, "seller_id": seller_id, **state})
    return token


def redeem_token(backend: Backend, kind: str, seller_id: str, token: str, now: datetime,
                 name: str) -> dict[str, Any]:
    """The state stored with ``token``; 400 when unknown, another seller's or operation's, or expired."""
    entry = backend.page_tokens.get(token)
    if entry is None or entry[1].get("kind") != kind or entry[1].get("seller_id") != seller_id:
        raise errors.invalid_input(f"Invalid {name}.", "The token is unknown or was not issued for this request.")
    expires, state = entry
    if now >= expires:
        del backend.page_tokens[token]
        raise errors.invalid_input(f"The {name} has expired.",
                                   "Pagination tokens expire 24 hours after they are issued; search again.")
    return state


def _purge(backend: Backend, now: datetime) -> None:
    for token, (expires, state) in list(backend.page_tokens.items()):
        if state.get("kind") in _KINDS and now >= expires:
            del backend.page_tokens[token]


# --- Restricted Data Tokens (v0) ------------------------------------------------------------------

def rdt_data_elements(token: AccessToken, method: str, path: str) -> set[str] | None:
    """For an RDT covering ``method path``: the data elements it carries (maybe none). Else None."""
    if not token.is_rdt:
        return None
    found: set[str] | None = None
    for resource in token.restricted or []:
        if str(resource.get("method", "")).upper() != method.upper():
            continue
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", str(resource.get("path", ""))) + "$"
        if re.match(pattern, path):
            found = (found or set()) | set(resource.get("dataElements") or [])
    return found
