"""Sample records for store tests: order drafts with lines, money and PII that tests can look for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sellerbridge.db.repositories import connections
from sellerbridge.domain.common.money import Money
from sellerbridge.domain.orders.model import (
    Address,
    Buyer,
    Fulfillment,
    OrderDraft,
    OrderLineDraft,
    OrderStatus,
    ServiceLevel,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SECRET_CLIENT = "amzn1.oa2-cs.v1.client-secret-do-not-leak"
SECRET_REFRESH = "Atzr|refresh-token-do-not-leak"
BUYER_NAME = "Zelda Quixotehouse"
BUYER_EMAIL = "zq7x2k@marketplace.amazon.com"
STREET = "742 Evergreen Terrace"
PHONE = "+1 555 0142 9981"
GIFT = "Happy birthday, Zelda!"


def add_connection(session, box, name: str = "us-main", seller_id: str = "A1SELLER", **kw):
    return connections.add_connection(
        session, box, name=name, seller_id=seller_id, marketplace_id=kw.pop("marketplace_id", "ATVPDKIKX0DER"),
        region="na", client_id="amzn1.application-oa2-client.abc", client_secret=SECRET_CLIENT,
        refresh_token=SECRET_REFRESH, now=T0, **kw,
    )


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def draft(
    amazon_order_id: str = "111-0000001-0000001",
    *,
    status: OrderStatus = OrderStatus.UNSHIPPED,
    updated: datetime = T0,
    lines: int = 3,
    pii: bool = True,
    fulfillment: Fulfillment = Fulfillment.MERCHANT,
    quantity: int = 2,
) -> OrderDraft:
    return OrderDraft(
        amazon_order_id=amazon_order_id,
        marketplace_id="ATVPDKIKX0DER",
        status=status,
        fulfillment=fulfillment,
        purchase_date=T0 - timedelta(hours=1),
        last_updated=updated,
        service_level=ServiceLevel.STANDARD,
        ship_service_level="Std US D2D Dom",
        lines=tuple(
            OrderLineDraft(
                order_item_id=f"{amazon_order_id[-7:]}{n:04d}",
                sku=f"SB-{n:03d}",
                asin=f"B0000000{n:02d}",
                title=f"Widget {n}",
                quantity=quantity,
                unit_price=usd("19.99"),
                item_tax=usd("1.60"),
                shipping_price=usd("4.99"),
                promotion_discount=usd("1.00"),
                gift_message=GIFT if pii and n == 1 else None,
            )
            for n in range(1, lines + 1)
        ),
        currency="USD",
        buyer=Buyer(email=BUYER_EMAIL if pii else None, name=BUYER_NAME if pii else None,
                    purchase_order_number="PO-77"),
        ship_to=Address(
            name=BUYER_NAME if pii else None, line1=STREET if pii else None, line2=None, line3=None,
            city="Springfield", state_or_region="OR", postal_code="97477", country_code="US",
            phone=PHONE if pii else None,
        ),
        is_prime=True,
        order_total=usd("79.74"),
    )
