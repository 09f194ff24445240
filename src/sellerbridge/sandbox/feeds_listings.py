"""JSON_LISTINGS_FEED: read the document, apply each message, write the processing report (I4, D8, G2).

The document is Amazon's Listings Feed v2 (schemas/listings-feed-schema-v2.json, UTF-8 JSON, any
Unicode text). The processor runs once, when the feed finishes (feed_processors), so accepted changes
are applied at once (``delay=0``): the feed's own processing time is Amazon's delay.

What Amazon does (docs/amazon-quirks.md):
- A document that is not UTF-8 JSON, or whose header/shape does not match the feed schema, makes the
  whole feed FATAL; its report has one issue with no messageId (code 4002001, "Item 'Feed' cannot be
  parsed.") and a header echoing the feed's sellerId ("" when unreadable).
- More than 25,000 messages: FATAL, nothing applied.
- A message that does not match the message schema is INVALID (code 4002008); the others still run.
- Data problems are per-message issues (the Listings Items API's codes); the feed is still DONE.
- A PATCH, PARTIAL_UPDATE or DELETE for a SKU the seller does not have is INVALID with issue 13013:
  only UPDATE creates a listing.
- One marketplace per feed (the feed's first marketplaceId); an attribute value naming another
  marketplace makes its message INVALID.
- A scripted ``feed_skip`` fault (operation ``JSON_LISTINGS_FEED``, faults.py) makes the next N valid
  messages count as accepted in the report without being applied: a DONE feed that did not do all it
  says, for the hub's read-back to catch.
"""

from __future__ import annotations

import copy
import functools
import json
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING, Any

import jsonschema

from . import listings_ops, listings_validation
from .feed_processors import FeedOutcome, register
from .render_listings import render_item

if TYPE_CHECKING:
    from .backend import Backend
    from .state import Feed, Seller

MAX_MESSAGES = 25_000
CODE_FEED_UNREADABLE = "4002001"
CODE_MESSAGE_SCHEMA = "4002008"
FEED_UNREADABLE = "Item 'Feed' cannot be parsed."
MESSAGE_SCHEMA = "The provided message did not meet the schema validation requirements for a feed message."


@functools.cache
def schema(name: str) -> dict[str, Any]:
    """One of Amazon's schemas packaged with the sandbox (the product reads nothing outside its package)."""
    return json.loads(resources.files(__package__).joinpath("schemas", name).read_text(encoding="utf-8"))


@functools.cache
def _envelope_validator() -> jsonschema.Draft7Validator:
    # The feed schema without its per-message rules: a bad message invalidates only itself, and
    # the message count is checked apart so that its issue can say so plainly.
    shell = copy.deepcopy(schema("listings-feed-schema-v2.json"))
    del shell["properties"]["messages"]["items"]  # each must be an object: checked apart, faster
    shell["properties"]["messages"].pop("maxItems", None)
    return jsonschema.Draft7Validator(shell)


@functools.cache
def _message_validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(schema("listings-feed-message-schema-v2.json"))


# Per operation: the fields the message schema's oneOf branch requires, and those it forbids.
_BRANCHES = {
    "UPDATE": ({"productType", "attributes"}, {"patches"}),
    "PARTIAL_UPDATE": ({"productType", "attributes"}, {"requirements", "patches"}),
    "PATCH": ({"productType", "patches"}, {"requirements", "attributes"}),
    "DELETE": (set(), {"requirements", "attributes", "productType", "patches"}),
}
_FIELDS = {"messageId", "sku", "operationType", "productType", "requirements", "attributes", "patches"}


def plainly_valid(m: Any) -> bool:
    """A cheap *sufficient* condition for the message schema (True => jsonschema agrees).

    jsonschema takes about a millisecond a message; 25,000 messages must not hold the sandbox's lock
    for half a minute. Whatever this does not recognise goes to jsonschema, which decides.
    """
    if type(m) is not dict or not m.keys() <= _FIELDS:
        return False
    mid, sku, product_type = m.get("messageId"), m.get("sku"), m.get("productType", "-")
    if type(mid) is not int or mid < 1 or type(sku) is not str or not sku:
        return False
    required, forbidden = _BRANCHES.get(m.get("operationType"), (None, None))
    if required is None or not required <= m.keys() or forbidden & m.keys():
        return False
    if type(product_type) is not str or not product_type:
        return False
    if "requirements" in m and m["requirements"] not in listings_validation.REQUIREMENTS:
        return False
    if "attributes" in m and (type(m["attributes"]) is not dict or not m["attributes"]):
        return False
    if "patches" in m:
        if type(m["patches"]) is not list or not m["patches"]:
            return False
        for p in m["patches"]:
            if type(p) is not dict or p.get("op") not in listings_validation.OPS or type(p.get("path")) is not str:
                return False
            if "value" in p and (type(p["value"]) is not list or any(type(v) is not dict for v in p["value"])):
                return False
    return True


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _report(header: dict[str, Any], issues: list[dict[str, Any]], processed: int, accepted: int,
            invalid: int, items: list[dict[str, Any]] | None = None) -> bytes:
    summary: dict[str, Any] = {
        "errors": sum(1 for i in issues if i["severity"] == "ERROR"),
        "warnings": sum(1 for i in issues if i["severity"] == "WARNING"),
        "messagesProcessed": processed, "messagesAccepted": accepted, "messagesInvalid": invalid,
    }
    report: dict[str, Any] = {"header": header, "issues": issues, "summary": summary}
    if items is not None:
        item_issues = [i for item in items for i in item.get("issues", [])]
        summary["itemSummary"] = {
            "items": len(items),
            "errors": sum(1 for i in item_issues if i.get("severity") == "ERROR"),
            "warnings": sum(1 for i in item_issues if i.get("severity") == "WARNING"),
        }
        report["items"] = items
    return json.dumps(report, ensure_ascii=False).encode("utf-8")


def _fatal(seller_id: str, feed: Feed, message: str) -> FeedOutcome:
    header = {"sellerId": seller_id, "version": "2.0", "feedId": feed.feed_id}
    issue = {"code": CODE_FEED_UNREADABLE, "severity": "ERROR", "message": message}
    return FeedOutcome("FATAL", _report(header, [issue], 0, 0, 0), "application/json", 0)


def _report_issue(message: dict[str, Any], issue: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    mid, sku = message.get("messageId"), message.get("sku")
    if isinstance(mid, int) and not isinstance(mid, bool) and mid >= 1:
        out["messageId"] = mid
    if isinstance(sku, str) and sku:
        out["sku"] = sku
    out.update({"code": issue["code"], "severity": issue["severity"], "message": issue["message"]})
    if issue.get("attributeNames"):
        out["attributeName"] = issue["attributeNames"][0]
    return out


def _apply(backend: Backend, seller: Seller, marketplace_id: str, message: dict[str, Any],
           now: datetime) -> listings_ops.Submission:
    sku, operation = message["sku"], message["operationType"]
    if operation == "DELETE":
        return listings_ops.submit_delete(backend, seller, sku, [marketplace_id], now, delay=0)
    if operation == "UPDATE":
        return listings_ops.submit_put(backend, seller, sku, marketplace_id, message["productType"],
                                       message.get("requirements"), message["attributes"], now, delay=0)
    if operation == "PARTIAL_UPDATE":  # Amazon: the same as PATCH with "replace" per attribute
        patches = [{"op": "replace", "path": f"/attributes/{name}", "value": value}
                   for name, value in message["attributes"].items()]
    else:
        patches = message["patches"]
    return listings_ops.submit_patch(backend, seller, sku, [marketplace_id], message["productType"], patches,
                                     now, delay=0)


@register("JSON_LISTINGS_FEED")
def process_listings_feed(backend: Backend, seller: Seller, feed: Feed, content: bytes,
                          now: datetime) -> FeedOutcome:
    try:
        doc = json.loads(content.decode("utf-8-sig"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _fatal("", feed, FEED_UNREADABLE)
    header = doc.get("header") if isinstance(doc, dict) else None
    header_seller = header.get("sellerId") if isinstance(header, dict) else None
    echo = header_seller if isinstance(header_seller, str) else ""
    problem = jsonschema.exceptions.best_match(_envelope_validator().iter_errors(doc))
    if problem is not None:
        where = "/".join(str(p) for p in problem.absolute_path) or "document"
        return _fatal(echo, feed, f"{FEED_UNREADABLE} The feed does not match the JSON_LISTINGS_FEED schema "
                                  f"at '{where}': {problem.message[:300]}")
    messages: list[dict[str, Any]] = doc["messages"]
    if not all(type(m) is dict for m in messages):
        return _fatal(echo, feed, f"{FEED_UNREADABLE} The feed does not match the JSON_LISTINGS_FEED schema at "
                                  "'messages': every message must be an object.")
    if len(messages) > MAX_MESSAGES:
        return _fatal(echo, feed, f"The feed has {len(messages)} messages; a JSON_LISTINGS_FEED may contain "
                                  f"at most {MAX_MESSAGES}. No message was processed.")
    if header_seller != seller.seller_id:
        return _fatal(echo, feed, f"The sellerId '{header_seller}' in the feed header is not the selling "
                                  "partner that submitted the feed.")
    marketplace_id = feed.marketplace_ids[0] if feed.marketplace_ids else None
    if marketplace_id not in seller.marketplace_ids:
        return _fatal(echo, feed, f"The seller is not registered in the feed's marketplace {marketplace_id}.")

    issues: list[dict[str, Any]] = []
    accepted: list[str] = []
    invalid = 0
    for message in messages:
        if not (plainly_valid(message) or _message_validator().is_valid(message)):
            issues.append(_report_issue(message, {"code": CODE_MESSAGE_SCHEMA, "severity": "ERROR",
                                                  "message": MESSAGE_SCHEMA}))
            invalid += 1
            continue
        if backend.faults.take("JSON_LISTINGS_FEED", seller.seller_id, kinds=("feed_skip",)) is not None:
            continue  # scripted: reported as accepted, not applied (faults.py)
        sub = _apply(backend, seller, marketplace_id, message, now)
        issues.extend(_report_issue(message, i) for i in sub.issues)
        if sub.status == "ACCEPTED":
            if message["operationType"] != "DELETE":
                accepted.append(message["sku"])
        else:
            invalid += 1
    report_spec = header.get("report")
    items = None
    if isinstance(report_spec, dict):
        items = [render_item(sku, [seller.listings[(sku, marketplace_id)]], report_spec["includedData"])
                 for sku in dict.fromkeys(accepted) if (sku, marketplace_id) in seller.listings]
    out_header = {"sellerId": seller.seller_id, "version": "2.0", "feedId": feed.feed_id}
    if isinstance(report_spec, dict):
        out_header["report"] = copy.deepcopy(report_spec)
    body = _report(out_header, issues, len(messages), len(messages) - invalid, invalid, items)
    return FeedOutcome("DONE", body, "application/json", len(messages))
