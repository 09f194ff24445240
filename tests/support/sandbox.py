"""Test helpers for the sandbox: an in-process client with a stepped clock, and a live server."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from starlette.testclient import TestClient

from sellerbridge.sandbox.app import create_app
from sellerbridge.sandbox.backend import Backend


@dataclass
class SellerCreds:
    client_id: str
    client_secret: str
    refresh_token: str
    seller_id: str
    marketplace_ids: list[str]
    region: str
    roles: list[str]


class Sandbox:
    """A sandbox app driven in-process (TestClient), clock stepped by the test."""

    def __init__(self, time_scale: float = 0.0) -> None:
        self.app = create_app(time_scale=time_scale)
        self.backend: Backend = self.app.state.backend
        self.http = TestClient(self.app, base_url="http://sandbox.local", raise_server_exceptions=False)

    def create_seller(self, **spec: Any) -> SellerCreds:
        r = self.http.post("/_sandbox/sellers", json=spec)
        assert r.status_code == 201, r.text
        return SellerCreds(**r.json())

    def access_token(self, creds: SellerCreds) -> str:
        r = self.http.post("/auth/o2/token", data={
            "grant_type": "refresh_token", "refresh_token": creds.refresh_token,
            "client_id": creds.client_id, "client_secret": creds.client_secret})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def client_for(self, creds: SellerCreds) -> SellerClient:
        return SellerClient(self, creds, self.access_token(creds))

    def advance(self, seconds: float) -> None:
        r = self.http.post("/_sandbox/clock", json={"advance_seconds": seconds})
        assert r.status_code == 200, r.text

    def config(self, **timings: Any) -> None:
        r = self.http.post("/_sandbox/config", json=timings)
        assert r.status_code == 200, r.text

    def fault(self, **spec: Any) -> None:
        r = self.http.post("/_sandbox/faults", json=spec)
        assert r.status_code == 201, r.text


@dataclass
class SellerClient:
    """Calls SP-API operations as one seller, with its access token."""

    sandbox: Sandbox
    creds: SellerCreds
    token: str

    def request(self, method: str, path: str, token: str | None = None, **kw: Any) -> httpx.Response:
        headers = {"x-amz-access-token": token or self.token, **kw.pop("headers", {})}
        return self.sandbox.http.request(method, path, headers=headers, **kw)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", path, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(app: Any, host: str = "127.0.0.1"):
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yield its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("sandbox server did not start")
        time.sleep(0.02)
    base_url = f"http://{host}:{port}"
    backend = getattr(getattr(app, "state", None), "backend", None)
    if backend is not None:
        backend.public_base_url = base_url
    try:
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
