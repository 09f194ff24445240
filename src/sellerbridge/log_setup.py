"""Logging of the hub's processes: warnings and the audit trail reach stderr, secrets never do (B13, A3).

Without a configuration Python drops every INFO line and prints warnings bare: the audit lines of PII
views (``sellerbridge.audit``) were lost. :func:`configure_logging` is called by every entry point:

- the servers (``sellerbridge web``, ``run``, ``worker``, ``scheduler``; ``service=True``): the hub's
  own loggers at INFO (runs, the intake, the audit trail), everyone else's at WARNING;
- any other command (``service=False``): WARNING and above only; a command's output is its own, and
  the PII access log table is the record of a view whatever is printed.

One handler, on stderr (the one of the moment: a test runner may swap it), installed once however
often this is called. Every line goes through a formatter that removes Amazon's token and secret
shapes, signed URL queries and e-mail addresses, tracebacks included: a message must never carry
them, and this is the net under that rule. ``httpx`` logs every URL at INFO: it stays at WARNING.
uvicorn configures its own loggers (its access log is ``cli/serve.py``'s).
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

from .amazon.transport.calllog import Redactor

__all__ = ["configure_logging", "scrub_line"]

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
QUIET = ("httpx", "httpcore", "urllib3", "spapi", "huey")  # third parties: WARNING even for servers
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_REDACTOR = Redactor()


def scrub_line(text: str) -> str:
    """``text`` without Amazon's token and secret shapes, signed URL queries or e-mail addresses: the one
    scrubbing of a log line, here and in the web servers' masking filter (``api/log_masking.py``)."""
    return _EMAIL.sub("[e-mail]", _REDACTOR.scrub(text))


class _Scrubbing(logging.Formatter):
    """The formatted line (message, arguments, traceback) without secrets or e-mail addresses."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub_line(super().format(record))


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler writing to whatever ``sys.stderr`` is when a line is written."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure_logging(*, service: bool) -> None:
    """Install the hub's one stderr handler on the root logger (idempotent) and set the levels."""
    root = logging.getLogger()
    if not any(isinstance(h, _CurrentStderr) for h in root.handlers):
        handler = _CurrentStderr()
        handler.setFormatter(_Scrubbing(FORMAT))
        root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("sellerbridge").setLevel(logging.INFO if service else logging.WARNING)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
