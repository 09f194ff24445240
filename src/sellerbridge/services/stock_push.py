"""Stock out as people use it: why a SKU shows what it shows, send now, the listings feeds (D5, D8, D9, H2).

- :func:`why`: available-to-sell now with its breakdown, what Amazon was last told (quantity, lead time,
  time, cause, path, the breakdown then), what is in flight, Amazon's answer and the read-back (D9, D8).
- :func:`send_now` (D5): every SKU of the connection's seller account and region, or the named ones,
  marked and the owner's ``stock_push`` run asked for; named SKUs are sent even when Amazon has their
  figure already (the person asked for them), the others only where Amazon's figure differs.
- :func:`feeds` / :func:`feed`: the stock push's listings feeds with their status and per-SKU results (H2).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select, update

from ..bootstrap import Hub
from ..db.repositories import catalog, stock_facts
from ..db.repositories import documents as documents_repo
from ..db.repositories.stock_marks import mark_all_dirty, owner_connection
from ..db.stores.stock_push import PURPOSE
from ..db.tables import feed_submissions, quantity_pushes
from ..domain.common.errors import ConfigError
from ..domain.documents import DocumentKind
from ..domain.stock.availability import available_to_sell
from . import connections as connection_service
from .orders import jsonable

FLOW = "stock_push"
MAX_SKUS = 10_000  # named in one "send now"


def _owner(hub: Hub, seller_id: str, region: str) -> int:
    with hub.store.uow(read_only=True) as session:
        owner = owner_connection(session, seller_id, region)
    if owner is None:
        raise ConfigError(f"seller {seller_id} has no active connection in region {region}: nothing pushes its stock")
    return owner


def why(hub: Hub, sku: str, connection: int | str) -> dict[str, Any]:
    """D9: what the hub would tell Amazon now and why, and what Amazon was last told. LookupError: no such SKU."""
    record = connection_service.get_connection(hub, connection)
    region = str(record.region)
    t = quantity_pushes
    with hub.store.uow(read_only=True) as session:
        row = session.execute(select(t).where(t.c.seller_id == record.seller_id, t.c.region == region,
                                              t.c.amazon_sku == sku)).mappings().first()
        listing = catalog.find_listing(session, record.id, sku) if row is None else None
        item_id = row["item_id"] if row is not None else (listing.item_id if listing is not None else None)
        if item_id is None:
            raise LookupError(f"SKU {sku!r} is not mapped for connection {record.name!r}")
        owner = owner_connection(session, record.seller_id, region) or record.id
        settings = stock_facts.push_settings(session, owner)
        facts = stock_facts.stock_facts(session, [item_id]).get(item_id)
    now = available_to_sell(facts, settings.policy) if facts is not None else None
    out: dict[str, Any] = {
        "sku": sku, "connection": record.name, "seller_id": record.seller_id, "region": region,
        "item_id": item_id, "owner_connection_id": owner,
        "now": None if now is None else {"quantity": now.quantity, "lead_time_days": now.lead_time_days,
                                         "why": now.why.as_dict(), "lines": now.why.lines()},
        "told": None, "in_flight": None, "amazon": None, "verified": None, "dirty": False}
    if row is None:
        return out
    out["dirty"] = row["version"] > row["sent_version"]
    out["dirty_cause"] = row["dirty_cause"]
    if row["sent_at"] is not None:
        out["told"] = {"quantity": row["sent_quantity"], "lead_time_days": row["sent_lead_time"],
                       "at": row["sent_at"].isoformat(), "cause": row["sent_cause"], "channel": row["sent_channel"],
                       "why": row["sent_why"]}
    if row["in_flight"] is not None:
        out["in_flight"] = {"channel": row["in_flight"], "quantity": row["in_flight_quantity"],
                            "lead_time_days": row["in_flight_lead_time"],
                            "since": jsonable(row["in_flight_at"]), "feed_id": row["feed_submission_id"]}
    if row["amazon_status"] is not None:
        out["amazon"] = {"status": row["amazon_status"], "code": row["amazon_code"], "message": row["amazon_message"]}
    if row["verified_at"] is not None:
        out["verified"] = {"at": row["verified_at"].isoformat(), "quantity": row["verified_quantity"]}
    return out


def send_now(hub: Hub, connection: int | str, skus: list[str] | None = None) -> dict[str, Any]:
    """D5: mark; the owner connection whose ``stock_push`` run the front end then asks for (``jobs.manage``),
    the SKUs marked, the names not known."""
    record = connection_service.get_connection(hub, connection)
    region = str(record.region)
    if skus is not None:
        skus = sorted({s.strip() for s in skus if s and s.strip()})
        if not skus:
            raise ConfigError("name at least one SKU, or none for every SKU")
        if len(skus) > MAX_SKUS:
            raise ConfigError(f"at most {MAX_SKUS} SKUs at once")
    owner = _owner(hub, record.seller_id, region)
    now = hub.now()
    t = quantity_pushes
    with hub.store.uow() as session:
        marked = mark_all_dirty(session, seller_id=record.seller_id, region=region, cause="send_now", now=now,
                                skus=skus)
        unknown: list[str] = []
        if skus is not None:
            known = set(session.execute(select(t.c.amazon_sku).where(
                t.c.seller_id == record.seller_id, t.c.region == region, t.c.amazon_sku.in_(skus))).scalars())
            unknown = [s for s in skus if s not in known]
            # a person named them: sent even where Amazon's figure is the hub's already
            session.execute(update(t).where(t.c.seller_id == record.seller_id, t.c.region == region,
                                            t.c.amazon_sku.in_(skus)).values(sent_version=0))
    return {"flow": FLOW, "connection_id": owner, "marked": marked, "unknown": unknown}


def _feed_dict(request: Any, counts: dict[str, int] | None = None) -> dict[str, Any]:
    return {"id": request.id, "amazon_feed_id": request.amazon_id, "feed_type": request.amazon_type,
            "status": request.status, "requested_at": request.requested_at.isoformat(), "attempt": request.attempt,
            "checks": request.checks, "document_id": request.document_id, "error": request.error,
            **({"skus": counts} if counts is not None else {})}


def feeds(hub: Hub, connection: int | str | None = None, *, limit: int = 50) -> list[dict[str, Any]]:
    """H2: the stock push's listings feeds, newest first, each with its SKUs counted by Amazon's answer."""
    connection_id = connection_service.get_connection(hub, connection).id if connection is not None else None
    with hub.store.uow(read_only=True) as session:
        requests = documents_repo.list_requests(session, DocumentKind.FEED, connection_id=connection_id,
                                                purpose=PURPOSE, limit=limit)
        out = []
        for request in requests:
            out.append(_feed_dict(request, _counts(session, request.id)))
    return out


def feed(hub: Hub, feed_id: int) -> dict[str, Any]:
    """One feed with its per-SKU results (H2). LookupError when there is no such stock feed."""
    t = quantity_pushes
    with hub.store.uow(read_only=True) as session:
        request = documents_repo.get(session, DocumentKind.FEED, feed_id)
        purpose = session.execute(select(feed_submissions.c.purpose).where(feed_submissions.c.id == feed_id)).scalar()
        if request is None or purpose != PURPOSE:
            raise LookupError(f"stock feed {feed_id} not found")
        rows = session.execute(select(t.c.amazon_sku, t.c.feed_message_id, t.c.in_flight, t.c.in_flight_quantity,
                                      t.c.sent_quantity, t.c.amazon_status, t.c.amazon_code, t.c.amazon_message)
                               .where(t.c.feed_submission_id == feed_id).order_by(t.c.feed_message_id)).all()
        counts = _counts(session, feed_id)
    items = [{"sku": r.amazon_sku, "message_id": r.feed_message_id,
              "result": "in_flight" if r.in_flight == "feed" else (r.amazon_status or "released"),
              "quantity": r.in_flight_quantity if r.in_flight == "feed" else r.sent_quantity,
              "code": r.amazon_code, "message": r.amazon_message} for r in rows]
    return {**_feed_dict(request, counts), "items": items}


def _counts(session: Any, feed_id: int) -> dict[str, int]:
    t = quantity_pushes
    result = case((t.c.in_flight == "feed", "in_flight"), else_=func.coalesce(t.c.amazon_status, "released"))
    return {status: n for status, n in session.execute(
        select(result, func.count()).where(t.c.feed_submission_id == feed_id).group_by(result))}


def retry_from_error(hub: Hub, connection_id: int, key: str) -> None:
    """H1: reprocess a SKU Amazon refused: marked dirty (sent again whatever Amazon has); ConfigError for a key
    that names no SKU of the push state."""
    sku = key.removeprefix("sku:") if key.startswith("sku:") else None
    record = connection_service.get_connection(hub, connection_id)
    if not sku:
        raise ConfigError(f"{key!r} names no SKU")
    now = hub.now()
    with hub.store.uow() as session:
        if not mark_all_dirty(session, seller_id=record.seller_id, region=str(record.region), cause="reprocess",
                              now=now, skus=[sku]):
            raise ConfigError(f"SKU {sku!r} is not in the stock push state of {record.name!r}")
        t = quantity_pushes
        session.execute(update(t).where(t.c.seller_id == record.seller_id, t.c.region == str(record.region),
                                        t.c.amazon_sku == sku).values(sent_version=0))
