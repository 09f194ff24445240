"""Pre-signed document URLs, standing in for S3 (I4).

``PUT`` uploads a feed document (the content type must match the one given to
createFeedDocument, as S3 checks the signed header); ``GET`` downloads a feed or report document.
URLs expire after ``presigned_url_seconds`` (5 minutes) of simulated time, with S3's XML error.
Scripted ``truncate``/``corrupt`` faults (operation ``downloadDocument``) damage a download.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..backend import Backend


def _s3_error(status: int, code: str, message: str) -> Response:
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>")
    return Response(body, status_code=status, media_type="application/xml")


def _check(backend: Backend, request: Request, document_id: str, method: str) -> Response | None:
    problem = backend.check_presigned(document_id, method, dict(request.query_params))
    if problem is None:
        return None
    code, _, message = problem.partition(":")
    return _s3_error(403, code, message or "Access Denied")


async def download(request: Request) -> Response:
    backend: Backend = request.app.state.backend
    document_id = request.path_params["document_id"]
    with backend.lock:
        backend.events.run_due(backend.now())
        denied = _check(backend, request, document_id, "GET")
        if denied is not None:
            return denied
        doc = backend.documents.get(document_id)
        if doc is None or doc.content is None:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        content = doc.content
        fault = backend.faults.take("downloadDocument", doc.seller_id, kinds=("truncate", "corrupt"))
    if fault is not None and fault.kind == "truncate":
        content = content[: max(1, len(content) // 2)]
    elif fault is not None and fault.kind == "corrupt":
        content = bytes(b ^ 0x5A if i % 7 == 3 else b for i, b in enumerate(content))
    # The stored content type carries the charset (S3 keeps the uploader's Content-Type even for GZIP
    # bytes): clients such as python-amazon-sp-api decode reports with it, else with ISO-8859-1.
    return Response(content, headers={"Content-Type": doc.content_type})


async def upload(request: Request) -> Response:
    backend: Backend = request.app.state.backend
    document_id = request.path_params["document_id"]
    body = await request.body()
    with backend.lock:
        denied = _check(backend, request, document_id, "PUT")
        if denied is not None:
            return denied
        doc = backend.documents.get(document_id)
        if doc is None or doc.kind != "feed":
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        sent_type = request.headers.get("content-type", "")
        if sent_type.split(";")[0].strip().lower() != doc.content_type.split(";")[0].strip().lower():
            return _s3_error(403, "SignatureDoesNotMatch",
                             "The request signature we calculated does not match the signature you provided.")
        doc.content = body
    return Response(status_code=200, headers={"ETag": '"sandbox"'})


routes = [
    Route("/_documents/{document_id}", download, methods=["GET"]),
    Route("/_documents/{document_id}", upload, methods=["PUT"]),
]
