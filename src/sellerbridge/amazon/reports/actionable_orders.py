"""``GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING`` -> order drafts: the backlog's fast path (G2, B1, B13).

One document lists every merchant-fulfilled order item that still has something to ship, with the
order item id, the buyer and the full address: thousands of orders for a handful of calls, where the
per-order API would need one call per order (plus a Restricted Data Token, B13: the document is
restricted data and is fetched with an RDT).

What the report does and does not carry, so the sync knows what a draft from it lacks:

- One row per order item with quantity still to ship; rows of one order are grouped into one draft.
  A line with nothing left to ship is absent, so a draft may hold only some of the order's lines.
- No prices, no currency, no ASIN, no last-update time and no marketplace: money comes later from
  ``searchOrders``/``getOrder``; ``last_updated`` is the purchase date so that any API read of the
  order is at least as new; the marketplace is the one the report was requested for.
- Status is ``UNSHIPPED`` or, when a line has shipped units, ``PARTIALLY_SHIPPED``.
- A malformed row (bad quantity, no order id, bad date, wrong number of fields) is reported with its
  line number; its order is left out entirely rather than imported with a line missing, and the other
  orders are processed.
"""

from __future__ import annotations

from ...domain.orders.model import Address, Buyer, Fulfillment, OrderDraft, OrderLineDraft, OrderStatus, ServiceLevel
from .flatfile import BadCell, ReportParse, Row, RowError, read_rows

REPORT_TYPE = "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING"
REQUIRED_COLUMNS = ("order-id", "order-item-id", "purchase-date", "sku", "quantity-purchased")

# The report writes Amazon's shipping categories in CamelCase ("SecondDay"); accept any casing.
_LEVELS = {level.value.lower(): level for level in ServiceLevel} | {
    level.name.lower(): level for level in ServiceLevel}


def service_level(text: str | None) -> ServiceLevel | None:
    """Amazon's category name to ``ServiceLevel``; an unknown one is None (ship-method mapping decides)."""
    return _LEVELS.get((text or "").strip().lower())


def parse_actionable_orders(text: str, *, marketplace_id: str = "") -> ReportParse:
    """Read the report's text (already decoded: ``flatfile.decode_report``) into drafts and row errors."""
    _, rows = read_rows(text, REQUIRED_COLUMNS)
    errors: list[RowError] = []
    grouped: dict[str, list[tuple[Row, OrderLineDraft]]] = {}
    broken: dict[str, None] = {}  # order ids with a bad row, in document order
    for row in rows:
        if isinstance(row, RowError):
            errors.append(row)
            continue
        order_id = row.text("order-id")
        try:
            if order_id is None:
                raise BadCell("order-id", "order-id is empty")
            line = _line(row)
            if any(seen.order_item_id == line.order_item_id for _, seen in grouped.get(order_id, ())):
                raise BadCell("order-item-id", f"order item {line.order_item_id} listed twice")
            for column in ("purchase-date", "promise-date", "delivery-end-date"):  # dates read later
                row.moment(column, required=column == "purchase-date")
        except BadCell as bad:
            errors.append(RowError(row.number, bad.column, bad.message, row.raw, order_id))
            if order_id is not None:
                broken[order_id] = None
            continue
        grouped.setdefault(order_id, []).append((row, line))
    drafts = [_draft(order_id, entries, marketplace_id) for order_id, entries in grouped.items()
              if order_id not in broken]
    return ReportParse(drafts=drafts, errors=errors, left_out=list(broken))


def left_out_reasons(parsed: ReportParse, limit: int = 5) -> list[tuple[str, str]]:
    """``(order id, why)`` for each order left out (B11): the why names the rows, columns and problems of
    that order, never a row's text, which holds the buyer's name and address (B13)."""
    rows: dict[str, list[RowError]] = {order_id: [] for order_id in parsed.left_out}
    for error in parsed.errors:
        if error.order_id in rows:
            rows[error.order_id].append(error)
    return [(order_id, "a malformed row in the actionable-orders report: " + ", ".join(
        f"row {e.row_number} ({e.column or 'fields'}: {e.message})" for e in errors[:limit]))
        for order_id, errors in rows.items()]


def _line(row: Row) -> OrderLineDraft:
    quantity = row.quantity("quantity-purchased")
    shipped = row.quantity("quantity-shipped", default=0)
    if shipped > quantity:
        raise BadCell("quantity-shipped", f"{shipped} shipped of {quantity} purchased")
    to_ship = row.quantity("quantity-to-ship", default=quantity - shipped)
    if shipped + to_ship > quantity:
        raise BadCell("quantity-to-ship", f"{shipped} shipped + {to_ship} to ship > {quantity} purchased")
    return OrderLineDraft(
        order_item_id=row.required("order-item-id"),
        sku=row.required("sku"),
        asin=row.text("asin"),  # not in Amazon's column set today; read if it appears
        title=row.text("product-name"),
        quantity=quantity,
        quantity_shipped=shipped,
        quantity_cancelled=quantity - shipped - to_ship,  # neither shipped nor to ship: cancelled
    )


def _draft(order_id: str, entries: list[tuple[Row, OrderLineDraft]], marketplace_id: str) -> OrderDraft:
    first = entries[0][0]  # order-level columns repeat on every row; the first row speaks for the order
    lines = tuple(line for _, line in entries)
    purchased = first.moment("purchase-date", required=True)
    assert purchased is not None  # checked while grouping
    level_text = first.text("ship-service-level")
    business = first.flag("is-business-order")
    return OrderDraft(
        amazon_order_id=order_id,
        marketplace_id=marketplace_id,
        status=OrderStatus.PARTIALLY_SHIPPED if any(ln.quantity_shipped for ln in lines) else OrderStatus.UNSHIPPED,
        fulfillment=Fulfillment.MERCHANT,  # the report lists merchant-fulfilled orders only
        purchase_date=purchased,
        last_updated=purchased,
        service_level=service_level(level_text),
        ship_service_level=level_text,
        lines=lines,
        buyer=_buyer(first),
        ship_to=_address(first),
        is_prime=first.flag("is-prime"),
        is_business=business,
        latest_ship_date=first.moment("promise-date"),
        latest_delivery_date=first.moment("delivery-end-date"),
        programs=tuple(p for p, on in (("prime", first.flag("is-prime")), ("amazon_business", business)) if on),
    )


def _buyer(row: Row) -> Buyer | None:
    buyer = Buyer(email=row.text("buyer-email"), name=row.text("buyer-name"),
                  company=row.text("buyer-company-name"), purchase_order_number=row.text("purchase-order-number"))
    return buyer if any((buyer.email, buyer.name, buyer.company, buyer.purchase_order_number)) else None


def _address(row: Row) -> Address:
    return Address(
        name=row.text("recipient-name"), line1=row.text("ship-address-1"), line2=row.text("ship-address-2"),
        line3=row.text("ship-address-3"), city=row.text("ship-city"), state_or_region=row.text("ship-state"),
        postal_code=row.text("ship-postal-code"), country_code=row.text("ship-country"),
        phone=row.text("ship-phone-number") or row.text("buyer-phone-number"),
        company=row.text("ship-company-name"),
        address_type=(row.text("address-type") or "").lower() or None,
    )
