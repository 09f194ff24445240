"""The SP-API call log: one redacted record per attempt (G1, A3, B13, DESIGN.md section 5).

Every attempt the gateway makes (SP-API operations, LWA token requests, document downloads) is
handed to an injected sink as a :class:`CallRecord`: operation, HTTP method and path, status, the
``x-amzn-RateLimit-Limit`` rate, duration, a request summary, a response excerpt and the run id.

The run id (DESIGN.md section 5: "every SP-API call is recorded with its run id") is the one of the
innermost :func:`run_scope` around the call, None outside any. It is a context variable, not a
gateway setting: one gateway serves every run of its connection, in several worker threads at once,
and each thread (or asyncio task) sees only the scope it entered itself. A record takes the run id
when it is made, in the thread making the call.

Redaction rules, applied before a record exists:

- secrets never appear: access tokens, Restricted Data Tokens, refresh tokens and client secrets
  are removed by key (``access_token``, ``restrictedDataToken``, ...), by value (every secret the
  gateway knows) and by shape (Amazon's ``Atza|``/``Atzr|``/``Atz.sprdt|`` tokens,
  ``amzn1.oa2-cs.`` secrets);
- buyer data never appears: a JSON answer goes through the one redaction of Amazon documents
  (``domain.common.pii.redact_document``: names, e-mails, phones, addresses, postal codes and gift
  messages dropped at any depth, B13); a body that is not JSON cannot be redacted by key, so only
  its size is kept (:func:`non_json_excerpt`);
- pre-signed URLs lose their query (the signature is a credential for five minutes);
- excerpts are truncated (:data:`EXCERPT_LIMIT`).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from ...domain.common.pii import redact_document

EXCERPT_LIMIT = 2000  # characters of a response kept: enough to read an error or a page's shape
SUMMARY_VALUE_LIMIT = 64  # a query value longer than this (page tokens) is cut
REDACTED = "[redacted]"

SECRET_KEYS = frozenset(k.lower() for k in (
    "access_token", "refresh_token", "client_secret", "restrictedDataToken", "x-amz-access-token",
    "authorization", "spapi_oauth_code",
))
URL_KEYS = frozenset({"url"})
SECRET_PATTERNS = (
    re.compile(r"Atz(?:a|r|\.sprdt)(?:\||%7[Cc])[^\s\"'&,;]+"),  # LWA access/refresh tokens, RDTs (also URL-encoded)
    re.compile(r"amzn1\.oa2-cs\.[^\s\"'&,;]+"),  # LWA client secrets
    re.compile(r"(?i)(x-amz-(?:signature|security-token|credential)=)[^&\s\"']+"),
)
_RUN_ID: ContextVar[int | None] = ContextVar("sellerbridge_run_id", default=None)


def current_run_id() -> int | None:
    """The run the calls made here belong to (the innermost :func:`run_scope`), None outside one."""
    return _RUN_ID.get()


@contextmanager
def run_scope(run_id: int | None) -> Iterator[None]:
    """Every call record made inside carries ``run_id`` (nested scopes: the inner one wins, until it ends)."""
    token = _RUN_ID.set(run_id)
    try:
        yield
    finally:
        _RUN_ID.reset(token)


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One attempt of one call to Amazon, redacted. ``status`` is None when no answer came.

    ``run_id`` defaults to :func:`current_run_id` when the record is made, so no record path can
    forget it.
    """

    operation: str
    method: str
    path: str
    status: int | None
    rate_limit: float | None  # x-amzn-RateLimit-Limit, requests per second
    duration_ms: float
    request_summary: str
    response_excerpt: str
    at: datetime  # aware UTC, the gateway's clock, when the attempt started
    attempt: int  # 1 for the first attempt of a call, 2 for its first retry, ...
    run_id: int | None = field(default_factory=current_run_id)


CallSink = Callable[[CallRecord], None]


def redact(value: Any) -> Any:
    """A copy of a JSON value without buyer data (the one redaction, B13), secrets or signed URL queries."""
    return _without_secrets(redact_document(value))


def _without_secrets(value: Any) -> Any:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            low = str(key).lower()
            if low in SECRET_KEYS:
                out[key] = REDACTED
            elif low in URL_KEYS and isinstance(item, str):
                out[key] = strip_query(item)
            else:
                out[key] = _without_secrets(item)
        return out
    if isinstance(value, list | tuple):
        return [_without_secrets(v) for v in value]
    return value


def strip_query(url: str) -> str:
    parts = urlsplit(url)
    if not parts.scheme:
        return url
    return f"{parts.scheme}://{parts.netloc}{parts.path}" + ("?[signature removed]" if parts.query else "")


class Redactor:
    """Knows the secrets of one connection and removes them, and PII, from anything logged."""

    MAX_SECRETS = 256  # tokens rotate hourly; the patterns catch older ones anyway

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: dict[str, None] = {}
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if not secret or len(secret) < 6:  # too short to be a secret, too common to replace safely
            return
        with self._lock:
            self._secrets[secret] = None
            while len(self._secrets) > self.MAX_SECRETS:
                self._secrets.pop(next(iter(self._secrets)))

    def scrub(self, text: str) -> str:
        with self._lock:
            known = sorted(self._secrets, key=len, reverse=True)
        for secret in known:
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern in SECRET_PATTERNS:
            text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
        return text

    def excerpt(self, body: bytes | str | None, limit: int = EXCERPT_LIMIT) -> str:
        """A response body for the log: JSON redacted by key (B13), anything else only described."""
        if body is None or body in (b"", ""):
            return ""
        text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
        try:
            parsed = json.loads(text)
        except ValueError:
            return non_json_excerpt(body)
        return _truncate(self.scrub(json.dumps(redact(parsed), ensure_ascii=False, separators=(",", ":"))), limit)

    def summarize(self, method: str, url: str, query: Sequence[tuple[str, Any]] | Mapping[str, Any] | None = None,
                  body: Any = None) -> str:
        """``METHOD /path?name=value`` plus a redacted JSON body: what was asked, never how we signed it."""
        text = f"{method} {urlsplit(url).path or url}"
        pairs = list(query.items()) if isinstance(query, Mapping) else list(query or [])
        if pairs:
            text += "?" + "&".join(f"{k}={_truncate(_plain(v), SUMMARY_VALUE_LIMIT)}" for k, v in pairs)
        if body is not None:
            text += " " + _truncate(json.dumps(redact(body), ensure_ascii=False, separators=(",", ":"),
                                               default=str), EXCERPT_LIMIT // 4)
        return self.scrub(text)


def non_json_excerpt(body: bytes | str) -> str:
    """What the log keeps of a body that is not JSON: its size only (B13).

    Such a body cannot be redacted by key: a cut JSON page, a flat-file report, an HTML page can
    hold a buyer's name anywhere, and no pattern can tell a name from any other word.
    """
    size = len(body.encode("utf-8") if isinstance(body, str) else body)
    return f"[{size} bytes, not JSON: not kept]"


def _plain(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
