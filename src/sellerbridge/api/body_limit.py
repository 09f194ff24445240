"""The request-body limit of every route (I2; issue 9): a pure ASGI middleware, so that it acts
before any route, dependency or parser has read a byte.

- A ``Content-Length`` above the limit is answered 413 at once: the route never runs (a route that
  does not read its body would otherwise act first and be refused after).
- A ``Content-Length`` that is not a number is answered 400.
- A body without a length (chunked) is counted as it streams; the message that crosses the limit
  ends the request with 413, before the route sees the body.

Answers are the API's error shape, ``{"detail": "..."}``. The intake keeps its own, smaller limit.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024  # the largest request of the API (a connection, a schedule) is ~2 KB


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body crosses the limit: an HTTPException, so that the
    body parsers pass it on (they turn other errors into 400) and the API answers it 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body is larger than {max_bytes} bytes")


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` (see the module's rules)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared == "invalid":
            await _answer(send, 400, "the Content-Length header is not a number of bytes")
            return
        if isinstance(declared, int) and declared > self.max_bytes:
            await _answer(send, 413, f"the request body is larger than {self.max_bytes} bytes")
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:  # raised outside the API's exception handling
            if started:  # the route answered before reading all of it: nothing more to say
                return
            await _answer(send, 413, f"the request body is larger than {self.max_bytes} bytes")


def _content_length(scope: Scope) -> int | str | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isascii() and text.isdigit() else "invalid"
    return None


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
