"""The local sandbox's stand-in for SQS: where a queue's notifications are posted (I4, B1 push path).

Amazon delivers notifications to an SQS queue, and the operator forwards the queue to the hub's intake.
The local sandbox has no SQS: it posts each notification for a queue ARN to an HTTP URL it is told
with ``POST /_sandbox/sqs``. That call is the sandbox's own control API, not an SP-API operation, so
it lives here with the commands that set up a local hub (``connection subscribe`` against the
sandbox, ``sellerbridge demo``), never in ``amazon/``.
"""

from __future__ import annotations

import httpx

from ..domain.common.errors import ConfigError

ROUTE_PATH = "/_sandbox/sqs"
TIMEOUT_SECONDS = 30.0


def route_sandbox_queue(sandbox_url: str, sqs_arn: str, url: str | None, *, http: httpx.Client | None = None) -> None:
    """Have the sandbox at ``sandbox_url`` post what Amazon sends to ``sqs_arn`` to ``url`` (None: stop).

    Raises ConfigError when the sandbox cannot be reached or refuses: the connection's endpoint is then
    not a running local sandbox, which only its configuration (or starting the sandbox) can fix.
    """
    client = http or httpx.Client(timeout=TIMEOUT_SECONDS)
    try:
        response = client.post(sandbox_url.rstrip("/") + ROUTE_PATH, json={"arn": sqs_arn, "url": url})
    except httpx.HTTPError as exc:
        raise ConfigError(f"the sandbox at {sandbox_url} could not be reached ({type(exc).__name__}): "
                          "is it running?") from None
    finally:
        if http is None:
            client.close()
    if response.status_code != 200:
        raise ConfigError(f"the sandbox refused to route the queue (HTTP {response.status_code}): {sandbox_url} "
                          "is not a local sellerbridge sandbox")
