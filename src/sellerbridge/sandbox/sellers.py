"""Creating sandbox sellers with credentials, catalog and order stream (I4)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from . import marketplaces, settlements
from .backend import Backend
from .generator import OrderStream, populate_catalog
from .state import Seller


@dataclass
class SellerSpec:
    """What ``POST /_sandbox/sellers`` accepts (every field optional)."""

    seller_id: str | None = None
    marketplaces: list[str] = field(default_factory=lambda: ["US"])
    roles: list[str] | None = None
    catalog_size: int = 50
    fba_share: float = 0.2  # of the catalog fulfilled by Amazon (FBA listings)
    order_rate_per_hour: float = 0.0
    seed: int = 1
    usage_plans: dict[str, tuple[float, int]] = field(default_factory=dict)
    mix: dict[str, float] = field(default_factory=dict)
    client_id: str | None = None
    client_secret: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SellerSpec:
        allowed = set(cls.__dataclass_fields__)
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")
        spec = cls(**data)
        if not isinstance(spec.marketplaces, list) or not spec.marketplaces:
            raise ValueError("marketplaces must be a non-empty list")
        if not 0 <= int(spec.catalog_size) <= 100_000:
            raise ValueError("catalog_size must be between 0 and 100000")
        if not 0 <= float(spec.fba_share) <= 1:
            raise ValueError("fba_share must be between 0 and 1")
        if float(spec.order_rate_per_hour) < 0:
            raise ValueError("order_rate_per_hour must be >= 0")
        spec.usage_plans = {op: (float(v[0]), int(v[1])) for op, v in (spec.usage_plans or {}).items()}
        return spec


def create_seller(backend: Backend, spec: SellerSpec) -> dict[str, Any]:
    """Create the seller, its app authorization, catalog and order stream; answer its credentials."""
    mps = [marketplaces.resolve(m) for m in spec.marketplaces]
    regions = {m.region for m in mps}
    if len(regions) != 1:
        raise ValueError("a seller's marketplaces must be in one region (NA, EU or FE)")
    rng = random.Random(f"seller:{spec.seed}:{len(backend.sellers)}")
    seller_id = spec.seller_id or "A" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                                                for _ in range(13))
    with backend.lock:
        seller = Seller(
            seller_id=seller_id, marketplace_ids=[m.marketplace_id for m in mps], region=regions.pop(),
            roles=set(spec.roles) if spec.roles is not None else backend.default_roles(), seed=int(spec.seed),
            order_rate_per_hour=float(spec.order_rate_per_hour), catalog_size=int(spec.catalog_size),
            usage_plan_overrides=dict(spec.usage_plans), mix=dict(spec.mix), fba_share=float(spec.fba_share),
        )
        backend.add_seller(seller)
        app = backend.register_app(spec.client_id, spec.client_secret)
        auth = backend.authorize(seller, app)
        now = backend.now()
        populate_catalog(seller, now)
        stream = OrderStream(backend, seller)
        backend.order_streams[seller_id] = stream
        stream.start(now)
        settlements.schedule_for(backend, seller, now)  # Amazon publishes settlements every 14 days
        hook = getattr(backend, "on_seller_created", None)
        if hook is not None:
            hook(seller, now)
    return {
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "refresh_token": auth.refresh_token,
        "seller_id": seller_id,
        "marketplace_ids": seller.marketplace_ids,
        "region": seller.region,
        "roles": sorted(seller.roles),
    }
