"""Signed webhooks (B14): one message per POST, the JSON body signed (``channels/signature.py``).

Headers: ``Content-Type: application/json``, ``Sellerbridge-Message-Id`` (the receiver's idempotency
key, stable across attempts), ``Sellerbridge-Topic``, ``Sellerbridge-Signature``. A 2xx is the
receiver's acknowledgement; anything else, a timeout or a refused connection is a failed attempt
(never an exception: the flow retries it). 429 and 503 carry ``Retry-After``, honoured by the retry
schedule. Redirects are not followed (a 3xx is a failure: the receiver must be configured with its
real URL, and a redirect must not carry a signed message elsewhere). The answer's excerpt is short and
redacted (:func:`excerpt`): it is stored with the attempt.

URLs: ``https`` only, except loopback (tests, a receiver on the same machine) or when the admin
setting ``allow_http_webhooks`` allows plain http (:func:`check_url`).
"""

from __future__ import annotations

import ipaddress
import json
import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..domain.common.pii import ADDRESS_PII_FIELDS, BUYER_PII_FIELDS, redact_document
from ..domain.ports.deliveries import Attempt, Message, ReceiverSpec
from .signature import HEADER, MESSAGE_ID_HEADER, TOPIC_HEADER, sign

CONNECT_TIMEOUT = 5.0  # seconds to reach the receiver
READ_TIMEOUT = 10.0  # seconds for its answer
EXCERPT_CHARS = 200
USER_AGENT = "sellerbridge-webhook/1"


class UrlRefused(ValueError):
    """A webhook URL the hub will not call; the message says why."""


def check_url(url: str, *, allow_http: bool = False) -> str:
    """The URL, if the hub may POST to it: http(s) with a host; plain http only for loopback or with
    ``allow_http``; no user info (a password in a URL ends up in logs)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise UrlRefused("not a URL") from None
    if parts.scheme not in ("https", "http") or not host:
        raise UrlRefused("a webhook URL is https://host/path")
    if parts.username or parts.password:
        raise UrlRefused("a webhook URL may not carry a user or password")
    if parts.scheme == "http" and not allow_http and not is_loopback(host):
        raise UrlRefused("a webhook URL must be https (plain http only for loopback, or with the admin "
                         "setting SELLERBRIDGE_ALLOW_HTTP_WEBHOOKS)")
    return url


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebhookTransport:
    """``domain.ports.deliveries.Transport`` for webhook receivers (one message per send)."""

    def __init__(self, *, allow_http: bool = False, client: httpx.Client | None = None) -> None:
        self.allow_http = allow_http
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT), follow_redirects=False,
            headers={"User-Agent": USER_AGENT})

    def close(self) -> None:
        self._client.close()

    def send(self, receiver: ReceiverSpec, messages: Sequence[Message]) -> Attempt:
        if len(messages) != 1:
            raise ValueError("a webhook carries one message per request")
        message = messages[0]
        started = time.monotonic()
        try:
            url = check_url(str(receiver.config.get("url", "")), allow_http=self.allow_http)
        except UrlRefused as exc:
            return Attempt(ok=False, acknowledged=False, duration_ms=0, excerpt=f"refused: {exc}")
        secrets = [s for s in receiver.secrets.get("signing", []) if isinstance(s, str)]
        body = json.dumps(message.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json", MESSAGE_ID_HEADER: message.message_id,
                   TOPIC_HEADER: message.topic, HEADER: sign(secrets, body)}
        try:
            response = self._client.post(url, content=body, headers=headers)
        except httpx.TimeoutException:
            return Attempt(False, False, _ms(started), "timeout: no answer in time")
        except httpx.HTTPError as exc:
            return Attempt(False, False, _ms(started), f"no answer: {type(exc).__name__}")
        ok = 200 <= response.status_code < 300
        retry_after = retry_after_seconds(response.headers.get("Retry-After")) \
            if response.status_code in (429, 503) else None
        return Attempt(ok=ok, acknowledged=ok, duration_ms=_ms(started), status=response.status_code,
                       excerpt=excerpt(response.status_code, response.text, secrets), retry_after=retry_after)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds (a number or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


# The message's own personal parts, by the message's names (an echo of it must not keep them).
_OUR_PII_KEYS = frozenset({"ship_to", "buyer", *ADDRESS_PII_FIELDS, *BUYER_PII_FIELDS})


def _without_ours(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_ours(v) for k, v in value.items() if str(k).lower() not in _OUR_PII_KEYS}
    if isinstance(value, list):
        return [_without_ours(v) for v in value]
    return value


_EMAIL = re.compile(r"[^\s@\"',;<>]+@[^\s@\"',;<>]+")
_DIGITS = re.compile(r"\d[\d ()+./-]{6,}\d")


def excerpt(status: int, text: str, secrets: Sequence[str] = ()) -> str:
    """What is kept of an answer: the status and its first characters, with buyer data and secrets out
    (a receiver may echo the message): a JSON answer through the one redaction of documents, then
    e-mail addresses and long digit runs (phones, postal codes) masked."""
    try:
        shown = json.dumps(_without_ours(redact_document(json.loads(text))), ensure_ascii=False)
    except (ValueError, RecursionError):
        shown = text
    for secret in secrets:
        if secret:
            shown = shown.replace(secret, "<secret>")
    shown = _DIGITS.sub("<digits>", _EMAIL.sub("<email>", shown))
    shown = " ".join(shown.split())
    if len(shown) > EXCERPT_CHARS:
        shown = shown[:EXCERPT_CHARS] + "…"
    return f"{status}: {shown}" if shown else str(status)
