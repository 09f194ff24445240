"""Tokens API 2021-03-01: ``createRestrictedDataToken`` (B13, I4).

A Restricted Data Token (RDT) opens a restricted operation (one that returns PII) for one hour.
The rule, as Amazon applies it:

- each restricted resource is an HTTP method plus the path of a *restricted* operation, either as a
  template (``/orders/v0/orders/{orderId}/address``: any order) or with a real id (that order only);
- ``dataElements`` (buyerInfo, shippingAddress, buyerTaxInformation) are required for getOrders,
  getOrder and getOrderItems, and refused elsewhere;
- the app must hold the restricted role behind each resource (Direct-to-Consumer Shipping for
  addresses, Tax Invoicing for buyer and tax information); Amazon refuses with **400 InvalidInput**
  naming the data elements, not with 403 (docs/amazon-quirks.md);
- an RDT cannot mint another RDT, and a grantless token cannot mint one at all.

The token is a ``backend.AccessToken`` with ``restricted`` set; ``operation.authenticate`` then
refuses it on any (method, path) it was not issued for.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.routing import Route

from .. import errors
from ..backend import AccessToken
from ..operation import Ctx, operation
from ..state import ROLE_DIRECT_TO_CONSUMER_SHIPPING, ROLE_TAX_INVOICING

MAX_RESOURCES = 50  # "Maximum: 50" in CreateRestrictedDataTokenRequest
METHODS = ("GET", "PUT", "POST", "DELETE")
DATA_ELEMENT_ROLES = {
    "buyerInfo": ROLE_TAX_INVOICING,
    "shippingAddress": ROLE_DIRECT_TO_CONSUMER_SHIPPING,
    "buyerTaxInformation": ROLE_TAX_INVOICING,
}
ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")
# Ids in other restricted paths: letters, digits and . _ ~ - (report document ids carry dots).
# Nothing here may be a regex metacharacter other than '.', since the path becomes a pattern.
OTHER_ID = re.compile(r"^[A-Za-z0-9._~-]{1,256}$")
PLACEHOLDER = re.compile(r"^\{[A-Za-z][A-Za-z0-9]*\}$")


@dataclass(frozen=True)
class Restricted:
    """One restricted operation: what it takes and which role opens it."""

    method: str
    template: str  # segments in braces are ids
    data_elements: frozenset[str]  # allowed values; empty: the operation takes none
    roles: frozenset[str]  # without data elements: the app needs one of these


_ORDER_ELEMENTS = frozenset(DATA_ELEMENT_ROLES)
_PII_ROLES = frozenset({ROLE_DIRECT_TO_CONSUMER_SHIPPING, ROLE_TAX_INVOICING})
_SHIPPING = frozenset({ROLE_DIRECT_TO_CONSUMER_SHIPPING})
_TAX = frozenset({ROLE_TAX_INVOICING})

# Amazon's restricted operations for sellers (Tokens API use case guide). Vendor (Direct
# Fulfillment) paths are left out: sandbox accounts are sellers.
RESTRICTED: tuple[Restricted, ...] = (
    Restricted("GET", "/orders/v0/orders", _ORDER_ELEMENTS, frozenset()),
    Restricted("GET", "/orders/v0/orders/{orderId}", _ORDER_ELEMENTS, frozenset()),
    Restricted("GET", "/orders/v0/orders/{orderId}/orderItems", frozenset({"buyerInfo"}), frozenset()),
    Restricted("GET", "/orders/v0/orders/{orderId}/buyerInfo", frozenset(), _TAX),
    Restricted("GET", "/orders/v0/orders/{orderId}/address", frozenset(), _SHIPPING),
    Restricted("GET", "/orders/v0/orders/{orderId}/orderItems/buyerInfo", frozenset(), _TAX),
    Restricted("GET", "/orders/v0/orders/{orderId}/regulatedInfo", frozenset(), _SHIPPING),
    Restricted("GET", "/reports/2021-06-30/documents/{reportDocumentId}", frozenset(), _PII_ROLES),
    Restricted("GET", "/mfn/v0/shipments/{shipmentId}", frozenset(), _SHIPPING),
    Restricted("POST", "/mfn/v0/shipments", frozenset(), _SHIPPING),
    Restricted("GET", "/shipping/v1/shipments/{shipmentId}", frozenset(), _SHIPPING),
    Restricted("GET", "/fba/outbound/2020-07-01/fulfillmentOrders/{sellerFulfillmentOrderId}",
               frozenset(), _SHIPPING),
    Restricted("GET", "/fba/outbound/brazil/v0/shipments/{shipmentId}", frozenset(), _TAX),
)

NO_ACCESS = "Application do not have access to some or all requested resource"  # sic, Amazon's text


def _segment_matches(template_seg: str, seg: str) -> bool:
    if not template_seg.startswith("{"):
        return template_seg == seg
    if PLACEHOLDER.match(seg):
        return True
    return bool((ORDER_ID if template_seg == "{orderId}" else OTHER_ID).match(seg))


def find_restricted(method: str, path: str) -> Restricted | None:
    """The restricted operation ``method path`` names (template or concrete ids), or None."""
    segs = path.split("/")
    for entry in RESTRICTED:
        tsegs = entry.template.split("/")
        if entry.method == method and len(tsegs) == len(segs) and all(
                _segment_matches(t, s) for t, s in zip(tsegs, segs, strict=True)):
            return entry
    return None


def _invalid(details: str) -> errors.SpApiError:
    return errors.invalid_input("Invalid Input", details)


def _parse_resource(raw: Any, index: int, roles: set[str]) -> dict[str, Any]:
    where = f"restrictedResources[{index}]"
    if not isinstance(raw, dict):
        raise _invalid(f"{where} must be an object.")
    method, path, elements = raw.get("method"), raw.get("path"), raw.get("dataElements")
    if not isinstance(method, str) or not isinstance(path, str) or not method or not path:
        # Amazon's own wording for a resource without method or path (its typo fixed).
        raise errors.invalid_input("Empty target resource argument found", f"{where}: method and path are required.")
    if method not in METHODS:
        raise _invalid(f"{where}.method must be one of {', '.join(METHODS)}.")
    if elements is not None and (not isinstance(elements, list)
                                 or not all(isinstance(e, str) for e in elements)):
        raise _invalid(f"{where}.dataElements must be an array of strings.")
    entry = find_restricted(method, path)
    if entry is None:
        raise _invalid(f"{where}: {method} {path} is not a restricted resource.")
    elements = list(dict.fromkeys(elements or []))  # keep order, drop repeats
    if entry.data_elements:
        if not elements:
            # Without data elements getOrders/getOrder/getOrderItems are not restricted at all,
            # and Amazon answers as for a resource the app may not have.
            raise errors.invalid_input(NO_ACCESS, f"{where}: dataElements are required for {entry.template}.")
        unknown = [e for e in elements if e not in entry.data_elements]
        if unknown:
            raise _invalid(f"{where}: dataElements {unknown} are not valid for {entry.template}; "
                           f"allowed: {sorted(entry.data_elements)}.")
        missing = [e for e in elements if DATA_ELEMENT_ROLES[e] not in roles]
        if missing:
            raise errors.invalid_input(
                "Application does not have access to one or more requested data elements: "
                f"[{', '.join(missing)}]")
    else:
        # Amazon documents dataElements for getOrders/getOrder/getOrderItems only; on other paths
        # they carry no meaning and are ignored (clients commonly send them everywhere).
        elements = []
        if not roles & entry.roles:
            raise errors.invalid_input(NO_ACCESS)
    return {"method": method, "path": path, "dataElements": elements}


@operation("createRestrictedDataToken")
async def create_restricted_data_token(ctx: Ctx) -> dict[str, Any]:
    if ctx.token.is_rdt:
        raise errors.unauthorized("A Restricted Data Token cannot be used to create another one.")
    seller = ctx.require_seller()
    body = await ctx.json_body()
    resources = body.get("restrictedResources")
    if resources is None:
        raise _invalid("restrictedResources is required.")
    if not isinstance(resources, list):
        raise _invalid("restrictedResources must be an array.")
    if not resources:
        raise errors.invalid_input("Empty target resource argument found", "restrictedResources is empty.")
    if len(resources) > MAX_RESOURCES:
        raise _invalid(f"restrictedResources takes at most {MAX_RESOURCES} resources.")
    client_id = ctx.token.client_id
    target = body.get("targetApplication")
    if target is not None:
        # Delegation: the RDT is issued to the target application (here: its LWA client id).
        if not isinstance(target, str) or target not in ctx.backend.apps:
            raise _invalid("targetApplication is not a known application.")
        client_id = target
    restricted = [_parse_resource(r, i, seller.roles) for i, r in enumerate(resources)]
    seconds = int(ctx.backend.timings.rdt_seconds)
    token = AccessToken(
        token=f"Atz.sprdt|{secrets.token_urlsafe(64)}", client_id=client_id, seller_id=seller.seller_id,
        expires=ctx.now + timedelta(seconds=seconds), restricted=restricted,
    )
    ctx.backend.access_tokens[token.token] = token
    return {"restrictedDataToken": token.token, "expiresIn": seconds}


routes = [Route("/tokens/2021-03-01/restrictedDataToken", create_restricted_data_token, methods=["POST"])]
