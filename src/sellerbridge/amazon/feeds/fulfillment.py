"""The ``POST_ORDER_FULFILLMENT_DATA`` feed: one ``OrderFulfillment`` message per package (C2; OrderFulfillment.xsd).

Per package: ``AmazonOrderID``, ``MerchantFulfillmentID`` = the hub's package id (Amazon's package
reference: the key of "exactly once"), ``FulfillmentDate`` (the ship date, UTC), ``FulfillmentData`` with
``CarrierCode`` (Amazon's list) or, for a carrier Amazon does not list, ``CarrierName`` alone (the schema's
choice between the two), ``ShippingMethod``, ``ShipperTrackingNumber``; then an ``Item`` per line with
``AmazonOrderItemCode`` and ``Quantity``. The ``MessageID`` is the package id too, so a processing report's
result names its package without a mapping kept anywhere. Golden files: tests/contract/golden/feeds/.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from ...domain.ports.confirmations import PackageToConfirm
from ..transport.session import iso
from .xml import envelope, sub, to_bytes

FEED_TYPE = "POST_ORDER_FULFILLMENT_DATA"
CONTENT_TYPE = "text/xml; charset=UTF-8"
OTHER = "Other"


def build_fulfillment_feed(merchant_id: str, packages: Sequence[PackageToConfirm]) -> bytes:
    """The feed document (UTF-8 XML) confirming ``packages``."""
    if not packages:
        raise ValueError("a fulfillment feed needs at least one package")
    root = envelope(merchant_id, "OrderFulfillment")
    for package in packages:
        message = ET.SubElement(root, "Message")
        sub(message, "MessageID", package.package_id)
        of = ET.SubElement(message, "OrderFulfillment")
        sub(of, "AmazonOrderID", package.amazon_order_id)
        sub(of, "MerchantFulfillmentID", package.package_id)
        sub(of, "FulfillmentDate", iso(package.ship_date, "ship_date"))
        data = ET.SubElement(of, "FulfillmentData")
        if package.carrier_code == OTHER or not package.carrier_code:
            sub(data, "CarrierName", package.carrier_name or OTHER)
        else:
            sub(data, "CarrierCode", package.carrier_code)
        if package.ship_method:
            sub(data, "ShippingMethod", package.ship_method)
        sub(data, "ShipperTrackingNumber", package.tracking_number)
        for line in package.lines:
            item = ET.SubElement(of, "Item")
            sub(item, "AmazonOrderItemCode", line.order_item_id)
            sub(item, "Quantity", line.quantity)
    return to_bytes(root)
