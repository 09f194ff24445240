"""Helpers for the sandbox's Reports API tests (I4): create, wait, download, parse, ship."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import timedelta

from sellerbridge.sandbox.backend import AccessToken, Subscription
from sellerbridge.sandbox.state import PARTIALLY_SHIPPED, SHIPPED, Shipment, ShipmentItem
from tests.support.models import validate_response

BASE = "/reports/2021-06-30"
US = "ATVPDKIKX0DER"
ALL_ORDERS = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
ACTIONABLE = "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING"
LISTINGS = "GET_MERCHANT_LISTINGS_ALL_DATA"
SETTLEMENT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"


def checked(response, operation: str, status: int):
    """Assert the status, validate the body against Amazon's model, return the parsed body."""
    assert response.status_code == status, response.text
    body = response.json() if response.content else None
    validate_response("reports", operation, status, body)
    return body


def create_report(client, report_type: str = ALL_ORDERS, **spec) -> str:
    body = {"reportType": report_type, "marketplaceIds": [US], **spec}
    return checked(client.post(f"{BASE}/reports", json=body), "createReport", 202)["reportId"]


def get_report(client, report_id: str) -> dict:
    return checked(client.get(f"{BASE}/reports/{report_id}"), "getReport", 200)


def run_report(sandbox, client, report_type: str = ALL_ORDERS, **spec) -> dict:
    """Create a report and move the clock until Amazon has finished it."""
    report_id = create_report(client, report_type, **spec)
    sandbox.advance(sandbox.backend.timings.report_queue_seconds + 60)
    report = get_report(client, report_id)
    assert report["processingStatus"] in ("DONE", "CANCELLED", "FATAL")
    return report


def document_bytes(sandbox, client, document_id: str, token: str | None = None) -> bytes:
    """getReportDocument, then the download from the pre-signed URL (still compressed)."""
    doc = checked(client.get(f"{BASE}/documents/{document_id}", token=token), "getReportDocument", 200)
    assert doc["compressionAlgorithm"] == "GZIP"
    raw = sandbox.http.get(doc["url"])
    assert raw.status_code == 200, raw.text
    return raw.content


def parse_tsv(content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    text = gzip.decompress(content).decode("utf-8")
    reader = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    header, *rows = list(reader)
    assert all(len(row) == len(header) for row in rows)
    return header, [dict(zip(header, row, strict=True)) for row in rows]


def report_rows(sandbox, client, report: dict, token: str | None = None) -> tuple[list[str], list[dict]]:
    return parse_tsv(document_bytes(sandbox, client, report["reportDocumentId"], token))


def create_orders(sandbox, seller_id: str, count: int, **spec) -> list[str]:
    r = sandbox.http.post(f"/_sandbox/sellers/{seller_id}/orders",
                          json={"count": count, "status": "Unshipped", **spec})
    assert r.status_code == 201, r.text
    return r.json()["order_ids"]


def ship(sandbox, seller_id: str, order_id: str, items: dict[str, int] | None = None) -> None:
    """Confirm a package the way confirmShipment does, straight on the backend's state."""
    backend = sandbox.backend
    with backend.lock:
        seller = backend.sellers[seller_id]
        order = seller.orders[order_id]
        now = backend.now()
        items = items or {ln.order_item_id: ln.quantity_unshipped for ln in order.lines}
        order.shipments.append(Shipment(
            package_reference_id=str(len(order.shipments) + 1), carrier_code="UPS", carrier_name=None,
            shipping_method="Ground", tracking_number=f"1Z{len(order.shipments):06d}", ship_date=now,
            items=[ShipmentItem(k, v) for k, v in items.items()], confirmed_at=now, source="confirmShipment"))
        for item_id, quantity in items.items():
            order.line(item_id).quantity_shipped += quantity
        done = all(ln.quantity_unshipped == 0 for ln in order.lines)
        order.status = SHIPPED if done else PARTIALLY_SHIPPED
        backend.touch_order(seller, order, now)


def insert_rdt(sandbox, creds, path: str) -> str:
    """A Restricted Data Token for GET ``path``, put straight into the backend."""
    backend = sandbox.backend
    token = AccessToken(token=f"Atz.sprdt|{len(backend.access_tokens)}", client_id=creds.client_id,
                        seller_id=creds.seller_id, expires=backend.now() + timedelta(hours=1),
                        restricted=[{"method": "GET", "path": path}])
    backend.access_tokens[token.token] = token
    return token.token


def subscribe(sandbox, creds, notification_type: str = "REPORT_PROCESSING_FINISHED") -> None:
    sandbox.backend.notifications.subscriptions["sub-reports"] = Subscription(
        subscription_id="sub-reports", seller_id=creds.seller_id, client_id=creds.client_id,
        notification_type=notification_type, destination_id="dest-1", payload_version="2020-09-04")


def outbox_payloads(sandbox) -> list[dict]:
    return [n.payload for n in sandbox.backend.notifications.outbox
            if n.notification_type == "REPORT_PROCESSING_FINISHED"]
