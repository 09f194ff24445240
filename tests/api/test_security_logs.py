"""Issue 9, secrets in access logs: a whole demo run (the sandbox as Amazon, the hub's REST API, the
intake, an OAuth flow through a setup link) writes no secret to any log. The run's uvicorn access logs
and the hub's logs go to ``--log-file``; that file and the terminal are searched for every secret the
run used or issued."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sellerbridge.api.log_masking import mask
from tests.support.processes import wait_until_serving
from tests.support.sandbox import free_port

pytestmark = pytest.mark.server

CLI = [sys.executable, "-m", "sellerbridge.cli.main"]
KEY_LINE = re.compile(r"Demo admin API key \(created for this run only\): (\S+)")


def _admin_key(proc: subprocess.Popen) -> tuple[str, list[str]]:
    """Read the demo's terminal until it names its admin key (the hub is up then)."""
    seen: list[str] = []
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        found = KEY_LINE.search(line)
        if found:
            return found.group(1), seen
    raise AssertionError("the demo did not start its hub: " + "".join(seen)[-2000:])


def _oauth_flow(hub: str, sandbox: str, key: str, seller: dict) -> dict[str, str]:
    """An admin starts a connection's authorization over REST; a browser follows the start link through
    the sandbox's consent page back to the callback. The secrets the flow carried, by name."""
    new = httpx.post(f"{sandbox}/_sandbox/sellers", json={"marketplaces": ["CA"], "client_id": seller["client_id"],
                                                          "client_secret": seller["client_secret"]})
    assert new.status_code == 201, new.text
    admin = {"X-API-Key": key}
    made = httpx.post(f"{hub}/api/connections", headers=admin, json={
        "name": "client-ca", "marketplace": "CA", "client_id": seller["client_id"],
        "client_secret": seller["client_secret"], "api_base_url": sandbox, "lwa_token_url": f"{sandbox}/auth/o2/token"})
    assert made.status_code == 201, made.text
    started = httpx.post(f"{hub}/api/connections/{made.json()['id']}/oauth", headers=admin, json={
        "application_id": "amzn1.sp.solution.demo",
        "seller_central_url": f"{sandbox}/_sandbox/consent?seller_id={new.json()['seller_id']}"})
    assert started.status_code == 200, started.text
    with httpx.Client(timeout=30, follow_redirects=True) as browser:
        done = browser.get(started.json()["consent_url"])
    assert done.status_code == 200 and "connected" in done.text.lower(), done.text
    callback = parse_qs(urlsplit(str(done.url)).query)
    return {"start token": urlsplit(started.json()["consent_url"]).path.rsplit("/", 1)[1],
            "setup token": urlsplit(started.json()["setup_link"]).path.rsplit("/", 1)[1],
            "state": callback["state"][0], "oauth code": callback["spapi_oauth_code"][0]}


def test_a_whole_demo_run_logs_no_secret(tmp_path: Path) -> None:
    creds, data_dir, log_file = tmp_path / "creds.json", tmp_path / "demo", tmp_path / "servers.log"
    port, hub_port = free_port(), free_port()
    proc = subprocess.Popen(
        [*CLI, "demo", "--port", str(port), "--hub-port", str(hub_port), "--duration", "12", "--time-scale", "600",
         "--credentials-file", str(creds), "--data-dir", str(data_dir), "--log-file", str(log_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "COLUMNS": "200"})
    try:
        key, seen = _admin_key(proc)
        hub, sandbox = f"http://127.0.0.1:{hub_port}", f"http://127.0.0.1:{port}"
        seller = json.loads(creds.read_text())["sellers"][0]
        intake = (data_dir / "intake.token").read_text().strip()
        secrets = {"intake token": intake, "client secret": seller["client_secret"],
                   "refresh token": seller["refresh_token"], **_oauth_flow(hub, sandbox, key, seller)}
        in_header = httpx.post(f"{hub}/intake/amazon", headers={"X-Sellerbridge-Intake-Token": intake}, content=b"{}")
        in_path = httpx.post(f"{hub}/intake/amazon/{intake}", content=b"{}")
        assert in_header.status_code == in_path.status_code == 400  # the token is right, the body is not
        out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err[-3000:]
    logs = log_file.read_text()
    # The file is the run's access logs (not empty, not another file): each kind of request is in it, masked.
    assert '"GET /setup/*** HTTP/1.1" 302' in logs and "GET /oauth/callback?" in logs and "state=***" in logs
    assert '"POST /intake/amazon/*** HTTP/1.1" 400' in logs and '"POST /intake/amazon HTTP/1.1" 400' in logs
    assert "GET /_sandbox/consent?" in logs and "POST /auth/o2/token" in logs
    everything = {"log file": logs, "terminal": "".join(seen) + out, "errors": err}
    for where, text in everything.items():
        for name, secret in secrets.items():
            assert secret not in text, f"the {name} is in the {where}"
        assert "Atza|" not in text and "Atzr|" not in text, f"an LWA token is in the {where}"


def test_the_log_mask_hides_secret_paths_query_values_and_lwa_tokens() -> None:
    line = ('GET /oauth/callback?state=s3cr3t&selling_partner_id=A1&spapi_oauth_code=c0de /setup/abc.def '
            'POST /intake/amazon/t0ken refresh Atzr|IwEBIabc-def token=Atza|xyz')
    masked = mask(line)
    for secret in ("s3cr3t", "c0de", "abc.def", "t0ken", "IwEBIabc", "xyz"):
        assert secret not in masked
    assert "selling_partner_id=A1" in masked and "/setup/***" in masked and "/intake/amazon/***" in masked


def test_sellerbridge_web_access_log_masks_the_setup_and_intake_tokens(tmp_path: Path) -> None:
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SELLERBRIDGE_")},
           "SELLERBRIDGE_DATA_DIR": str(tmp_path / "hub"), "SELLERBRIDGE_INTAKE_TOKEN": "web-intake-token-123456"}
    proc = subprocess.Popen([*CLI, "web", "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(proc, f"{base}/healthz", 60)
        assert httpx.get(f"{base}/setup/secret-setup-token.sig").status_code == 400
        assert httpx.get(f"{base}/oauth/callback?state=secret-state&spapi_oauth_code=secret-code"
                         "&selling_partner_id=A1").status_code == 400
        assert httpx.post(f"{base}/intake/amazon/web-intake-token-123456", content=b"{}").status_code == 400
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    logs = out + err
    assert '"GET /setup/*** HTTP/1.1" 400' in logs and '"POST /intake/amazon/*** HTTP/1.1" 400' in logs
    assert "state=***" in logs and "spapi_oauth_code=***" in logs
    for secret in ("secret-setup-token", "secret-state", "secret-code", "web-intake-token-123456"):
        assert secret not in logs
