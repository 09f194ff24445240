"""Report documents behind pre-signed URLs: download, gunzip, decode (G2, F1, B13).

Amazon's rules (docs/amazon-quirks.md):

- ``getReportDocument`` gives a pre-signed S3 URL valid five minutes; the download is a plain GET
  with no SP-API headers (S3 would refuse an ``x-amz-access-token``; and the token must not leak
  to another host).
- ``compressionAlgorithm: GZIP`` means the bytes are gzip; a download cut short or damaged shows
  as a gzip error (length, CRC) and is worth one fetch of a fresh URL, not a failed run.
- The text's charset is in the document's ``Content-Type`` (NA reports are often windows-1252, JP
  Shift_JIS); none named means UTF-8. Shift_JIS is read as Microsoft's superset (cp932) and
  ISO-8859-1 as windows-1252, as browsers do: Amazon's files use characters of the supersets.
"""

from __future__ import annotations

import gzip
import re
import zlib

import httpx

DEFAULT_CHARSET = "utf-8"
# label (lower-case) -> Python codec that reads what Amazon writes under that label
CHARSET_ALIASES = {
    "utf-8": "utf-8-sig", "utf8": "utf-8-sig", "us-ascii": "utf-8-sig", "ascii": "utf-8-sig",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "windows-31j": "cp932",
    "cp932": "cp932", "ms932": "cp932",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "windows-1252": "cp1252", "cp1252": "cp1252",
}
_CHARSET = re.compile(r"charset\s*=\s*\"?([^\";\s]+)", re.IGNORECASE)


class DocumentError(Exception):
    """The download is unusable (refused, cut short, damaged, not in its charset). ``reason`` says which."""

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def charset_of(content_type: str | None) -> str:
    """The codec for a document's Content-Type (UTF-8 when it names none)."""
    match = _CHARSET.search(content_type or "")
    label = match.group(1).strip().lower() if match else DEFAULT_CHARSET
    return CHARSET_ALIASES.get(label, label)


def fetch(http: httpx.Client, url: str) -> tuple[int, bytes, str | None]:
    """GET a pre-signed URL with nothing but the URL: (status, bytes, Content-Type). DocumentError if no answer."""
    try:
        response = http.get(url, headers={"Accept": "*/*"})
    except httpx.HTTPError as exc:
        raise DocumentError(f"no answer from the document URL ({type(exc).__name__})") from None
    return response.status_code, response.content, response.headers.get("content-type")


def decode(raw: bytes, compression: str | None, content_type: str | None) -> str:
    """The document's text: gunzipped when ``compression`` is GZIP, decoded with its charset."""
    if (compression or "").upper() == "GZIP":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DocumentError(f"the GZIP document is cut short or damaged ({type(exc).__name__})") from None
    codec = charset_of(content_type)
    try:
        return raw.decode(codec)
    except LookupError:
        raise DocumentError(f"the document names a charset Python does not know ({codec})") from None
    except UnicodeDecodeError as exc:
        raise DocumentError(f"the document is not valid {codec} at byte {exc.start}") from None


def upload(http: httpx.Client, url: str, content: bytes, content_type: str) -> tuple[int, bytes]:
    """PUT ``content`` to a pre-signed URL with only its content type: (status, body). DocumentError if no answer.

    S3 signs the content type given to ``createFeedDocument``: the upload must carry exactly it, and no
    SP-API header (the access token stays with Amazon's API host)."""
    try:
        response = http.put(url, content=content, headers={"Content-Type": content_type})
    except httpx.HTTPError as exc:
        raise DocumentError(f"no answer from the upload URL ({type(exc).__name__})") from None
    return response.status_code, response.content
