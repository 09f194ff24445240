"""Local files the hub hands to a warehouse or takes from it (B13, B14): private modes, atomic writes.

Buyer data may be in a batch file, so directories the hub creates are 0700 and the files 0600, each
created with its mode (never created looser and narrowed afterwards). A directory that exists is left
as the operator made it (it may be shared with the warehouse's user on purpose). A file appears
complete under its final name or not at all: it is written under a temporary dot-name in the same
directory, flushed to disk (``fsync``), renamed over the final name, and the directory is synced, so a
crash leaves the old state or the new one, never a torn file. (``db/files.py`` keeps the same modes for
the data directory; ``channels`` may not import ``db``, hence this small twin.)
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dirs(path: Path) -> Path:
    """``mkdir -p`` with 0700 for every directory created (existing ones are not changed)."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            directory.mkdir(mode=PRIVATE_DIR)
            os.chmod(directory, PRIVATE_DIR)  # mkdir's mode is masked by the umask: make it exact
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (0600) atomically and durably (see the module's rules)."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _sync_dir(path.parent)


def _sync_dir(directory: Path) -> None:
    """Make the rename itself durable (a no-op where directories cannot be opened, e.g. Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
