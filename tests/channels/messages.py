"""Warehouse messages for the channel tests (docs/warehouse.md message schema, version 1)."""

from __future__ import annotations

from typing import Any

from sellerbridge.domain.ports.deliveries import Message, ReceiverKind, ReceiverSpec

SHIP_TO = {"name": "Zoë Ångström 山田 🚀", "line1": "1 Rue de l'Église", "line2": None, "line3": None,
           "city": "Montréal", "state_or_region": "QC", "postal_code": "H2X 1Y4", "country_code": "CA",
           "phone": "+1 514 555 0100", "company": None, "address_type": "Residential"}


def body(delivery_id: int, *, topic: str = "order.created", pii: bool = True, title: str = "Widget® café 東京 😀",
         lines: int = 2, sku: str = "SB-001") -> dict[str, Any]:
    return {
        "schema": "sellerbridge.warehouse.order/1", "message_id": f"d-{delivery_id}", "topic": topic,
        "occurred_at": "2026-12-02T10:00:00Z", "connection": {"id": 1, "name": "acme-us",
                                                             "marketplace_id": "ATVPDKIKX0DER"},
        "pii": "included" if pii else "withheld",
        "order": {
            "id": 40 + delivery_id, "amazon_order_id": f"113-0000000-00000{delivery_id:02d}", "version": 1,
            "status": "unshipped", "purchase_date": "2026-12-01T09:00:00Z", "latest_ship_date": None,
            "latest_delivery_date": None, "service_level": "Standard", "ship_method": None, "handling": "parcel",
            "ship_not_before": None, "is_prime": False, "is_business": False, "is_premium": False,
            "purchase_order_number": None, "currency": "USD", "order_total": "12.34", "cancel_reason": None,
            "lines": [{"order_item_id": f"{delivery_id}-{n}", "sku": sku, "asin": "B000000001", "title": title,
                       "quantity": n + 1, "quantity_shipped": 0, "quantity_cancelled": 0, "unit_price": "6.17"}
                      for n in range(lines)],
            "ship_to": dict(SHIP_TO) if pii else None,
            "buyer": {"name": SHIP_TO["name"]} if pii else None,
        },
    }


def message(delivery_id: int, **kwargs: Any) -> Message:
    data = body(delivery_id, **kwargs)
    return Message(delivery_id, data["message_id"], data["topic"], data)


def local_receiver(directory, *, file_format: str = "json", receiver_id: int = 3, **config: Any) -> ReceiverSpec:
    return ReceiverSpec(receiver_id, 1, ReceiverKind.LOCAL_DIR, "wms-local", {"directory": str(directory), **config},
                        file_format=file_format)


def sftp_receiver(server, *, file_format: str = "json", receiver_id: int = 4, secrets=None,
                  **config: Any) -> ReceiverSpec:
    return ReceiverSpec(receiver_id, 1, ReceiverKind.SFTP, "wms-sftp", {**server.config("/wms"), **config},
                        secrets={"password": server.password} if secrets is None else secrets,
                        file_format=file_format)
