"""Which Amazon orders a connection imports: its settings and the decision per order (B2-B4, B8, B9).

Rules, in the order they apply to an order the hub has NOT imported yet:

1. An ignored Amazon order id is skipped (B4).
2. A fulfillment channel the connection does not take is skipped (B3).
3. An order placed before the "don't process before" date is skipped (B4).
4. A status outside the connection's statuses is skipped (B2; default Unshipped + PartiallyShipped).
5. Lines whose SKU or ASIN is ignored are dropped (B4); with no line left the order is skipped.
6. What remains is imported; an Amazon-fulfilled (FBA) order is recorded only: kept for stock and
   accounting, never sent to the warehouse (B3).

An order already imported is always updated, whatever its new status: its cancellation (B9) or its
shipment must reach the hub even though CANCELLED or SHIPPED would not pass the filter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from .model import Fulfillment, OrderDraft, OrderStatus


class ProductCode(StrEnum):
    """What the order line carries as product code for the warehouse (B6)."""

    SKU = "sku"
    ASIN = "asin"


class ImportMode(StrEnum):
    """How orders enter the back office (B8)."""

    NORMAL = "normal"
    PURCHASE_ORDER = "purchase_order"  # for merchants who book Amazon orders as purchase orders
    COMPLETED = "completed"  # accounting only: never reaches the warehouse


DEFAULT_STATUSES = frozenset({OrderStatus.UNSHIPPED, OrderStatus.PARTIALLY_SHIPPED})
# Statuses a connection may choose to import (B2). Cancelled or unfulfillable orders are never
# imported new; they only update orders already imported.
SELECTABLE_STATUSES = DEFAULT_STATUSES | {OrderStatus.SHIPPED, OrderStatus.PENDING, OrderStatus.INVOICE_UNCONFIRMED}
# Both channels by default, as seed 003 does: FBA orders are only recorded (B3), so taking them costs
# the warehouse nothing and gives accounting every sale.
DEFAULT_CHANNELS = frozenset({Fulfillment.MERCHANT, Fulfillment.AMAZON})


@dataclass(frozen=True, slots=True)
class OrderImportSettings:
    """A connection's order-import settings (stored as a dict: :meth:`to_dict`/:meth:`from_dict`)."""

    statuses: frozenset[OrderStatus] = DEFAULT_STATUSES
    channels: frozenset[Fulfillment] = DEFAULT_CHANNELS
    not_before: datetime | None = None
    ignored_order_ids: frozenset[str] = frozenset()
    ignored_skus: frozenset[str] = frozenset()
    ignored_asins: frozenset[str] = frozenset()
    product_code: ProductCode = ProductCode.SKU
    import_mode: ImportMode = ImportMode.NORMAL
    pii_grant: bool = False  # the seller granted the restricted (PII) roles, and the hub may keep PII (B13)

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise once, here
        set_(self, "statuses", frozenset(OrderStatus(s) for s in self.statuses))
        set_(self, "channels", frozenset(Fulfillment(c) for c in self.channels))
        set_(self, "ignored_order_ids", _clean(self.ignored_order_ids))
        set_(self, "ignored_skus", _clean(self.ignored_skus))
        set_(self, "ignored_asins", frozenset(a.upper() for a in _clean(self.ignored_asins)))
        set_(self, "product_code", ProductCode(self.product_code))
        set_(self, "import_mode", ImportMode(self.import_mode))
        if not self.statuses or not self.statuses <= SELECTABLE_STATUSES:
            wrong = sorted(s.value for s in self.statuses - SELECTABLE_STATUSES) or ["none chosen"]
            raise ValueError(f"statuses to import must be among {sorted(s.value for s in SELECTABLE_STATUSES)}; "
                             f"got {', '.join(wrong)}")
        if not self.channels:
            raise ValueError("choose at least one fulfillment channel (MFN, AFN)")
        if self.not_before is not None and self.not_before.utcoffset() is None:
            raise ValueError("not_before must be timezone-aware")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (sorted lists, ISO date-time)."""
        return {
            "statuses": sorted(s.value for s in self.statuses),
            "channels": sorted(c.value for c in self.channels),
            "not_before": self.not_before.isoformat() if self.not_before else None,
            "ignored_order_ids": sorted(self.ignored_order_ids),
            "ignored_skus": sorted(self.ignored_skus),
            "ignored_asins": sorted(self.ignored_asins),
            "product_code": self.product_code.value,
            "import_mode": self.import_mode.value,
            "pii_grant": self.pii_grant,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OrderImportSettings:
        """The inverse of :meth:`to_dict`; missing keys take their defaults, unknown keys are an error."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown order-import settings: {', '.join(sorted(unknown))}")
        values = dict(data)
        if isinstance(values.get("not_before"), str):
            values["not_before"] = datetime.fromisoformat(values["not_before"])
        for key in ("statuses", "channels", "ignored_order_ids", "ignored_skus", "ignored_asins"):
            if key in values:
                if isinstance(values[key], str) or not isinstance(values[key], Iterable):
                    raise ValueError(f"{key} must be a list")
                values[key] = frozenset(values[key])
        if "pii_grant" in values and not isinstance(values["pii_grant"], bool):
            raise ValueError("pii_grant must be true or false")
        return cls(**values)


def _clean(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.strip() for v in values if v and v.strip())


class DecisionKind(StrEnum):
    IMPORT = "import"
    UPDATE = "update"  # already imported: apply the change, whatever the filters say (B9)
    RECORD_ONLY = "record_only"  # FBA: recorded for stock and accounting, never sent to the warehouse (B3)
    SKIP = "skip"


class SkipReason(StrEnum):
    IGNORED_ORDER = "ignored_order"
    CHANNEL_FILTERED = "channel_filtered"
    BEFORE_NOT_BEFORE = "before_not_before"
    STATUS_FILTERED = "status_filtered"
    ALL_LINES_IGNORED = "all_lines_ignored"


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one order. ``draft`` is the order with ignored lines dropped (map that one)."""

    kind: DecisionKind
    draft: OrderDraft
    reason: SkipReason | None = None
    dropped_lines: tuple[str, ...] = field(default_factory=tuple)  # order item ids left out (ignored SKU/ASIN)

    @property
    def imports(self) -> bool:
        return self.kind is not DecisionKind.SKIP


def _ignored(line, settings: OrderImportSettings) -> bool:
    return (line.sku is not None and line.sku.strip() in settings.ignored_skus) or (
        line.asin is not None and line.asin.strip().upper() in settings.ignored_asins)


def _status_selected(draft: OrderDraft, settings: OrderImportSettings) -> bool:
    if draft.status in settings.statuses:
        return True
    # Orders 2026-01-01 has no InvoiceUnconfirmed: a NET-30 order shows SHIPPED with invoice terms
    # (docs/amazon-quirks.md). Choosing InvoiceUnconfirmed therefore takes those.
    return (OrderStatus.INVOICE_UNCONFIRMED in settings.statuses and draft.status is OrderStatus.SHIPPED
            and draft.payment_terms == "Invoice")


def decide(draft: OrderDraft, settings: OrderImportSettings, *, already_imported: bool) -> Decision:
    """Apply the connection's filters to one order (B2-B4); see the module's rules."""
    kept = tuple(line for line in draft.lines if not _ignored(line, settings))
    dropped = tuple(line.order_item_id for line in draft.lines if _ignored(line, settings))
    if already_imported:
        # Lines ignored since the import stay out; if that leaves nothing, the order still gets its
        # update on all its lines, since a cancellation must never be lost.
        filtered = replace(draft, lines=kept) if kept else draft
        return Decision(DecisionKind.UPDATE, filtered, dropped_lines=dropped if kept else ())

    def skip(reason: SkipReason) -> Decision:
        return Decision(DecisionKind.SKIP, draft, reason)

    if draft.amazon_order_id.strip() in settings.ignored_order_ids:
        return skip(SkipReason.IGNORED_ORDER)
    if draft.fulfillment not in settings.channels:
        return skip(SkipReason.CHANNEL_FILTERED)
    if settings.not_before is not None and draft.purchase_date < settings.not_before:
        return skip(SkipReason.BEFORE_NOT_BEFORE)
    if not _status_selected(draft, settings):
        return skip(SkipReason.STATUS_FILTERED)
    if not kept:
        return Decision(DecisionKind.SKIP, draft, SkipReason.ALL_LINES_IGNORED, dropped_lines=dropped)
    kind = DecisionKind.RECORD_ONLY if draft.fulfillment is Fulfillment.AMAZON else DecisionKind.IMPORT
    return Decision(kind, replace(draft, lines=kept) if dropped else draft, dropped_lines=dropped)
