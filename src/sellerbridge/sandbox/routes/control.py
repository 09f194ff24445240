"""``/_sandbox/*``: the control API tests, benchmarks and the demo drive the sandbox with (I4).

Not part of Amazon. Documented in docs/sandbox.md. Answers JSON; bad input answers 400 with
``{"error": ...}``.
"""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..backend import Backend
from ..faults import Fault
from ..sellers import SellerSpec, create_seller
from ..state import ORDER_PROGRAMS
from ..views import listing_view, order_view
from .feed_lifecycle import feed_view, release


def _backend(request: Request) -> Backend:
    return request.app.state.backend


def _bad(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def _seller_or_404(backend: Backend, seller_id: str):
    seller = backend.sellers.get(seller_id)
    if seller is None:
        raise LookupError(f"no seller {seller_id}")
    return seller


def control(handler):
    """Turn ValueError/KeyError/TypeError into 400 and LookupError into 404, and tick first."""

    async def endpoint(request: Request) -> Response:
        backend = _backend(request)
        try:
            body = await _body(request) if request.method in ("POST", "PUT", "PATCH") else {}
            with backend.lock:
                backend.events.run_due(backend.now())
            result = await handler(request, backend, body)
        except LookupError as exc:
            return _bad(str(exc).strip("'\""), 404)
        except (ValueError, TypeError) as exc:
            return _bad(str(exc))
        return result if isinstance(result, Response) else JSONResponse(result)

    return endpoint


@control
async def reset(request: Request, backend: Backend, body: dict) -> dict:
    with backend.lock:
        backend.reset()
    return {"reset": True}


@control
async def sellers_create(request: Request, backend: Backend, body: dict) -> JSONResponse:
    creds = create_seller(backend, SellerSpec.from_json(body))
    return JSONResponse(creds, status_code=201)


@control
async def sellers_list(request: Request, backend: Backend, body: dict) -> dict:
    with backend.lock:
        return {"sellers": [_seller_summary(s) for s in backend.sellers.values()]}


def _seller_summary(seller) -> dict:
    statuses: dict[str, int] = {}
    for order in seller.orders.values():
        statuses[order.status] = statuses.get(order.status, 0) + 1
    return {"seller_id": seller.seller_id, "marketplace_ids": seller.marketplace_ids, "region": seller.region,
            "roles": sorted(seller.roles), "listings": len(seller.listings), "orders": len(seller.orders),
            "orders_by_status": statuses, "order_rate_per_hour": seller.order_rate_per_hour,
            "feeds": len(seller.feeds), "reports": len(seller.reports)}


@control
async def seller_show(request: Request, backend: Backend, body: dict) -> dict:
    with backend.lock:
        return _seller_summary(_seller_or_404(backend, request.path_params["seller_id"]))


@control
async def seller_update(request: Request, backend: Backend, body: dict) -> dict:
    """Change a live seller: order rate, roles, usage plans, mix."""
    with backend.lock:
        seller = _seller_or_404(backend, request.path_params["seller_id"])
        if "roles" in body:
            seller.roles = set(body["roles"])
        if "usage_plans" in body:
            seller.usage_plan_overrides = {op: (float(v[0]), int(v[1])) for op, v in body["usage_plans"].items()}
        if "mix" in body:
            seller.mix.update({k: float(v) for k, v in body["mix"].items()})
        if "order_rate_per_hour" in body:
            rate = float(body["order_rate_per_hour"])
            if rate < 0:
                raise ValueError("order_rate_per_hour must be >= 0")
            seller.order_rate_per_hour = rate  # 0 stops the stream at its next arrival
            backend.order_streams[seller.seller_id].start(backend.now())  # no-op unless it was stopped
        return _seller_summary(seller)


@control
async def orders_create(request: Request, backend: Backend, body: dict) -> JSONResponse:
    """Create orders now: ``{"count": N, "fba": bool?, "status": "Pending"|"Unshipped", "programs": [...]?}``
    (``programs``: Amazon's words, ``state.ORDER_PROGRAMS``)."""
    count = int(body.get("count", 1))
    if not 1 <= count <= 50_000:
        raise ValueError("count must be between 1 and 50000")
    programs = body.get("programs") or []
    if not isinstance(programs, list) or not set(programs) <= set(ORDER_PROGRAMS):
        raise ValueError(f"programs must be a list of {', '.join(ORDER_PROGRAMS)}")
    status = body.get("status", "Pending")
    if status not in ("Pending", "Unshipped"):
        raise ValueError("status must be Pending or Unshipped")
    with backend.lock:
        seller = _seller_or_404(backend, request.path_params["seller_id"])
        stream = backend.order_streams[seller.seller_id]
        now = backend.now()
        ids = [stream.create_order(now, fba=body.get("fba"), status=status, programs=programs).order_id
               for _ in range(count)]
    return JSONResponse({"order_ids": ids}, status_code=201)


@control
async def orders_list(request: Request, backend: Backend, body: dict) -> dict:
    status = request.query_params.get("status")
    with backend.lock:
        seller = _seller_or_404(backend, request.path_params["seller_id"])
        return {"orders": [order_view(o) for o in seller.orders.values() if status in (None, o.status)]}


@control
async def order_show(request: Request, backend: Backend, body: dict) -> dict:
    with backend.lock:
        seller = _seller_or_404(backend, request.path_params["seller_id"])
        order = seller.orders.get(request.path_params["order_id"])
        if order is None:
            raise LookupError("no such order")
        return order_view(order)


@control
async def order_cancel(request: Request, backend: Backend, body: dict) -> dict:
    """Script a cancellation: ``{"by": "AMAZON"}`` cancels; ``{"by": "BUYER_REQUEST"}`` asks to."""
    by = body.get("by", "AMAZON")
    with backend.lock:
        seller = _seller_or_404(backend, request.path_params["seller_id"])
        order = seller.orders.get(request.path_params["order_id"])
        if order is None:
            raise LookupError("no such order")
        if order.status not in ("Pending", "Unshipped", "PartiallyShipped"):
            raise ValueError(f"an order in status {order.status} cannot be cancelled")
        if by == "AMAZON":
            order.status, order.cancelled_by = "Canceled", "AMAZON"
            order.cancel_reason = body.get("reason", "AmazonCanceled")
            for line in order.lines:
                line.quantity_cancelled = line.quantity - line.quantity_shipped
        elif by == "BUYER_REQUEST":
            order.buyer_cancel_reason = body.get("reason", "BuyerCanceled")
        else:
            raise ValueError("by must be AMAZON or BUYER_REQUEST")
        backend.touch_order(seller, order)
        return order_view(order)


@control
async def order_deliver(request: Request, backend: Backend, body: dict) -> dict:
    """The carrier's delivery scan: every package of the order not delivered yet is DELIVERED now."""
    with backend.lock:
        seller = _seller_or_404(backend, request.path_params["seller_id"])
        order = seller.orders.get(request.path_params["order_id"])
        if order is None:
            raise LookupError("no such order")
        if not order.shipments:
            raise ValueError("an order without packages cannot be delivered")
        now = backend.now()
        for shipment in order.shipments:
            if shipment.delivered_at is None:
                shipment.delivered_at = now
        backend.touch_order(seller, order, now)
        return order_view(order)


@control
async def feed_release(request: Request, backend: Backend, body: dict) -> dict:
    """Let a feed held by a ``feed_stuck`` fault proceed now (faults.py): it then finishes late, as at Amazon."""
    with backend.lock:
        seller = _seller_or_404(backend, request.path_params["seller_id"])
        feed = seller.feeds.get(request.path_params["feed_id"])
        if feed is None:
            raise LookupError("no such feed")
        if not feed.stuck or feed.status != "IN_QUEUE":
            raise ValueError(f"feed {feed.feed_id} is not stuck (it is {feed.status})")
        release(backend, seller, feed, backend.now())
        return feed_view(feed)


@control
async def listings_show(request: Request, backend: Backend, body: dict) -> dict:
    with backend.lock:
        seller = _seller_or_404(backend, request.path_params["seller_id"])
        return {"listings": [listing_view(v) for v in seller.listings.values()]}


def _clock_state(backend: Backend) -> dict:
    return {"now": backend.now().isoformat(), "scale": backend.clock.scale,
            "next_event": (n.isoformat() if (n := backend.events.next_due()) else None)}


@control
async def clock_show(request: Request, backend: Backend, body: dict) -> dict:
    return _clock_state(backend)


@control
async def clock_change(request: Request, backend: Backend, body: dict) -> dict:
    """``{"advance_seconds": S}`` and/or ``{"scale": K}``; due events run, notifications go out."""
    if "scale" in body:
        backend.clock.set_scale(float(body["scale"]))
    if "advance_seconds" in body:
        backend.advance(float(body["advance_seconds"]))
    deliver = getattr(request.app.state, "deliver", None)
    if deliver is not None:
        await deliver()
    return _clock_state(backend)


@control
async def faults_add(request: Request, backend: Backend, body: dict) -> JSONResponse:
    """``{"operation": "searchOrders", "kind": "status", "status": 503, "count": 3, "seller_id": ...}``."""
    fault = Fault(operation=str(body["operation"]), kind=str(body.get("kind", "status")),
                  remaining=int(body.get("count", 1)), status=int(body.get("status", 500)),
                  delay_seconds=float(body.get("delay_seconds", 0)), seller_id=body.get("seller_id"))
    backend.faults.add(fault)
    return JSONResponse({"pending": backend.faults.pending()}, status_code=201)


@control
async def faults_list(request: Request, backend: Backend, body: dict) -> dict:
    return {"pending": backend.faults.pending(), "fired": backend.faults.fired}


@control
async def faults_clear(request: Request, backend: Backend, body: dict) -> dict:
    backend.faults.clear()
    return {"pending": []}


@control
async def config_show(request: Request, backend: Backend, body: dict) -> dict:
    return backend.timings.as_dict()


@control
async def config_change(request: Request, backend: Backend, body: dict) -> dict:
    try:
        backend.timings.update(body)
    except KeyError as exc:
        raise ValueError(f"unknown timing {exc}") from None
    return backend.timings.as_dict()


@control
async def stats(request: Request, backend: Backend, body: dict) -> dict:
    with backend.lock:
        calls: dict[str, dict[str, dict[str, int]]] = {}
        for (seller, op, status), n in backend.request_counts.items():
            calls.setdefault(seller, {}).setdefault(op, {})[str(status)] = n
        return {"calls": calls, "rate_limits": backend.limiter.stats(),
                "internal_errors": backend.internal_errors[-50:]}


@control
async def oauth_consent(request: Request, backend: Backend, body: dict) -> Response:
    """Seller Central's consent page, auto-approved for ``seller_id`` (the OAuth website flow, A2).

    ``GET /_sandbox/consent?application_id=..&state=..&redirect_uri=..&seller_id=..`` redirects to
    ``redirect_uri?spapi_oauth_code=..&state=..&selling_partner_id=..`` as Seller Central does.
    """
    q = request.query_params
    seller_id, redirect_uri, state = q.get("seller_id"), q.get("redirect_uri"), q.get("state")
    if not (seller_id and redirect_uri and state):
        raise ValueError("seller_id, redirect_uri and state are required")
    with backend.lock:
        _seller_or_404(backend, seller_id)
        code = secrets.token_urlsafe(24)
        backend.oauth_codes[code] = seller_id
    query = urlencode({"spapi_oauth_code": code, "state": state, "selling_partner_id": seller_id})
    sep = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{sep}{query}", status_code=302)


routes = [
    Route("/_sandbox/reset", reset, methods=["POST"]),
    Route("/_sandbox/sellers", sellers_create, methods=["POST"]),
    Route("/_sandbox/sellers", sellers_list, methods=["GET"]),
    Route("/_sandbox/sellers/{seller_id}", seller_show, methods=["GET"]),
    Route("/_sandbox/sellers/{seller_id}", seller_update, methods=["PATCH"]),
    Route("/_sandbox/sellers/{seller_id}/orders", orders_create, methods=["POST"]),
    Route("/_sandbox/sellers/{seller_id}/orders", orders_list, methods=["GET"]),
    Route("/_sandbox/sellers/{seller_id}/orders/{order_id}", order_show, methods=["GET"]),
    Route("/_sandbox/sellers/{seller_id}/orders/{order_id}/cancel", order_cancel, methods=["POST"]),
    Route("/_sandbox/sellers/{seller_id}/orders/{order_id}/deliver", order_deliver, methods=["POST"]),
    Route("/_sandbox/sellers/{seller_id}/listings", listings_show, methods=["GET"]),
    Route("/_sandbox/sellers/{seller_id}/feeds/{feed_id}/release", feed_release, methods=["POST"]),
    Route("/_sandbox/clock", clock_show, methods=["GET"]),
    Route("/_sandbox/clock", clock_change, methods=["POST"]),
    Route("/_sandbox/faults", faults_add, methods=["POST"]),
    Route("/_sandbox/faults", faults_list, methods=["GET"]),
    Route("/_sandbox/faults", faults_clear, methods=["DELETE"]),
    Route("/_sandbox/config", config_show, methods=["GET"]),
    Route("/_sandbox/config", config_change, methods=["POST"]),
    Route("/_sandbox/stats", stats, methods=["GET"]),
    Route("/_sandbox/consent", oauth_consent, methods=["GET"]),
]
