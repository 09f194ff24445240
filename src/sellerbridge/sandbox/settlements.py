"""Settlement reports, which Amazon publishes by itself every 14 days (F1, F2, F3, I4).

Nobody requests them (createReport refuses the type); getReports with
``reportTypes=GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2`` lists them, already DONE, with a GZIP
document in Amazon's V2 flat-file format. :func:`schedule_for` (called when a seller is created) arms
the first publication ``timings.settlement_period_days`` after the seller's creation; each
publication arms the next one.

One settlement per marketplace (each has its own currency) and period [start, end). It holds:

- ``Order`` transactions: every shipment confirmed in the period, per shipped item: ItemPrice
  (Principal, Tax, Shipping, ShippingTax), Promotion rows (negative, with the promotion id), ItemFees
  (Commission = 15 % of the principal; FBAPerUnitFulfillmentFee and ShippingChargeback for AFN) and,
  in the US, ItemWithheldTax (MarketplaceFacilitatorTax-*: Amazon collects and remits the sales tax).
  Tax, shipping and promotion of a line are split over its shipments so that the parts add up to the
  line's amounts exactly.
- ``Refund`` transactions for the refunds posted in the period (``order.refunds``, see
  :func:`_refund_rows` for their shape), with the commission given back less Amazon's
  RefundCommission (20 % of it, at most 5.00).
- ``other-transaction`` rows: the monthly "Subscription Fee" when a calendar month starts in the
  period (home marketplace only).

The first data row is the summary (settlement id, period, deposit date, total, currency); the total
is the exact Decimal sum of every amount below it. A period with no transaction publishes nothing
for that marketplace (no empty settlement); the next period starts where this one ended anyway.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from . import marketplaces
from .backend import Backend
from .report_builders import ZERO_DECIMAL, to_tsv
from .report_lifecycle import DONE, SETTLEMENT_V2, emit_finished, store_document
from .state import Order, OrderLine, Report, Seller, Shipment

COLUMNS = [
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date", "total-amount", "currency",
    "transaction-type", "order-id", "merchant-order-id", "adjustment-id", "shipment-id", "marketplace-name",
    "amount-type", "amount-description", "amount", "fulfillment-id", "posted-date", "posted-date-time",
    "order-item-code", "merchant-order-item-id", "merchant-adjustment-item-id", "sku", "quantity-purchased",
    "promotion-id",
]
COMMISSION_RATE = Decimal("0.15")
REFUND_ADMIN_RATE = Decimal("0.20")
FBA_FEE_PER_UNIT = {"USD": "3.22", "CAD": "4.79", "MXN": "60.00", "BRL": "15.00", "GBP": "2.50",
                    "EUR": "2.90", "SEK": "30.00", "PLN": "12.00", "JPY": "318", "AUD": "4.20", "SGD": "4.00"}
SUBSCRIPTION_FEE = {"USD": "39.99", "CAD": "29.99", "MXN": "600.00", "BRL": "19.00", "GBP": "25.00",
                    "EUR": "39.00", "SEK": "399.00", "PLN": "179.00", "JPY": "4900", "AUD": "49.95",
                    "SGD": "29.95"}
DEPOSIT_DELAY = timedelta(days=2)


def _q(amount: Decimal, currency: str) -> Decimal:
    exp = Decimal("1") if currency in ZERO_DECIMAL else Decimal("0.01")
    return amount.quantize(exp, rounding=ROUND_HALF_UP)


def _stamp(moment: datetime) -> str:
    """The V2 flat file's date-time format: ``2026-03-02 14:23:00 UTC``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _shipment_id(order: Order, shipment: Shipment) -> str:
    digest = hashlib.sha256(f"{order.order_id}|{shipment.package_reference_id}".encode()).hexdigest()
    return "D" + format(int(digest[:12], 16), "X")[:8]


class _Sheet:
    """Detail rows of one settlement, with their running total."""

    def __init__(self, marketplace_id: str, currency: str) -> None:
        self.mp_name = marketplaces.MARKETPLACES[marketplace_id].name
        self.currency = currency
        self.rows: list[dict[str, Any]] = []
        self.total = Decimal("0")

    def add(self, amount: Decimal, amount_type: str, description: str, *, skip_zero: bool = True,
            **fields: Any) -> None:
        amount = _q(amount, self.currency)
        if skip_zero and amount == 0:
            return
        self.total += amount
        self.rows.append({"amount-type": amount_type, "amount-description": description,
                          "amount": str(amount), "marketplace-name": self.mp_name, **fields})


def _split(total: Decimal, before: int, now: int, quantity: int, currency: str) -> Decimal:
    """This shipment's part of a line amount; the parts of all shipments add up to ``total`` exactly."""
    if quantity <= 0:
        return Decimal("0")
    return _q(total * (before + now) / quantity, currency) - _q(total * before / quantity, currency)


def _order_rows(sheet: _Sheet, order: Order, start: datetime, end: datetime) -> None:
    us = marketplaces.MARKETPLACES[order.marketplace_id].country == "US"
    shipped_before: dict[str, int] = {}
    for shipment in order.shipments:  # chronological: each appended when confirmed
        in_period = start <= shipment.confirmed_at < end
        for item in shipment.items:
            line = order.line(item.order_item_id)
            before = shipped_before.get(item.order_item_id, 0)
            shipped_before[item.order_item_id] = before + item.quantity
            if line is None or not in_period or item.quantity <= 0:
                continue
            _item_rows(sheet, order, line, shipment, before, item.quantity, us)


def _item_rows(sheet: _Sheet, order: Order, line: OrderLine, shipment: Shipment, before: int, n: int,
               us: bool) -> None:
    cur = order.currency
    common = {
        "transaction-type": "Order", "order-id": order.order_id, "merchant-order-id": order.seller_order_id or "",
        "shipment-id": _shipment_id(order, shipment), "fulfillment-id": order.fulfillment_channel,
        "posted-date": shipment.confirmed_at.astimezone(UTC).strftime("%Y-%m-%d"),
        "posted-date-time": _stamp(shipment.confirmed_at), "order-item-code": line.order_item_id,
        "sku": line.sku, "quantity-purchased": str(n),
    }
    principal = line.unit_price * n
    tax = _split(line.item_tax, before, n, line.quantity, cur)
    shipping = _split(line.shipping_price, before, n, line.quantity, cur)
    shipping_tax = _split(line.shipping_tax, before, n, line.quantity, cur)
    promotion = _split(line.promotion_discount, before, n, line.quantity, cur)
    sheet.add(principal, "ItemPrice", "Principal", skip_zero=False, **common)
    sheet.add(tax, "ItemPrice", "Tax", **common)
    sheet.add(shipping, "ItemPrice", "Shipping", **common)
    sheet.add(shipping_tax, "ItemPrice", "ShippingTax", **common)
    if us:  # marketplace facilitator: Amazon keeps the sales tax it collected and remits it
        sheet.add(-tax, "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", **common)
        sheet.add(-shipping_tax, "ItemWithheldTax", "MarketplaceFacilitatorTax-Shipping", **common)
    sheet.add(-promotion, "Promotion", "Principal", **common,
              **{"promotion-id": line.promotion_ids[0] if line.promotion_ids else ""})
    sheet.add(-(principal * COMMISSION_RATE), "ItemFees", "Commission", **common)
    if order.fulfillment_channel == "AFN":
        sheet.add(-Decimal(FBA_FEE_PER_UNIT.get(cur, "3.22")) * n, "ItemFees", "FBAPerUnitFulfillmentFee",
                  **common)
        sheet.add(-shipping, "ItemFees", "ShippingChargeback", **common)


def _refund_rows(sheet: _Sheet, order: Order, start: datetime, end: datetime, errors: list[str]) -> None:
    """Refunds of ``order`` posted in [start, end).

    An ``order.refunds`` entry is a dict: ``posted`` (aware datetime), ``order_item_id``, ``principal``
    (the refunded item price, a positive Decimal or string), optional ``tax``, ``shipping``,
    ``shipping_tax``, ``quantity`` (default 1) and ``adjustment_id``. A malformed entry is skipped and
    recorded as a sandbox bug.
    """
    us = marketplaces.MARKETPLACES[order.marketplace_id].country == "US"
    cur = order.currency
    for n, refund in enumerate(order.refunds):
        try:
            posted: datetime = refund["posted"]
            if not start <= posted < end:
                continue
            line = order.line(str(refund["order_item_id"]))
            if line is None:
                raise KeyError(f"order item {refund['order_item_id']}")
            money = {k: _q(Decimal(str(refund.get(k, "0"))), cur)
                     for k in ("principal", "tax", "shipping", "shipping_tax")}
            quantity = int(refund.get("quantity", 1))
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            errors.append(f"order {order.order_id} refund #{n}: {exc!r}")
            continue
        common = {
            "transaction-type": "Refund", "order-id": order.order_id,
            "merchant-order-id": order.seller_order_id or "",
            "adjustment-id": str(refund.get("adjustment_id") or f"{order.order_id[-7:]}{n + 1:03d}"),
            "fulfillment-id": order.fulfillment_channel, "posted-date": posted.astimezone(UTC).strftime("%Y-%m-%d"),
            "posted-date-time": _stamp(posted), "order-item-code": line.order_item_id, "sku": line.sku,
            "quantity-purchased": str(quantity),
        }
        sheet.add(-money["principal"], "ItemPrice", "Principal", skip_zero=False, **common)
        sheet.add(-money["tax"], "ItemPrice", "Tax", **common)
        sheet.add(-money["shipping"], "ItemPrice", "Shipping", **common)
        sheet.add(-money["shipping_tax"], "ItemPrice", "ShippingTax", **common)
        if us:
            sheet.add(money["tax"], "ItemWithheldTax", "MarketplaceFacilitatorTax-Principal", **common)
            sheet.add(money["shipping_tax"], "ItemWithheldTax", "MarketplaceFacilitatorTax-Shipping", **common)
        commission = _q(money["principal"] * COMMISSION_RATE, cur)
        cap = Decimal("500") if cur in ZERO_DECIMAL else Decimal("5.00")
        sheet.add(commission, "ItemFees", "Commission", **common)
        sheet.add(-min(_q(commission * REFUND_ADMIN_RATE, cur), cap), "ItemFees", "RefundCommission", **common)
        if order.fulfillment_channel == "AFN":
            sheet.add(money["shipping"], "ItemFees", "ShippingChargeback", **common)


def _month_starts(start: datetime, end: datetime) -> list[datetime]:
    out, cursor = [], datetime(start.year, start.month, 1, tzinfo=UTC)
    while cursor < end:
        if cursor >= start:
            out.append(cursor)
        cursor = datetime(cursor.year + cursor.month // 12, cursor.month % 12 + 1, 1, tzinfo=UTC)
    return out


def build(seller: Seller, marketplace_id: str, start: datetime, end: datetime, settlement_id: str,
          errors: list[str]) -> tuple[bytes, Decimal] | None:
    """The V2 flat file of one settlement, and its total; None when the period had no transaction."""
    currency = marketplaces.MARKETPLACES[marketplace_id].currency
    sheet = _Sheet(marketplace_id, currency)
    orders = sorted((o for o in seller.orders.values() if o.marketplace_id == marketplace_id),
                    key=lambda o: (o.purchase_date, o.order_id))
    for order in orders:
        _order_rows(sheet, order, start, end)
    for order in orders:
        _refund_rows(sheet, order, start, end, errors)
    if marketplace_id == seller.marketplace_ids[0]:
        for month in _month_starts(start, end):
            sheet.add(-Decimal(SUBSCRIPTION_FEE.get(currency, "39.99")), "other-transaction", "Subscription Fee",
                      **{"transaction-type": "other-transaction", "posted-date": month.strftime("%Y-%m-%d"),
                         "posted-date-time": _stamp(month)})
    if not sheet.rows:
        return None
    summary = [settlement_id, _stamp(start), _stamp(end), _stamp(end + DEPOSIT_DELAY),
               str(_q(sheet.total, currency)), currency] + [""] * (len(COLUMNS) - 6)
    rows = [summary] + [[settlement_id] + [row.get(col, "") for col in COLUMNS[1:]] for row in sheet.rows]
    return to_tsv(COLUMNS, rows), sheet.total


def publish(backend: Backend, seller: Seller, at: datetime) -> list[Report]:
    """Close the seller's settlement period at ``at``: one DONE report per marketplace with activity."""
    start = seller.last_settlement_end or at - timedelta(days=backend.timings.settlement_period_days)
    published = []
    for mp_id in seller.marketplace_ids:
        report_id = backend.next_report_id()
        settlement_id = str(int(report_id) - 48_000_000_000)  # unique too, and numeric like Amazon's
        built = build(seller, mp_id, start, at, settlement_id, backend.internal_errors)
        if built is None:
            continue
        content, _total = built
        seller.settlement_seq += 1
        report = Report(report_id=report_id, seller_id=seller.seller_id, report_type=SETTLEMENT_V2,
                        marketplace_ids=[mp_id], created=at, data_start=start, data_end=at, status=DONE,
                        processing_start=at, processing_end=at)
        report.document_id = store_document(backend, seller, content, at)
        seller.reports[report_id] = report
        emit_finished(backend, seller, report, at)
        published.append(report)
    seller.last_settlement_end = at
    return published


def schedule_for(backend: Backend, seller: Seller, now: datetime) -> None:
    """Arm the seller's settlement publications: the first one period after ``now``, then every period."""
    if seller.last_settlement_end is None:
        seller.last_settlement_end = now
    _arm(backend, seller, now + timedelta(days=backend.timings.settlement_period_days))


def _arm(backend: Backend, seller: Seller, due: datetime) -> None:
    def fire(at: datetime) -> None:
        if backend.sellers.get(seller.seller_id) is not seller:
            return  # removed, or the sandbox was reset
        try:
            publish(backend, seller, at)
        except Exception as exc:  # a bug here must not become the 500 of whoever moved the clock
            backend.internal_errors.append(f"settlement {seller.seller_id} at {at.isoformat()}: {exc!r}")
        _arm(backend, seller, at + timedelta(days=backend.timings.settlement_period_days))

    backend.events.at(due, fire, f"settlement {seller.seller_id}")
