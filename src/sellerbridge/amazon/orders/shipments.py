"""Shipment confirmation with Orders v0 ``confirmShipment``, and the read-back of an order's packages (C2, C4).

- :meth:`ShipmentsApi.confirm_shipment`: one package per call (``packageReferenceId`` = the hub's package
  id, the key of "exactly once"). Amazon answers 204 with no body; a 400 is a refusal of this package,
  returned as an :class:`AmazonAnswer` with Amazon's code and text (C4), not an exception, so one bad
  package does not stop the others. Amazon's words for "this is shipped already" (the order shipped in
  full, the package reference used) are recognised (:func:`answer_of`): the flow reconciles them by
  reading the order, it never retries them. A 5xx or a timeout after the transport's retries is a
  retryable answer: the package goes back to the queue.
- :meth:`ShipmentsApi.order_packages`: ``getOrder`` (2026-01-01) with only ``FULFILLMENT`` and ``PACKAGES``
  (no buyer data, no Restricted Data Token), at low priority: read-back must not starve the order flows.
"""

from __future__ import annotations

import re
from typing import Any

from ...domain.ports.confirmations import OrderPackages, PackageToConfirm
from ...domain.shipments.confirmation import AmazonAnswer
from ..errors import AmazonError
from ..transport.session import SpApiSession, data_of, iso
from .v2026 import to_order_draft

READ_BACK_DATASETS = ("FULFILLMENT", "PACKAGES")
MAX_TEXT = 1000  # Amazon's text kept per package (its messages are short; a page of HTML is not)

# Amazon's words for a package it has already (sandbox and Seller Central wording; docs/amazon-quirks.md)
_ALREADY = re.compile(r"already\s+(been\s+)?(shipped|confirmed|used)|duplicate\s+package", re.IGNORECASE)
_CANCELLED = re.compile(r"\b(has\s+been\s+)?cancell?ed\b", re.IGNORECASE)


def confirm_body(package: PackageToConfirm) -> dict[str, Any]:
    """The ``ConfirmShipmentRequest`` of a package (Orders v0 model)."""
    detail: dict[str, Any] = {
        "packageReferenceId": str(package.package_id),  # a string: Amazon refuses a number since 2026
        "carrierCode": package.carrier_code,
        "trackingNumber": package.tracking_number,
        "shipDate": iso(package.ship_date, "ship_date"),
        "orderItems": [{"orderItemId": line.order_item_id, "quantity": line.quantity} for line in package.lines],
    }
    if package.carrier_name:
        detail["carrierName"] = package.carrier_name
    if package.ship_method:
        detail["shippingMethod"] = package.ship_method
    return {"marketplaceId": package.marketplace_id, "packageDetail": detail}


def answer_of(code: str | None, message: str | None, *, retryable: bool = False) -> AmazonAnswer:
    """Amazon's refusal as the hub's value: "already shipped" and "order cancelled" recognised (C2, C4)."""
    text = (message or "")[:MAX_TEXT]
    already = bool(_ALREADY.search(text)) or code in ("OrderAlreadyShipped", "DuplicatePackageReferenceId")
    cancelled = not already and (bool(_CANCELLED.search(text)) or code == "OrderCanceled")
    return AmazonAnswer(ok=False, code=code or "unknown", message=text or None, already_shipped=already,
                        order_cancelled=cancelled, retryable=retryable)


class ShipmentsApi(SpApiSession):
    """``confirmShipment`` and the read-back (part of ``ShipmentConfirmer``, domain/ports/confirmations.py)."""

    def confirm_shipment(self, package: PackageToConfirm) -> AmazonAnswer:
        try:
            self._call("confirmShipment", package.amazon_order_id, confirm_body(package))
        except AmazonError as exc:
            if exc.retryable or exc.status is None or exc.status >= 500 or exc.status in (401, 403, 429):
                raise  # the call as a whole: Amazon down, throttled past the deadline, the token refused
            return answer_of(exc.code, " ".join(p for p in (exc.message, exc.details) if p))
        return AmazonAnswer(ok=True)

    def order_packages(self, amazon_order_id: str) -> OrderPackages:
        answer = self._call("getOrder", amazon_order_id, included_data=list(READ_BACK_DATASETS), priority="low")
        order = data_of(answer).get("order")
        if order is None:
            raise AmazonError(f"getOrder answered without an order for {amazon_order_id}", retryable=True,
                              status=answer.status, operation="getOrder")
        draft = to_order_draft(order, marketplace_id=self.credentials.marketplace_id)
        return OrderPackages(draft.amazon_order_id, draft.status, draft.packages)
