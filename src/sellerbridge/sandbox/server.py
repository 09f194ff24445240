"""Serving the sandbox on a real socket: ``sellerbridge sandbox serve`` and the demo (I4)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette

from .app import create_app
from .backend import Backend
from .clock import Clock
from .runner import lifespan
from .sellers import SellerSpec, create_seller
from .timings import Timings


def build_served_app(time_scale: float = 1.0) -> Starlette:
    """The sandbox with its background loop (events and notification delivery) while served."""
    app = create_app(Backend(Clock(scale=time_scale), Timings()))
    app.router.lifespan_context = lifespan
    return app


def seed_sellers(app: Starlette, specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    backend: Backend = app.state.backend
    return [create_seller(backend, SellerSpec.from_json(spec)) for spec in specs]


def write_credentials(path: Path, credentials: list[dict[str, Any]], base_url: str) -> None:
    """Credentials go to a 0600 file, never to the terminal (A3)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"endpoint": base_url, "lwa_token_url": f"{base_url}/auth/o2/token",
                   "sellers": credentials}, fh, indent=2)


def serve(app: Starlette, host: str, port: int) -> None:
    app.state.backend.public_base_url = f"http://{host}:{port}"
    uvicorn.run(app, host=host, port=port, log_level="warning")
