"""No secret in a log line (issue 9; A3): the masking of URLs and tokens, for every web server the hub starts.

Access logs write each request's target (path and query). Some targets carry secrets: the setup and
start links (``/setup/<token>``), the legacy intake path (``/intake/amazon/<token>``, kept for the
destination URLs already configured), and the OAuth callback's ``state`` and ``spapi_oauth_code``.
:func:`mask` replaces those values with ``***``, and also anything shaped like an LWA token
(``Atza|``/``Atzr|``...), wherever it appears. :class:`SecretMaskingFilter` applies it to each log
record before any handler writes it; :func:`log_config` is uvicorn's log configuration with the
filter on every handler (``cli/serve.py``, ``cli/runtime.py``, the demo), and :func:`install` puts
it on handlers configured elsewhere.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from ..log_setup import scrub_line

MASK = "***"
# Query parameters whose values are secrets: the OAuth callback's, and the usual token/key names.
SECRET_PARAMETERS = ("state", "spapi_oauth_code", "code", "token", "access_token", "refresh_token",
                     "client_secret", "api_key", "key", "intake_token")
# Path segments that are secrets: what follows these prefixes, up to the next '/', '?' or space.
SECRET_PATH_PREFIXES = ("/setup/", "/intake/amazon/")

_PATH = re.compile("(" + "|".join(re.escape(p) for p in SECRET_PATH_PREFIXES) + r")[^/?#\s\"']+")
_QUERY = re.compile(r"([?&;](?:" + "|".join(SECRET_PARAMETERS) + r")=)[^&#\s\"']*", re.IGNORECASE)


def mask(text: str) -> str:
    """``text`` with every secret path segment and secret query value replaced by ``***``, then scrubbed
    as every log line is (LWA tokens, client secrets, signed URLs, e-mail addresses: ``log_setup``)."""
    text = _PATH.sub(lambda m: m.group(1) + MASK, text)
    text = _QUERY.sub(lambda m: m.group(1) + MASK, text)
    return scrub_line(text)


class SecretMaskingFilter(logging.Filter):
    """Masks a record's message in place, so every handler after it writes the masked text.

    uvicorn's access records keep their arguments (client, method, target, version, status), which
    its formatter reads one by one: only the target is masked there.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            args[2] = mask(str(args[2]))
            record.args = tuple(args)
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler's own error report
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:  # tracebacks may quote a URL
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
        return True


def install(*handlers: logging.Handler) -> None:
    """Put the masking filter on ``handlers`` (default: the root logger's), once each."""
    for handler in handlers or tuple(logging.getLogger().handlers):
        if not any(isinstance(f, SecretMaskingFilter) for f in handler.filters):
            handler.addFilter(SecretMaskingFilter())


def log_config(*, file: Path | None = None, root_level: str = "WARNING") -> dict[str, Any]:
    """uvicorn's logging configuration with the masking filter on every handler.

    The root logger (the hub's own ``sellerbridge.*`` loggers, httpx...) writes through the same masked
    handler, at ``root_level``. With ``file``, uvicorn's logs and the root's (at INFO) go to that file
    instead of the terminal (the demo's ``--log-file``: its terminal shows a live table).
    """
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {**LOGGING_CONFIG, "disable_existing_loggers": False,
                              "filters": {"mask_secrets": {"()": SecretMaskingFilter}}}
    handlers = {name: {**spec, "filters": ["mask_secrets"]} for name, spec in LOGGING_CONFIG["handlers"].items()}
    if file is not None:
        for name, spec in handlers.items():
            spec.pop("stream", None)
            handlers[name] = {**spec, "class": "logging.FileHandler", "filename": str(file), "encoding": "utf-8"}
        root_level = "INFO"
    config["root"] = {"handlers": ["default"], "level": root_level}
    config["handlers"] = handlers
    return config


def uvicorn_options(file: Path | None, *, quiet_level: str = "warning") -> dict[str, Any]:
    """``uvicorn.Config`` log options: ``quiet_level`` on the terminal, or everything at INFO to ``file``."""
    if file is None:
        return {"log_level": quiet_level, "log_config": log_config()}
    return {"log_level": "info", "log_config": log_config(file=file)}
