"""``sellerbridge demo`` and ``sellerbridge sandbox serve`` run as a user would start them (I4)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.processes import wait_until_serving
from tests.support.sandbox import free_port

pytestmark = pytest.mark.server

CLI = [sys.executable, "-m", "sellerbridge.cli.main"]


def test_i4_demo_serves_the_sandbox_and_the_hub_stores_its_orders_without_configuration(tmp_path: Path):
    creds = tmp_path / "creds.json"
    data_dir = tmp_path / "demo"
    port, hub_port = free_port(), free_port()
    out = subprocess.run(
        [*CLI, "demo", "--port", str(port), "--hub-port", str(hub_port), "--duration", "6",
         "--time-scale", "600", "--credentials-file", str(creds), "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=90, env={**os.environ, "COLUMNS": "200"},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert f"listening on http://127.0.0.1:{port}" in out.stdout
    assert f"Hub REST API listening on http://127.0.0.1:{hub_port}" in out.stdout
    generated = re.findall(r"Amazon: (\d+) orders - ", out.stdout)
    assert generated and int(generated[-1]) > 20, out.stdout[-2000:]
    assert "Unshipped" in out.stdout
    # B1: the hub stored orders while the demo ran (push + poll), shown in the table and in its database
    stored = re.findall(r"Hub: (\d+) orders stored", out.stdout)
    assert stored and int(stored[-1]) > 0, out.stdout[-2000:]
    assert re.search(r"Last poll: \S+ \d\d:\d\d:\d\d (done|partial)", out.stdout) and "p95" in out.stdout
    with sqlite3.connect(data_dir / "sellerbridge.sqlite3") as db:
        [[in_db]] = db.execute("SELECT COUNT(*) FROM orders").fetchall()
        [[notified]] = db.execute("SELECT COUNT(*) FROM sync_runs WHERE flow = 'orders_fetch'").fetchall()
    assert in_db >= int(stored[-1]) > 0
    assert notified > 0  # orders came through the ORDER_CHANGE intake, not only the poll
    assert "demo" in out.stdout.lower() and re.search(r"API key \(created for this run only\): \S+", out.stdout)
    data = json.loads(creds.read_text())
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    seller = data["sellers"][0]
    # LWA credentials go to the file only, never to the terminal (A3)
    for secret in (seller["client_secret"], seller["refresh_token"]):
        assert secret not in out.stdout and secret not in out.stderr


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
        wait_until_serving(proc, f"{base}/_sandbox/clock", 30)
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
