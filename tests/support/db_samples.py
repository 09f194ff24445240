"""Sample records for store tests: order drafts with lines, money and PII that tests can look for, and
the order flow's store over a connection with a catalog and a ship method."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from sellerbridge.db.repositories import catalog, connections, shipping
from sellerbridge.db.store import Store
from sellerbridge.db.stores.orders import DbOrderStore, DbOrderTransaction
from sellerbridge.domain.common.money import Money
from sellerbridge.domain.orders.filters import OrderImportSettings
from sellerbridge.domain.orders.mapping import MappedOrder, map_order
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


def order_store(store: Store, *, pii_grant: bool = True, name: str = "us-main") -> DbOrderStore:
    """A connection with items SB-001..SB-003 and one Standard ship method, and its order store."""
    with store.uow() as s:
        connection_id = add_connection(s, store.box, name=name, seller_id=f"A1{name.upper()}").id
        if catalog.get_item_by_sku(s, "SB-001") is None:
            for n in range(1, 4):
                catalog.add_item(s, sku=f"SB-{n:03d}", description=f"Widget {n} (internal)")
            method = shipping.add_ship_method(s, code="UPS-GND", carrier="UPS", name="Ground")
            shipping.add_rule(s, service_level="Standard", ship_method_id=method.id)
    return DbOrderStore(store, connection_id, OrderImportSettings(pii_grant=pii_grant), now=lambda: T0)


def mapped(tx: DbOrderTransaction, order: OrderDraft) -> MappedOrder:
    """The draft mapped by the real rules over the transaction's views."""
    return map_order(order, tx.settings, tx.catalog, tx.customers, tx.ship_methods, email_hash=tx.email_hash)


def order_rows(session: Session, connection_id: int) -> dict[str, list[tuple]]:
    """What the connection's orders stored, by meaning (no row ids): orders, lines, holds, events, customers."""
    def rows(sql: str) -> list[tuple]:
        return sorted(tuple(row) for row in session.execute(text(sql), {"c": connection_id}))
    return {
        "orders": rows("SELECT amazon_order_id, status, send_to_warehouse, version, customer_id IS NOT NULL, "
                       "ship_method_id IS NOT NULL FROM orders WHERE connection_id = :c"),
        "lines": rows("SELECT o.amazon_order_id, l.order_item_id, l.quantity, l.item_id FROM order_lines l "
                      "JOIN orders o ON o.id = l.order_id WHERE o.connection_id = :c"),
        "holds": rows("SELECT o.amazon_order_id, l.order_item_id, h.quantity, h.status FROM holds h "
                      "JOIN order_lines l ON l.id = h.order_line_id JOIN orders o ON o.id = l.order_id "
                      "WHERE o.connection_id = :c"),
        "events": rows("SELECT e.topic, e.key, e.version FROM outbox e JOIN orders o ON o.amazon_order_id = e.key "
                       "WHERE o.connection_id = :c"),
        "customers": rows("SELECT COUNT(DISTINCT customer_id) FROM orders WHERE connection_id = :c"),
        "addresses": rows("SELECT o.amazon_order_id, a.city, a.postal_code, "
                          "CASE WHEN a.name_enc IS NULL THEN 0 ELSE 1 END "
                          "FROM order_addresses a JOIN orders o ON o.id = a.order_id WHERE o.connection_id = :c"),
    }
