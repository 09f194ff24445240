"""What Amazon now knows, as plain JSON for ``/_sandbox/*`` (not Amazon's wire shapes)."""

from __future__ import annotations

from typing import Any

from .state import Listing, Order


def order_view(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.order_id, "status": order.status, "marketplace_id": order.marketplace_id,
        "fulfillment_channel": order.fulfillment_channel, "service_level": order.service_level,
        "purchase_date": order.purchase_date.isoformat(), "last_updated": order.last_updated.isoformat(),
        "is_prime": order.is_prime, "is_business": order.is_business, "payment_method": order.payment_method,
        "buyer_cancel_reason": order.buyer_cancel_reason, "cancelled_by": order.cancelled_by,
        "cancel_reason": order.cancel_reason, "late": order.late, "shipment_status": order.shipment_status,
        "programs": list(order.programs), "currency": order.currency,
        "lines": [{"order_item_id": ln.order_item_id, "sku": ln.sku, "asin": ln.asin, "quantity": ln.quantity,
                   "quantity_shipped": ln.quantity_shipped, "quantity_cancelled": ln.quantity_cancelled,
                   "unit_price": str(ln.unit_price)} for ln in order.lines],
        "shipments": [{"package_reference_id": s.package_reference_id, "carrier_code": s.carrier_code,
                       "carrier_name": s.carrier_name, "shipping_method": s.shipping_method,
                       "tracking_number": s.tracking_number, "ship_date": s.ship_date.isoformat(),
                       "source": s.source, "confirmed_at": s.confirmed_at.isoformat(),
                       "delivered_at": s.delivered_at.isoformat() if s.delivered_at else None,
                       "items": [{"order_item_id": i.order_item_id, "quantity": i.quantity} for i in s.items]}
                      for s in order.shipments],
    }


def listing_view(listing: Listing) -> dict[str, Any]:
    attrs = listing.attributes
    availability = (attrs.get("fulfillment_availability") or [{}])[0]
    offer = (attrs.get("purchasable_offer") or [{}])[0]
    try:
        price = offer["our_price"][0]["schedule"][0]["value_with_tax"]
    except (KeyError, IndexError, TypeError):
        price = None
    return {
        "sku": listing.sku, "asin": listing.asin, "marketplace_id": listing.marketplace_id,
        "title": listing.title, "fulfillment_channel": listing.fulfillment_channel,
        "quantity": availability.get("quantity"), "lead_time_to_ship_max_days":
            availability.get("lead_time_to_ship_max_days"),
        "price": price, "currency": offer.get("currency"), "status": listing.status,
        "last_updated": listing.last_updated.isoformat(), "pending_changes": len(listing.pending),
    }
