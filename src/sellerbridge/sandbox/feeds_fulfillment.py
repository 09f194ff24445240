"""Shipment confirmation by feed: the XML and flat-file fulfillment feeds (C1, C2, C4, I4).

Feed types ``POST_ORDER_FULFILLMENT_DATA`` (XML) and ``POST_FLAT_FILE_FULFILLMENT_DATA`` (tab-separated).

Each OrderFulfillment message (XML) or data row (flat file) is one package, applied with
:func:`shipping.confirm` under the same rules as ``confirmShipment``. The result is Amazon's XML
processing report: a summary (processed / successful / with error) and one ``Result`` per failed
message, naming the order in ``AdditionalInfo``.

How the two formats fail, as at Amazon:

- XML is validated as a whole first (well-formed, an ``AmazonEnvelope`` of ``OrderFulfillment``
  messages with their required elements). A document that fails gives a report with a single error
  (MessageID 0) and changes nothing; ResultMessageCode 5001 is Amazon's code for an XML parsing
  error. Then each message is applied on its own: one bad message does not stop the others.
- A flat file needs its header row (``order-id`` and ``ship-date`` at least; Amazon's template may
  put a ``TemplateType=`` row above it); then every row stands alone, its MessageID being its row
  number among the data rows.
- No ``Item`` (XML) / blank ``order-item-id`` (flat file) ships every unshipped unit of the order; no
  ``Quantity`` / blank ``quantity`` ships the line's unshipped quantity. Neither format carries a
  package number unless the XML has ``MerchantFulfillmentID``: Amazon numbers the package itself.

The other ResultMessageCodes are the sandbox's own (Amazon does not publish its list); see
``RESULT_CODES``. The report is UTF-8: carrier names with accents or emoji pass through unharmed.
Processing never raises: an unexpected failure is recorded in ``backend.internal_errors`` (a sandbox
bug) and the feed ends FATAL.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from . import shipping
from .feed_processors import FeedOutcome, register
from .state import Order, Seller
from .timefmt import parse_iso_datetime

if TYPE_CHECKING:
    from .backend import Backend
    from .state import Feed

XML_FEED = "POST_ORDER_FULFILLMENT_DATA"
FLAT_FEED = "POST_FLAT_FILE_FULFILLMENT_DATA"
RESULT_CONTENT_TYPE = "text/xml; charset=UTF-8"

PARSE_ERROR = 5001  # Amazon's code for an XML parsing error
DOCUMENT_ERROR = 5000  # well-formed but not a fulfillment document (sandbox's choice)
RESULT_CODES: dict[str, int] = {
    "OrderNotFound": 18001, "MissingField": 18002, "InvalidValue": 18003,
    "FulfilledByAmazon": 18010, "OrderPending": 18011, "OrderCanceled": 18012, "OrderAlreadyShipped": 18013,
    "OrderNotShippable": 18014, "InvalidPackageReferenceId": 18020, "DuplicatePackageReferenceId": 18021,
    "MissingCarrier": 18030, "InvalidCarrierCode": 18031, "MissingCarrierName": 18032,
    "ShipDateInFuture": 18040, "ShipDateBeforePurchase": 18041, "MissingOrderItems": 18050,
    "InvalidOrderItemId": 18051, "DuplicateOrderItemId": 18052, "InvalidQuantity": 18053,
    "QuantityExceedsUnshipped": 18054,
}
OTHER_ERROR = 18099

_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
# Characters XML 1.0 cannot carry at all; they are dropped from report text.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass
class Result:
    message_id: int
    code: int
    description: str
    order_id: str | None = None


@dataclass
class Package:
    """One message or row, read but not yet applied."""

    message_id: int
    order_ref: str  # AmazonOrderID (or the seller's MerchantOrderID)
    ship_date: datetime
    carrier_code: str | None
    carrier_name: str | None
    shipping_method: str | None
    tracking_number: str | None
    items: list[tuple[str, int | None]] = field(default_factory=list)  # empty: the whole order
    package_reference_id: str | None = None


class DocumentError(Exception):
    """The whole document is refused: one error, no changes."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


# --- the processing report ---------------------------------------------------------------------


def _text(value: object) -> str:
    return _NOT_XML.sub("", str(value))


def _sub(parent: ET.Element, tag: str, text: object) -> ET.Element:
    child = ET.SubElement(parent, tag)
    child.text = _text(text)
    return child


def processing_report(seller: Seller, feed: Feed, processed: int, successful: int,
                      results: list[Result]) -> bytes:
    """Amazon's ProcessingReport envelope, UTF-8 encoded."""
    env = ET.Element("AmazonEnvelope", {"xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                                        "xsi:noNamespaceSchemaLocation": "amzn-envelope.xsd"})
    header = ET.SubElement(env, "Header")
    _sub(header, "DocumentVersion", "1.02")
    _sub(header, "MerchantIdentifier", seller.seller_id)
    _sub(env, "MessageType", "ProcessingReport")
    message = ET.SubElement(env, "Message")
    _sub(message, "MessageID", 1)
    report = ET.SubElement(message, "ProcessingReport")
    _sub(report, "DocumentTransactionID", feed.feed_id)
    _sub(report, "StatusCode", "Complete")
    summary = ET.SubElement(report, "ProcessingSummary")
    _sub(summary, "MessagesProcessed", processed)
    _sub(summary, "MessagesSuccessful", successful)
    _sub(summary, "MessagesWithError", len(results))
    _sub(summary, "MessagesWithWarning", 0)
    for r in results:
        node = ET.SubElement(report, "Result")
        _sub(node, "MessageID", r.message_id)
        _sub(node, "ResultCode", "Error")
        _sub(node, "ResultMessageCode", r.code)
        _sub(node, "ResultDescription", r.description)
        if r.order_id:
            _sub(ET.SubElement(node, "AdditionalInfo"), "AmazonOrderID", r.order_id)
    ET.indent(env)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(env, encoding="unicode").encode("utf-8")


# --- applying packages -------------------------------------------------------------------------


def _find_order(seller: Seller, ref: str) -> Order | None:
    order = seller.orders.get(ref)
    if order is None:  # a MerchantOrderID the seller gave the order
        order = next((o for o in seller.orders.values() if o.seller_order_id == ref), None)
    return order


def _apply(backend: Backend, seller: Seller, package: Package, source: str, now: datetime) -> Result | None:
    if backend.faults.take(source, seller.seller_id, kinds=("feed_skip",)) is not None:
        return None  # scripted: reported as applied, not applied (faults.py)
    order = _find_order(seller, package.order_ref)
    if order is None:
        return Result(package.message_id, RESULT_CODES["OrderNotFound"],
                      f"The order id {package.order_ref} was not found in our system.", package.order_ref)
    items: list[tuple[str, int]] = []
    for order_item_id, quantity in package.items:
        if quantity is None:  # no quantity: the line's unshipped units
            line = order.line(order_item_id)
            quantity = line.quantity_unshipped if line is not None else 0  # unknown ids: refused below
        items.append((order_item_id, quantity))
    if not package.items:  # no items: every unshipped unit of the order
        items = [(ln.order_item_id, ln.quantity_unshipped) for ln in order.lines if ln.quantity_unshipped > 0]
    try:
        shipping.confirm(
            backend, seller, order,
            package_reference_id=package.package_reference_id or shipping.next_package_reference_id(order),
            carrier_code=package.carrier_code, carrier_name=package.carrier_name,
            shipping_method=package.shipping_method, tracking_number=package.tracking_number,
            ship_date=package.ship_date, items=items,
            source=source, now=now)
    except shipping.ShipmentRejected as exc:
        return Result(package.message_id, RESULT_CODES.get(exc.code, OTHER_ERROR), exc.message, order.order_id)
    return None


Reader = Callable[[bytes, datetime], tuple[list[Package], list[Result], int]]


def _run(backend: Backend, seller: Seller, feed: Feed, content: bytes, now: datetime, source: str,
         read: Reader) -> FeedOutcome:
    try:
        try:
            packages, pre_errors, processed = read(content, now)
        except DocumentError as exc:
            report = processing_report(seller, feed, 0, 0, [Result(0, exc.code, exc.description)])
            return FeedOutcome("DONE", report, RESULT_CONTENT_TYPE, 0)
        results = list(pre_errors)
        for package in packages:
            result = _apply(backend, seller, package, source, now)
            if result is not None:
                results.append(result)
        results.sort(key=lambda r: r.message_id)
        report = processing_report(seller, feed, processed, processed - len(results), results)
        return FeedOutcome("DONE", report, RESULT_CONTENT_TYPE, processed)
    except Exception as exc:  # a sandbox bug: record it, never crash the feed lifecycle
        backend.internal_errors.append(f"{source} feed {feed.feed_id}: {exc!r}")
        report = processing_report(seller, feed, 0, 0, [Result(0, OTHER_ERROR, "Internal error.")])
        return FeedOutcome("FATAL", report, RESULT_CONTENT_TYPE, 0)


# --- XML: POST_ORDER_FULFILLMENT_DATA ----------------------------------------------------------


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(elem: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in elem if _local(c.tag) == name]


def _value(elem: ET.Element, name: str) -> str | None:
    found = _children(elem, name)
    if not found:
        return None
    text = (found[0].text or "").strip()
    return text or None


def _parse_xml(content: bytes) -> ET.Element:
    if _DTD.search(content):  # no DTDs, so no entity expansion tricks
        raise DocumentError(PARSE_ERROR, "XML Parsing Fatal Error: DOCTYPE and ENTITY declarations are not allowed.")
    try:
        return ET.fromstring(content)
    except ET.ParseError as exc:
        line, column = exc.position
        reason = re.sub(r":? line \d+, column \d+$", "", str(exc))
        raise DocumentError(PARSE_ERROR,
                            f"XML Parsing Fatal Error at Line {line}, Column {column}: {reason}.") from None
    except (ValueError, RecursionError) as exc:
        raise DocumentError(PARSE_ERROR, f"XML Parsing Fatal Error: {exc}.") from None


def _xml_package(message: ET.Element, position: int) -> Package:
    def invalid(what: str) -> DocumentError:
        return DocumentError(DOCUMENT_ERROR, f"Message {position}: {what}")

    raw_id = _value(message, "MessageID")
    message_id = shipping.whole_number(raw_id)
    if message_id is None or message_id <= 0:
        raise invalid("MessageID is required and must be a positive integer.")
    fulfillments = _children(message, "OrderFulfillment")
    if not fulfillments:
        raise invalid("the OrderFulfillment element is missing.")
    of = fulfillments[0]
    order_ref = _value(of, "AmazonOrderID") or _value(of, "MerchantOrderID")
    if order_ref is None:
        raise invalid("AmazonOrderID or MerchantOrderID is required.")
    raw_date = _value(of, "FulfillmentDate")
    if raw_date is None:
        raise invalid("FulfillmentDate is required.")
    ship_date = parse_iso_datetime(raw_date)
    if ship_date is None:
        raise invalid(f"FulfillmentDate '{raw_date}' is not a valid xsd:dateTime.")
    data = (_children(of, "FulfillmentData") or [ET.Element("FulfillmentData")])[0]
    carrier_code, carrier_name = _value(data, "CarrierCode"), _value(data, "CarrierName")
    if carrier_code is None and carrier_name is not None:
        carrier_code = "Other"  # the schema's choice: a carrier Amazon does not list goes by its name
    items: list[tuple[str, int | None]] = []
    for item in _children(of, "Item"):
        item_id = _value(item, "AmazonOrderItemCode") or _value(item, "MerchantOrderItemID")
        if item_id is None:
            raise invalid("Item needs an AmazonOrderItemCode.")
        raw_qty = _value(item, "Quantity")
        quantity = shipping.whole_number(raw_qty)
        if raw_qty is not None and quantity is None:
            raise invalid(f"Quantity '{raw_qty}' is not a valid xsd:positiveInteger.")
        items.append((item_id, quantity))
    return Package(message_id, order_ref, ship_date, carrier_code, carrier_name,
                   _value(data, "ShippingMethod"), _value(data, "ShipperTrackingNumber"), items,
                   _value(of, "MerchantFulfillmentID"))


def read_xml(content: bytes, now: datetime) -> tuple[list[Package], list[Result], int]:
    root = _parse_xml(content)
    if _local(root.tag) != "AmazonEnvelope":
        raise DocumentError(DOCUMENT_ERROR, f"The root element must be AmazonEnvelope, not {_local(root.tag)}.")
    message_type = _value(root, "MessageType")
    if message_type != "OrderFulfillment":
        raise DocumentError(DOCUMENT_ERROR,
                            f"MessageType '{message_type}' is not valid for {XML_FEED}; expected OrderFulfillment.")
    messages = _children(root, "Message")
    packages = [_xml_package(m, n) for n, m in enumerate(messages, start=1)]
    return packages, [], len(packages)


@register(XML_FEED)
def process_order_fulfillment(backend: Backend, seller: Seller, feed: Feed, content: bytes,
                              now: datetime) -> FeedOutcome:
    return _run(backend, seller, feed, content, now, XML_FEED, read_xml)


# --- flat file: POST_FLAT_FILE_FULFILLMENT_DATA ------------------------------------------------

FLAT_COLUMNS = ("order-id", "order-item-id", "quantity", "ship-date", "carrier-code", "carrier-name",
                "tracking-number", "ship-method")
REQUIRED_COLUMNS = ("order-id", "ship-date")


def _decode(content: bytes) -> str:
    # Amazon takes UTF-8 and, from older tools, Windows-1252 / Latin-1 files; never fail on bytes.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def _flat_row(row: dict[str, str], number: int, now: datetime) -> Package | Result:
    order_ref = row.get("order-id", "")
    if not order_ref:
        return Result(number, RESULT_CODES["MissingField"], "order-id is required.")
    raw_date = row.get("ship-date", "")
    if not raw_date:
        return Result(number, RESULT_CODES["MissingField"], "ship-date is required.", order_ref)
    ship_date = shipping.parse_feed_date(raw_date, now)
    if ship_date is None:
        return Result(number, RESULT_CODES["InvalidValue"],
                      f"ship-date '{raw_date}' is not a valid date (YYYY-MM-DD or an ISO 8601 date-time).",
                      order_ref)
    items: list[tuple[str, int | None]] = []
    item_id, raw_qty = row.get("order-item-id", ""), row.get("quantity", "")
    quantity = shipping.whole_number(raw_qty)
    if raw_qty and quantity is None:
        return Result(number, RESULT_CODES["InvalidValue"], f"quantity '{raw_qty}' is not a whole number.",
                      order_ref)
    if item_id:
        items.append((item_id, quantity))
    carrier_code, carrier_name = row.get("carrier-code") or None, row.get("carrier-name") or None
    if carrier_code is None and carrier_name is not None:
        carrier_code = "Other"
    return Package(number, order_ref, ship_date, carrier_code, carrier_name, row.get("ship-method") or None,
                   row.get("tracking-number") or None, items)


def read_flat_file(content: bytes, now: datetime) -> tuple[list[Package], list[Result], int]:
    lines = [ln for ln in _decode(content).splitlines() if ln.strip()]
    if lines and lines[0].lower().startswith("templatetype="):
        lines = lines[1:]
    if not lines:
        raise DocumentError(DOCUMENT_ERROR, "The file is empty: a header row and data rows are required.")
    header = [h.strip().lower().replace("_", "-") for h in lines[0].split("\t")]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise DocumentError(DOCUMENT_ERROR,
                            f"The header row is missing required column(s): {', '.join(missing)}. "
                            f"Expected tab-separated columns: {', '.join(FLAT_COLUMNS)}.")
    packages: list[Package] = []
    errors: list[Result] = []
    for number, line in enumerate(lines[1:], start=1):
        cells = [c.strip() for c in line.split("\t")]
        row = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}
        parsed = _flat_row(row, number, now)
        (packages if isinstance(parsed, Package) else errors).append(parsed)  # type: ignore[arg-type]
    return packages, errors, len(lines) - 1


@register(FLAT_FEED)
def process_flat_file_fulfillment(backend: Backend, seller: Seller, feed: Feed, content: bytes,
                                  now: datetime) -> FeedOutcome:
    return _run(backend, seller, feed, content, now, FLAT_FEED, read_flat_file)
