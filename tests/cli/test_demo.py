"""``sellerbridge demo`` and ``sellerbridge sandbox serve`` run as a user would start them (I4)."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.sandbox import free_port

pytestmark = pytest.mark.server

CLI = [sys.executable, "-m", "sellerbridge.cli.main"]


def test_i4_demo_serves_the_sandbox_and_shows_a_live_order_stream(tmp_path: Path):
    creds = tmp_path / "creds.json"
    port = free_port()
    out = subprocess.run(
        [*CLI, "demo", "--port", str(port), "--duration", "4", "--time-scale", "600",
         "--credentials-file", str(creds)],
        capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"},
    )
    assert out.returncode == 0, out.stderr
    assert f"listening on http://127.0.0.1:{port}" in out.stdout
    generated = re.findall(r"(\d+) orders - ", out.stdout)
    assert generated and int(generated[-1]) > 20, out.stdout[-2000:]
    assert "Unshipped" in out.stdout
    data = json.loads(creds.read_text())
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    seller = data["sellers"][0]
    # credentials go to the file only, never to the terminal (A3)
    assert seller["client_secret"] not in out.stdout and seller["refresh_token"] not in out.stdout


def test_i4_sandbox_serve_answers_lwa_and_sp_api_on_loopback(tmp_path: Path):
    creds = tmp_path / "creds.json"
    port = free_port()
    proc = subprocess.Popen(
        [*CLI, "sandbox", "serve", "--port", str(port), "--time-scale", "1",
         "--seller", json.dumps({"marketplaces": ["DE", "FR"], "catalog_size": 10}),
         "--credentials-file", str(creds)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/_sandbox/clock", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.2)
        seller = json.loads(creds.read_text())["sellers"][0]
        assert seller["region"] == "EU"
        token = httpx.post(f"{base}/auth/o2/token", data={
            "grant_type": "refresh_token", "refresh_token": seller["refresh_token"],
            "client_id": seller["client_id"], "client_secret": seller["client_secret"]}).json()["access_token"]
        r = httpx.get(f"{base}/orders/2026-01-01/orders/999-0000000-0000000",
                      headers={"x-amz-access-token": token})
        assert r.status_code == 404 and r.json()["errors"][0]["code"] == "NotFound"
    finally:
        proc.terminate()
        proc.wait(timeout=15)
