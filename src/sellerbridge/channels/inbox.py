"""Files the warehouse leaves for the hub (C1: shipment files; D: stock files later), one :class:`Inbox` per place.

An inbox is a directory (local, or on an SFTP server). A file is taken only once it is complete: the
warehouse writes it under a temporary name (``.tmp``/``.part`` or a leading dot) and renames it, the same
rule our own file drop follows. :meth:`Inbox.done` moves a read file to ``processed/`` or, when some of
its rows were refused, to ``failed/`` with a ``<name>.errors.txt`` beside it that lists each refused row
by line number (nothing is lost: the valid rows were taken, the file stays for a person).
"""

from __future__ import annotations

import os
from pathlib import Path

PARTIAL_SUFFIXES = (".tmp", ".part", ".partial")
PROCESSED, FAILED = "processed", "failed"


def is_complete_name(name: str) -> bool:
    """A file the warehouse has finished writing (not hidden, not a temporary name, not our report)."""
    return not name.startswith(".") and not name.endswith(PARTIAL_SUFFIXES) and not name.endswith(".errors.txt")


class LocalInbox:
    """``domain.ports.deliveries.Inbox`` in a local directory."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def pending(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.name for p in self.directory.iterdir() if p.is_file() and is_complete_name(p.name))

    def read(self, name: str) -> bytes:
        return (self.directory / _plain(name)).read_bytes()

    def done(self, name: str, *, ok: bool, report: str = "") -> None:
        target = self.directory / (PROCESSED if ok else FAILED)
        target.mkdir(mode=0o700, exist_ok=True)
        name = _plain(name)
        if report:
            (target / f"{name}.errors.txt").write_text(report, encoding="utf-8")
        os.replace(self.directory / name, target / name)


def _plain(name: str) -> str:
    """A file name inside the inbox, never a path out of it."""
    if not name or name != os.path.basename(name) or name in {".", ".."}:
        raise ValueError(f"not a file name of the inbox: {name!r}")
    return name
