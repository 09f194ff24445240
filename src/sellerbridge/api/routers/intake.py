"""The ORDER_CHANGE intake (B1): Amazon's notifications, posted by whatever reads the SQS queue.

No API key: the installation's secret token (``services/intake.py``) comes in the
``X-Sellerbridge-Intake-Token`` header of ``POST /intake/amazon``, so that no log of a URL holds it
(issue 9). The older form with the token as the last path segment keeps working for destination URLs
already configured; access logs mask that segment (``api/log_masking.py``). The answer is
202 at once; the notified orders are fetched by the connection's ``orders_fetch`` job, asked of the
runtime here (nothing runs in the web process). Not an ORDER_CHANGE: 400 with the reason. Unknown
seller: 202, ignored.
"""

from __future__ import annotations

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ...jobs import manage
from ...services import intake as service
from ..deps import get_hub
from ..schemas import INTAKE_BODY, IntakeOut, errors

router = APIRouter(tags=["intake"])
MAX_NOTIFICATION_BYTES = 256 * 1024  # Amazon's notifications are a few KB; refuse anything huge


TOKEN_HEADER = "X-Sellerbridge-Intake-Token"


@router.post("/intake/amazon", status_code=202, response_model=IntakeOut,
             responses=errors(400, 404, 413, 422), openapi_extra=INTAKE_BODY)
async def intake(request: Request,
                 token: str | None = Header(None, alias=TOKEN_HEADER)) -> JSONResponse:
    """An ORDER_CHANGE notification (raw, or wrapped by SQS/SNS), the token in the header: 202 at once (B1)."""
    return await _receive(request, token or "")


@router.post("/intake/amazon/{token}", status_code=202, response_model=IntakeOut,
             responses=errors(400, 404, 413, 422), openapi_extra=INTAKE_BODY)
async def intake_token_in_path(request: Request, token: str) -> JSONResponse:
    """The same, the token as the path's last segment (destination URLs configured before; masked in logs)."""
    return await _receive(request, token)


async def _receive(request: Request, token: str) -> JSONResponse:
    if not service.token_matches(request.app.state.intake_token, token):
        raise HTTPException(404, "not found")
    body = await request.body()
    if len(body) > MAX_NOTIFICATION_BYTES:
        raise HTTPException(413, "notification too large")
    try:
        notice = service.read_notice(body)
    except service.NotificationRefused as exc:
        raise HTTPException(400, f"not an ORDER_CHANGE notification: {exc}") from None
    outcome = await run_in_threadpool(_accept, request, notice)
    return JSONResponse({"accepted": True, "amazon_order_id": notice.hint.amazon_order_id, **outcome.as_dict()},
                        status_code=202)


def _accept(request: Request, notice: service.OrderChangeNotice) -> service.IntakeOutcome:
    hub = get_hub(request)
    outcome = service.accept(hub, notice)
    for connection_id in outcome.fetch:  # ids the intake just read: no look-up by name per notification
        manage.request_run_by_id(hub, manage.FETCH, connection_id, queue=request.app.state.queue)
    return outcome
