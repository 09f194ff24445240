"""B13, A3: the entry points' logging keeps warnings and the audit trail and never prints a secret or an
e-mail address (``sellerbridge/log_setup.py``), in a real process with nothing else configured."""

from __future__ import annotations

import subprocess
import sys

TOKEN = "Atza|IwEBIFakeAccessTokenForTheTest"
EMAIL = "zq7k2buyer@marketplace.amazon.com"

PROGRAM = f"""
import logging
from sellerbridge.log_setup import configure_logging
configure_logging(service={{service}})
configure_logging(service={{service}})  # entry points may call it twice: one handler
logging.getLogger("sellerbridge.audit").info("PII of order 111-1 (address.name) shown to api-key:3:ops via rest")
logging.getLogger("sellerbridge.jobs").warning("lease lost with token {TOKEN} for {EMAIL}")
logging.getLogger("httpx").info("HTTP Request: GET https://s3.example/doc?X-Amz-Signature=abc")
try:
    raise RuntimeError("refresh failed: {TOKEN}")
except RuntimeError:
    logging.getLogger("sellerbridge.worker").exception("job failed")
"""


def _stderr(service: bool) -> str:
    done = subprocess.run([sys.executable, "-c", PROGRAM.format(service=service)], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout == ""
    return done.stderr


def test_b13_a_server_process_logs_audit_lines_and_warnings_and_never_a_token_or_an_e_mail():
    err = _stderr(service=True)

    assert err.count("sellerbridge.audit: PII of order 111-1 (address.name) shown to api-key:3:ops") == 1
    assert "WARNING sellerbridge.jobs: lease lost with token [redacted] for [e-mail]" in err
    assert "ERROR sellerbridge.worker: job failed" in err and "RuntimeError: refresh failed: [redacted]" in err
    assert TOKEN not in err and "IwEBIFake" not in err and EMAIL not in err
    assert "HTTP Request" not in err  # httpx's URLs stay out


def test_b13_a_command_process_logs_warnings_only_and_scrubbed():
    err = _stderr(service=False)

    assert "sellerbridge.audit" not in err  # the access log table is a command's record of a view
    assert "lease lost with token [redacted] for [e-mail]" in err and TOKEN not in err and EMAIL not in err
