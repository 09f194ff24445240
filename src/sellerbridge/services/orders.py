"""Reading orders for people and programs: list, show, with the PII rule (B1, B12, B13, I1, I2).

B13: buyer data (the fields of ``domain/common/pii.py``: the ship-to name, address lines, postal code,
phone; gift messages) is decrypted only for a viewer with the view-PII permission, through the one gate
``services.pii.read_pii``, which writes the view to the PII access log in the same transaction;
everyone else sees ``MASK`` where a value exists, and nothing is recorded. The log never holds the
data itself.
"""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from ..bootstrap import Hub
from ..db.repositories import order_reads
from ..db.repositories.order_reads import OrderFilter
from ..db.repositories.order_records import AddressRecord, LineRecord, OrderDetail, OrderRecord
from ..domain.common.errors import ConfigError
from ..domain.common.inputs import numeric_id
from ..domain.common.money import Money
from ..domain.common.pii import ADDRESS_PII_FIELDS
from ..domain.orders.model import OrderStatus
from . import connections as connection_service
from . import pii as pii_gate

MASK = "***"  # stands for a PII value the caller may not see (B13)


def jsonable(value: Any) -> Any:
    """Records to JSON-ready values: Money as {amount (text), currency}, datetimes ISO, enums by value."""
    if isinstance(value, Money):
        return {"amount": str(value.amount), "currency": value.currency}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return value


def parse_status(text: str) -> OrderStatus:
    """``Unshipped``, ``PartiallyShipped``, ``partially_shipped`` or ``PARTIALLY_SHIPPED`` alike."""
    key = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", text.strip()).lower().replace("-", "_")
    try:
        return OrderStatus(key)
    except ValueError:
        raise ConfigError(f"unknown order status {text!r}: one of {', '.join(s.value for s in OrderStatus)}") from None


def order_summary(record: OrderRecord) -> dict[str, Any]:
    """An order without lines or address: nothing in it is PII."""
    return jsonable(record)


def list_orders(hub: Hub, *, connection: int | str | None = None, statuses: list[str] | None = None,
                fulfillment: str | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """A page of orders, newest purchase first: ``{"items", "total", "limit", "offset"}``."""
    connection_id = connection_service.get_connection(hub, connection).id if connection is not None else None
    flt = OrderFilter(connection_id=connection_id, statuses=tuple(parse_status(s) for s in statuses or ()),
                      fulfillment=fulfillment.upper() if fulfillment else None)
    with hub.store.uow(read_only=True) as session:
        page = order_reads.list_orders(session, flt, limit=limit, offset=offset)
    return {"items": [order_summary(o) for o in page.items], "total": page.total, "limit": page.limit,
            "offset": page.offset}


def find_order_id(hub: Hub, ref: int | str, connection: int | str | None) -> int:
    """The hub id of an order named by hub id or Amazon order id (with its connection when ambiguous)."""
    try:  # ASCII digits in range are a hub id (`²` is a digit to Python, not an id)
        order_id = numeric_id(ref)
    except ValueError as exc:
        raise LookupError(f"order {ref} is not in the hub: {exc}") from None
    if order_id is not None:
        return order_id
    connection_id = connection_service.get_connection(hub, connection).id if connection is not None else None
    with hub.store.uow(read_only=True) as session:
        page = order_reads.list_orders(session, OrderFilter(connection_id=connection_id, amazon_order_id=ref), limit=5)
    if not page.items:
        raise LookupError(f"order {ref} is not in the hub")
    if len(page.items) > 1:
        raise ConfigError(f"order {ref} exists in several connections: name one with --connection")
    return page.items[0].id


def _address(address: AddressRecord | None, with_pii: bool) -> dict[str, Any] | None:
    if address is None:
        return None
    out = jsonable(address)
    for name in ADDRESS_PII_FIELDS:  # the one list (B13): masked here as storage and purge guard it
        if not with_pii and out.get(name) is None and address.has_pii:
            out[name] = MASK
    return out


def _line(line: LineRecord, with_pii: bool) -> dict[str, Any]:
    out = jsonable(line)
    out["quantity_open"] = line.quantity_open
    if not with_pii and line.has_gift_message:
        out["gift_message"] = MASK
    return out


def show_order(hub: Hub, ref: int | str, *, viewer: pii_gate.Viewer,
               connection: int | str | None = None) -> dict[str, Any]:
    """One order with its lines and address; PII only for a viewer with the grant (and then recorded in
    the PII access log), masked otherwise (B13).

    Raises LookupError when the order is not in the hub.
    """
    order_id = find_order_id(hub, ref, connection)
    detail: OrderDetail | None = pii_gate.read_pii(
        hub, viewer, lambda session, box: order_reads.get_order_detail(session, order_id, box=box), _disclosed)
    if detail is None:
        raise LookupError(f"order {ref} is not in the hub")
    with_pii = viewer.may_view_pii
    out = order_summary(detail.order)
    out["lines"] = [_line(line, with_pii) for line in detail.lines]
    out["address"] = _address(detail.address, with_pii)
    out["pii_shown"] = with_pii
    return out


def _disclosed(detail: OrderDetail | None) -> pii_gate.Disclosure | None:
    """The personal fields an order's detail shows (names of the one list, B13)."""
    if detail is None:
        return None
    return pii_gate.Disclosure(detail.order.connection_id, detail.order.amazon_order_id,
                               pii_gate.fields_shown(address=detail.address, lines=detail.lines))
