"""A real webhook receiver on loopback, as a warehouse would write one (B14): it verifies the signature
(``channels/signature.py``, the algorithm docs/warehouse.md shows) and is idempotent by message id.

``mode`` says how it answers the next requests: ``ok`` (processes a message the first time, 200 always),
``500``, ``429`` (with Retry-After), ``timeout`` (answers after ``slow_seconds``), ``drop`` (closes the
connection without an answer), ``lost`` (processes it, then answers 500: the answer was lost, so the
hub sends it again and the receiver must not process it twice), ``redirect`` (307 elsewhere).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sellerbridge.channels import signature


class WebhookReceiver:
    def __init__(self, secrets: list[str] | None = None) -> None:
        self.secrets: list[str] = list(secrets or [])
        self.mode = "ok"
        self.slow_seconds = 1.0
        self.retry_after = "120"
        self.processed: dict[str, dict[str, Any]] = {}  # message id -> body, first processing only
        self.processings: Counter[str] = Counter()  # message id -> times processed (must stay 1)
        self.requests: list[tuple[str, str, int]] = []  # (message id, mode, status answered)
        self.bad_signatures = 0
        self.headers_seen: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver._take(self, body)

        return Handler

    def _answer(self, handler: BaseHTTPRequestHandler, status: int, text: str = "",
                headers: dict[str, str] | None = None) -> None:
        try:
            handler.send_response(status)
            for key, value in (headers or {}).items():
                handler.send_header(key, value)
            data = text.encode()
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the hub gave up waiting (a timeout)
            pass

    def _take(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        mode = self.mode
        message_id = handler.headers.get(signature.MESSAGE_ID_HEADER, "")
        with self._lock:
            self.headers_seen.append({k: v for k, v in handler.headers.items()})
        if mode == "drop":
            handler.close_connection = True
            handler.connection.shutdown(2)
            self._note(message_id, mode, 0)
            return
        if mode == "timeout":
            time.sleep(self.slow_seconds)
        if mode == "redirect":  # a moved receiver: the hub must not follow with a signed message
            self._note(message_id, mode, 307)
            self._answer(handler, 307, "", {"Location": self.url + "/elsewhere"})
            return
        try:
            signature.verify(self.secrets, handler.headers.get(signature.HEADER, ""), body)
        except signature.SignatureError as exc:
            with self._lock:
                self.bad_signatures += 1
            self._note(message_id, mode, 401)
            self._answer(handler, 401, str(exc))
            return
        if mode in ("500", "429"):
            status = int(mode)
            self._note(message_id, mode, status)
            wait = {"Retry-After": self.retry_after} if status == 429 else {}
            self._answer(handler, status, '{"error": "busy"}', wait)
            return
        message = json.loads(body)
        with self._lock:
            if message["message_id"] != message_id:
                raise AssertionError("the header's message id is the body's")
            if message_id not in self.processed:  # idempotent by message id
                self.processed[message_id] = message
                self.processings[message_id] += 1
        status = 500 if mode == "lost" else 200
        self._note(message_id, mode, status)
        self._answer(handler, status, '{"received": true}')

    def _note(self, message_id: str, mode: str, status: int) -> None:
        with self._lock:
            self.requests.append((message_id, mode, status))

    def orders(self) -> Counter[str]:
        """Amazon order ids processed, each with the number of distinct messages about it."""
        return Counter(m["order"]["amazon_order_id"] for m in self.processed.values() if "order" in m)
