"""Signing webhook messages, and verifying them as a receiver does (B14; ``docs/warehouse.md``).

The header ``Sellerbridge-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]``: each ``v1`` is
HMAC-SHA256 over ``f"{t}.{raw body}"`` with one of the receiver's valid secrets (two while a secret is
rotated: the receiver accepts either, and so keeps working whichever secret it has). A receiver checks
that ``t`` is within :data:`REPLAY_WINDOW` of its clock (a replayed old message is refused), then
compares in constant time. Secrets are never logged or put in an exception's message.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable

HEADER = "Sellerbridge-Signature"
MESSAGE_ID_HEADER = "Sellerbridge-Message-Id"
TOPIC_HEADER = "Sellerbridge-Topic"
SCHEME = "v1"
REPLAY_WINDOW = 300  # seconds either side of the receiver's clock


class SignatureError(ValueError):
    """The signature does not verify; the message says why (never the secret)."""


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def sign(secrets: Iterable[str], body: bytes, *, timestamp: int | None = None) -> str:
    """The header's value: one ``v1`` per valid secret (newest first)."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    macs = [f"{SCHEME}={_mac(secret, t, body)}" for secret in secrets if secret]
    if not macs:
        raise SignatureError("no secret to sign with")
    return ",".join([f"t={t}", *macs])


def parse(header: str) -> tuple[int, list[str]]:
    """``(t, [v1 hex, ...])`` of a header value; SignatureError when malformed."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif key == SCHEME and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("malformed signature header: expected t=<unix>,v1=<hex>")
    return timestamp, signatures


def verify(secrets: str | Iterable[str], header: str, body: bytes, *, now: float | None = None,
           window: int = REPLAY_WINDOW) -> int:
    """Check a message as a receiver does; returns its timestamp. SignatureError when it does not verify:
    malformed, outside the replay window, or signed with none of ``secrets``."""
    timestamp, signatures = parse(header)
    now = time.time() if now is None else now
    if abs(now - timestamp) > window:
        raise SignatureError(f"timestamp outside the replay window of {window} s")
    for secret in [secrets] if isinstance(secrets, str) else list(secrets):
        expected = _mac(secret, timestamp, body)
        if any(hmac.compare_digest(expected, candidate) for candidate in signatures):
            return timestamp
    raise SignatureError("no signature matches")
