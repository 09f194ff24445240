"""Files of the hub at rest: the data directory 0700, every file in it 0600 (B13, A3).

The data directory holds the SQLite database (orders, encrypted buyer data, credentials), its
``-wal`` and ``-shm`` files, the secret key, the intake token and the embedded queue: nobody but the
hub's user may read or list any of it. Each file is created with its mode (never created world-
readable and narrowed afterwards: a reader could open it in between), and files and directories
left looser by an older version are narrowed when the hub opens them. Only permission bits are taken
away, never added; and only the data directory itself is narrowed: the directory of a database file
named elsewhere (``SELLERBRIDGE_DATABASE_URL``) is created 0700 when missing, never changed when it
exists (it may be shared, even ``/tmp``).
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

log = logging.getLogger("sellerbridge.files")

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path | str) -> Path:
    """The directory, created 0700 (with its missing parents) or narrowed to 0700."""
    path = Path(path)
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    _narrow(path, PRIVATE_DIR)
    return path


def private_file(path: Path | str, *, create: bool = False) -> Path:
    """The file narrowed to 0600; with ``create``, an empty one is made 0600 first if none exists
    (SQLite then creates its ``-wal`` and ``-shm`` with the database file's mode)."""
    path = Path(path)
    if create:
        if not path.parent.exists():
            path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # O_EXCL: never truncate, never follow another's file
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    if path.exists():
        _narrow(path, PRIVATE_FILE)
    return path


def private_sqlite_files(database: Path | str) -> None:
    """The SQLite database file and its ``-wal``, ``-shm`` and ``-journal`` companions narrowed to 0600."""
    database = Path(database)
    for suffix in ("", "-wal", "-shm", "-journal"):
        private_file(database.with_name(database.name + suffix))


def _narrow(path: Path, allowed: int) -> None:
    info = path.stat()
    mode = info.st_mode & 0o777
    if not mode & ~allowed:
        return
    if info.st_uid != os.getuid():  # another user's file (a shared, read-only database): not ours to change
        log.warning("%s is readable by other users (mode %o) and not owned by this user: not changed", path, mode)
        return
    try:
        os.chmod(path, mode & allowed)
    except OSError as exc:  # a read-only mount: say so, and go on
        log.warning("cannot narrow %s to mode %o: %s", path, mode & allowed, exc.strerror)
