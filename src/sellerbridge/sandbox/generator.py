"""Deterministic data for a sandbox seller: a catalog and a live order stream (I4).

Everything random comes from ``random.Random`` seeded by the seller's seed, so the same seed, order
rate and clock steps give the same catalog and orders. Text deliberately carries non-ASCII
(accents, (R), CJK, emoji): Amazon's data has them and a hub must not choke on them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from . import listings_ops, marketplaces
from .state import (
    CANCELED,
    PENDING,
    SHIPPED,
    UNSHIPPED,
    Address,
    Buyer,
    Listing,
    Order,
    OrderLine,
    Seller,
    Shipment,
    ShipmentItem,
)

if TYPE_CHECKING:
    from .backend import Backend

PRODUCTS = [
    ("Café Crème® Espresso Cups, set of 4", "DRINKING_CUP", "24.99"),
    ("Müller Edelstahl-Thermoskanne 1 L", "BOTTLE", "32.50"),
    ("Nordic Wool Blanket – Ærø edition", "BLANKET", "89.00"),
    ("抹茶 Matcha Green Tea Powder 100 g", "TEA", "18.75"),
    ("Smiley Mug 😀 11 oz", "DRINKING_CUP", "12.99"),
    ("Crème brûlée Torch Pro™", "KITCHEN", "39.95"),
    ("Jalapeño Hot Sauce \"Señor Fuego\" 150 ml", "GROCERY", "7.49"),
    ("Łódź Linen Napkins (12)", "TABLE_LINEN", "21.00"),
    ("Bamboo Cutting Board 45×30 cm", "CUTTING_BOARD", "27.80"),
    ("Stainless Steel Straws, 8 pcs & brush", "DRINKING_STRAW", "9.99"),
    ("Ceramic Pour-Over Coffee Dripper", "COFFEE_MAKER", "22.40"),
    ("Cast Iron Skillet 10\" pre-seasoned", "COOKWARE", "44.00"),
    ("Organic Rooibos Tea – 40 bags", "TEA", "8.95"),
    ("Glass Storage Jars 1.5 L (set of 3)", "STORAGE_CONTAINER", "29.99"),
    ("Olive Wood Spoon Set ♻", "KITCHEN", "16.50"),
    ("Kühlschrank-Organizer Boxen 6er", "STORAGE_CONTAINER", "25.90"),
]

FIRST = ["José", "Zoë", "Łukasz", "Amélie", "Søren", "Siobhán", "Mary", "John", "Jürgen", "Ana María",
         "Ólafur", "Chloé", "Wei", "Yuki", "Renée", "Björn", "O'Neil", "Priya"]
LAST = ["Núñez", "Brontë", "Żółć", "Dubois", "Kierkegaard", "O'Brien", "Smith", "Johnson", "Groß",
        "García-López", "Þórsson", "Lefèvre", "Zhang", "山田", "Müller", "Åberg", "D'Angelo", "Patel"]
CITIES = {
    "US": [("Seattle", "WA", "98109"), ("San José", "CA", "95112"), ("Española", "NM", "87532"),
           ("New York", "NY", "10001"), ("Austin", "TX", "78701")],
    "CA": [("Montréal", "QC", "H2X 1Y4"), ("Toronto", "ON", "M5V 2T6")],
    "MX": [("Ciudad de México", "CDMX", "06600"), ("Mérida", "YUC", "97000")],
    "BR": [("São Paulo", "SP", "01310-100")],
    "GB": [("London", None, "SW1A 1AA"), ("Cardiff", None, "CF10 1EP")],
    "DE": [("München", "BY", "80331"), ("Köln", "NW", "50667"), ("Düsseldorf", "NW", "40213")],
    "FR": [("Orléans", None, "45000"), ("Besançon", None, "25000")],
    "IT": [("Forlì", None, "47121"), ("Milano", None, "20121")],
    "ES": [("A Coruña", None, "15001"), ("Cádiz", None, "11001")],
    "NL": [("Den Haag", None, "2511")], "SE": [("Göteborg", None, "411 03")],
    "PL": [("Kraków", None, "30-001")],
    "JP": [("千代田区", "東京都", "100-0001"), ("大阪市", "大阪府", "530-0001")],
    "AU": [("Sydney", "NSW", "2000")], "SG": [("Singapore", None, "018956")],
}
STREAM_PROGRAMS = ("IN_STORE_PICK_UP", "PREORDER", "AMAZON_EASY_SHIP", "FBM_SHIP_PLUS", "DELIVERY_BY_AMAZON")
BR_STREET = "Avenida Paulista"
STREETS = ["Main St", "Königstraße", "Rue de l'Église", "Calle Mayor", "Via Roma", "Hauptstraße", "1-1 丸の内"]
SHIP_LEVEL_TEXT = {"Standard": "Std Dom", "Expedited": "Exp Dom", "SecondDay": "Second Day",
                   "NextDay": "Next Day", "Scheduled": "Scheduled Delivery", "FreeEconomy": "FreeEconomy",
                   "SameDay": "Same Day"}
SERVICE_WEIGHTS = {"Standard": 60, "Expedited": 12, "SecondDay": 8, "NextDay": 6, "Scheduled": 2,
                   "FreeEconomy": 10, "SameDay": 2}
FBA_CHANNEL = {"NA": "AMAZON_NA", "EU": "AMAZON_EU", "FE": "AMAZON_FE"}


@dataclass
class OrderMix:
    """Shares of the order stream (seller.mix overrides any of them)."""

    fba: float = 0.2
    prime: float = 0.3
    business: float = 0.05
    net30: float = 0.5  # of business orders: NET-30 invoice payment
    multi_item: float = 0.25
    buyer_cancel: float = 0.02
    amazon_cancel: float = 0.02
    late: float = 0.03  # share of MFN orders given a ship-by already near (late if not shipped fast)
    programs: float = 0.0  # share of MFN orders given one of STREAM_PROGRAMS (pick-up, pre-order...)

    @classmethod
    def for_seller(cls, seller: Seller) -> OrderMix:
        mix = cls()
        for key, value in seller.mix.items():
            if hasattr(mix, key):
                setattr(mix, key, float(value))
        return mix


def _asin(rng: random.Random) -> str:
    return "B0" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(8))


def _listing_attributes(mp: marketplaces.Marketplace, title: str, price: Decimal, quantity: int | None,
                        channel: str, lead_days: int) -> dict:
    availability: dict = {"fulfillment_channel_code": channel}
    if channel == "DEFAULT":
        availability.update({"quantity": quantity, "lead_time_to_ship_max_days": lead_days})
    return {
        "item_name": [{"value": title, "language_tag": mp.language_tag, "marketplace_id": mp.marketplace_id}],
        "condition_type": [{"value": "new_new", "marketplace_id": mp.marketplace_id}],
        "purchasable_offer": [{
            "marketplace_id": mp.marketplace_id, "currency": mp.currency,
            "our_price": [{"schedule": [{"value_with_tax": float(price)}]}],
        }],
        "fulfillment_availability": [availability],
    }


def populate_catalog(seller: Seller, now: datetime) -> None:
    """Give the seller ``catalog_size`` SKUs, listed in each of its marketplaces (``fba_share`` FBA, 20%)."""
    rng = random.Random(f"catalog:{seller.seed}")
    for n in range(seller.catalog_size):
        title, product_type, base = PRODUCTS[n % len(PRODUCTS)]
        variant = n // len(PRODUCTS)
        if variant:
            title = f"{title} – #{variant + 1}"
        sku = f"SB-{seller.seed % 1000:03d}-{n:05d}"
        asin = _asin(rng)
        fba = rng.random() < seller.fba_share
        price = (Decimal(base) * Decimal(str(round(rng.uniform(0.9, 1.2), 2)))).quantize(Decimal("0.01"))
        quantity = rng.randint(0, 250)
        for mp_id in seller.marketplace_ids:
            mp = marketplaces.MARKETPLACES[mp_id]
            channel = FBA_CHANNEL[mp.region] if fba else "DEFAULT"
            listing = Listing(
                sku=sku, asin=asin, marketplace_id=mp_id, product_type=product_type, title=title,
                attributes=_listing_attributes(mp, title, price.quantize(marketplaces.quantum(mp.currency)), quantity,
                                               channel, rng.choice([1, 2, 3])),
                created=now, last_updated=now, fulfillment_channel=channel,
            )
            listings_ops.refresh(listing)  # status from the attributes: quantity 0 is not BUYABLE
            seller.listings[(sku, mp_id)] = listing


class OrderStream:
    """Creates a seller's orders at ``order_rate_per_hour`` (Poisson) and drives each through its life."""

    def __init__(self, backend: Backend, seller: Seller) -> None:
        self.backend = backend
        self.seller = seller
        self.rng = random.Random(f"orders:{seller.seed}")
        self.mix = OrderMix.for_seller(seller)
        self._arrival_pending = False  # one scheduled arrival at most: restarting never doubles the stream

    def start(self, now: datetime) -> None:
        """(Re)start the stream: a no-op when the rate is 0 or an arrival is already scheduled."""
        if self.seller.order_rate_per_hour > 0 and not self._arrival_pending:
            self._schedule_next(now)

    def _schedule_next(self, after: datetime) -> None:
        rate = self.seller.order_rate_per_hour
        if rate <= 0:  # stopped (rate 0 on a live stream): no next arrival, and no division by zero
            self._arrival_pending = False
            return
        self._arrival_pending = True
        gap = self.rng.expovariate(rate / 3600.0)
        self.backend.events.at(after + timedelta(seconds=gap), self._arrive, f"order {self.seller.seller_id}")

    def _arrive(self, at: datetime) -> None:
        self._arrival_pending = False
        if self.seller.seller_id not in self.backend.sellers:
            return  # the seller was removed or the sandbox reset
        if self.seller.order_rate_per_hour <= 0:
            return  # stopped since this arrival was scheduled: it does not come
        self.create_order(at)
        self._schedule_next(at)

    # --- one order --------------------------------------------------------------------------

    def create_order(self, at: datetime, *, fba: bool | None = None, status: str = PENDING,
                     programs: list[str] | tuple[str, ...] = ()) -> Order:
        """Create an order now. Used by the stream and by ``POST /_sandbox/sellers/{id}/orders``.

        Amounts are in the marketplace's currency at its ISO 4217 decimals (JP: whole yen); a Brazilian
        address has Amazon's extended fields; a gift has a wrap level; ``programs`` (Amazon's words) are
        the order's beyond the prime/business/premium flags."""
        rng, seller, mix = self.rng, self.seller, self.mix
        mfn_listings = [k for k, v in seller.listings.items() if v.fulfillment_channel == "DEFAULT"]
        fba_listings = [k for k, v in seller.listings.items() if v.fulfillment_channel != "DEFAULT"]
        if fba is None:
            fba = bool(fba_listings) and (rng.random() < mix.fba or not mfn_listings)
        pool = fba_listings if fba else mfn_listings
        if not pool:
            raise ValueError("the seller has no listings to order from")
        mp_id = rng.choice(seller.marketplace_ids)
        pool = [k for k in pool if k[1] == mp_id] or pool
        mp = marketplaces.MARKETPLACES[pool[0][1]]
        seller.order_seq += 1
        order_id = f"{rng.randint(100, 999)}-{rng.randint(0, 9999999):07d}-{rng.randint(0, 9999999):07d}"
        business = rng.random() < mix.business
        net30 = business and rng.random() < mix.net30
        level = rng.choices(list(SERVICE_WEIGHTS), weights=list(SERVICE_WEIGHTS.values()))[0]
        n_lines = rng.randint(2, 4) if rng.random() < mix.multi_item else 1
        lines = []
        for key in rng.sample(pool, min(n_lines, len(pool))):
            listing = seller.listings[key]
            seller.item_seq += 1
            qty = rng.choice([1, 1, 1, 2, 3])
            unit = marketplaces.quantum(mp.currency)
            price = Decimal(str(listing.attributes["purchasable_offer"][0]["our_price"][0]["schedule"][0]
                                ["value_with_tax"])).quantize(unit)
            shipping = Decimal("0") if level in ("Standard", "FreeEconomy") else Decimal("5.99").quantize(unit)
            gift = "Alles Gute zum Geburtstag! 🎂" if rng.random() < 0.03 else None
            lines.append(OrderLine(
                order_item_id=f"{seller.seed % 100:02d}{seller.item_seq:012d}", sku=listing.sku,
                asin=listing.asin, title=listing.title, quantity=qty, unit_price=price,
                item_tax=(price * qty * Decimal("0.08")).quantize(unit),
                shipping_price=shipping, shipping_tax=(shipping * Decimal("0.08")).quantize(unit),
                gift_message=gift, gift_wrap_level="STANDARD" if gift else None,
            ))
        city, state, postal = rng.choice(CITIES.get(mp.country, CITIES["US"]))
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        buyer_id = f"A{rng.randint(10**11, 10**12 - 1)}"
        handling = 0 if level in ("NextDay", "SameDay") else rng.choice([1, 2])
        late = not fba and rng.random() < mix.late
        if not programs and not fba and mix.programs and rng.random() < mix.programs:  # no draw at share 0
            programs = [rng.choice(STREAM_PROGRAMS)]
        latest_ship = at + (timedelta(hours=2) if late else timedelta(days=handling, hours=20))
        order = Order(
            order_id=order_id, seller_id=seller.seller_id, marketplace_id=mp.marketplace_id,
            currency=mp.currency, purchase_date=at, last_updated=at, status=status,
            fulfillment_channel="AFN" if fba else "MFN", service_level=level,
            ship_service_level=SHIP_LEVEL_TEXT[level],
            buyer=Buyer(buyer_id=buyer_id, name=name,
                        email=f"{rng.randbytes(8).hex()}@marketplace.amazon.{_email_tld(mp.country)}",
                        company="Ærøskøbing Handel GmbH" if business else None,
                        purchase_order_number=f"PO-{rng.randint(1000, 9999)}" if business else None),
            ship_to=_address(rng, name, city, state, postal, mp.country, business),
            lines=lines, earliest_ship=at, latest_ship=latest_ship,
            earliest_delivery=latest_ship + timedelta(days=1), latest_delivery=latest_ship + timedelta(days=5),
            is_prime=rng.random() < mix.prime, is_business=business, is_premium=level in ("NextDay", "SameDay"),
            payment_method="Invoice" if net30 else "Other", programs=list(programs),
        )
        seller.orders[order_id] = order
        self.backend.touch_order(seller, order, at)
        if status == PENDING:
            amazon_cancel = rng.random() < mix.amazon_cancel
            buyer_cancel = rng.random() < mix.buyer_cancel
            delay = timedelta(seconds=self.backend.timings.pending_seconds)
            self.backend.events.at(at + delay, lambda t, o=order, c=amazon_cancel, b=buyer_cancel:
                                   self._leave_pending(o, t, c, b), f"pending {order_id}")
        return order

    def _leave_pending(self, order: Order, at: datetime, amazon_cancel: bool, buyer_cancel: bool) -> None:
        if order.status != PENDING:
            return
        if amazon_cancel:
            order.status = CANCELED
            order.cancelled_by, order.cancel_reason = "AMAZON", "PaymentDeclined"
            for line in order.lines:
                line.quantity_cancelled = line.quantity
        else:
            order.status = UNSHIPPED
        self.backend.touch_order(self.seller, order, at)
        if order.status != UNSHIPPED:
            return
        if not order.is_mfn:
            ship_at = at + timedelta(seconds=self.backend.timings.fba_ship_seconds)
            self.backend.events.at(ship_at, lambda t, o=order: self._amazon_ships(o, t), f"afn {order.order_id}")
        elif buyer_cancel:
            ask_at = at + timedelta(minutes=self.rng.randint(5, 60))
            self.backend.events.at(ask_at, lambda t, o=order: self._buyer_asks_cancel(o, t), "buyer cancel")
        if order.is_mfn:
            self.backend.events.at(order.latest_ship, lambda t, o=order: self._check_late(o), "late")

    def _amazon_ships(self, order: Order, at: datetime) -> None:
        if order.status != UNSHIPPED:
            return
        order.shipments.append(Shipment(
            package_reference_id="1", carrier_code="AMZN_US", carrier_name=None, shipping_method=None,
            tracking_number=f"TBA{self.rng.randint(10**11, 10**12 - 1)}", ship_date=at,
            items=[ShipmentItem(ln.order_item_id, ln.quantity) for ln in order.lines],
            confirmed_at=at, source="AFN"))
        for line in order.lines:
            line.quantity_shipped = line.quantity
        order.status = SHIPPED
        self.backend.touch_order(self.seller, order, at)

    def _buyer_asks_cancel(self, order: Order, at: datetime) -> None:
        if order.status == UNSHIPPED and order.buyer_cancel_reason is None:
            order.buyer_cancel_reason = "BuyerCanceled"
            self.backend.touch_order(self.seller, order, at)

    @staticmethod
    def _check_late(order: Order) -> None:
        if order.status in (UNSHIPPED, "PartiallyShipped"):
            order.late = True


def _address(rng: random.Random, name: str, city: str, state: str | None, postal: str, country: str,
             business: bool) -> Address:
    """A ship-to address; in Brazil with Amazon's extended fields (street, number, complement,
    neighbourhood) and the municipality, as Amazon writes Brazilian addresses."""
    number, street = rng.randint(1, 999), rng.choice(STREETS)
    line2 = f"Apt {rng.randint(1, 40)}" if rng.random() < 0.3 else None
    address = Address(name=name, line1=f"{number} {street}", line2=line2, city=city, state_or_region=state,
                      postal_code=postal, country_code=country, phone=f"+1 206-555-{rng.randint(0, 9999):04d}",
                      address_type="Commercial" if business else "Residential")
    if country == "BR":
        address.line1 = f"{BR_STREET}, {number}"
        address.street_name, address.street_number, address.complement = BR_STREET, str(number), line2
        address.neighborhood, address.municipality = "Bela Vista", city
    return address


def _email_tld(country: str) -> str:
    return {"US": "com", "GB": "co.uk", "JP": "co.jp", "AU": "com.au", "MX": "com.mx", "BR": "com.br"}.get(
        country, country.lower())
