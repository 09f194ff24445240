"""The test session reads nothing outside the repository (a clone must stand alone: issue 8).

An audit hook (PEP 578) refuses, with ``PermissionError``, every ``open``/``listdir``/``scandir`` of a
path that lies beside the checkout rather than in it: ``../shared`` above all (the reference folder
CI happens to have), and anything else under the checkout's parent except the system's temporary
directory. It is installed for the whole session by ``tests/conftest.py``, so a test or a product
module that reads such a path fails where it reads, in CI too, where ``../shared`` exists.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BESIDE = REPO.parent
SHARED = BESIDE.joinpath("shared")  # the reference folder CI has beside the clone: named to be refused
_AUDITED = frozenset({"open", "os.listdir", "os.scandir"})
_installed = False


def _inside(path: str, folder: Path) -> bool:
    folder_text = str(folder)
    return path == folder_text or path.startswith(folder_text + os.sep)


def refused(path: object) -> bool:
    """Whether the guard refuses to let the tests read ``path``."""
    if isinstance(path, int) or path is None:
        return False  # a file descriptor: its path was checked when it was opened
    try:
        text = os.path.abspath(os.fsdecode(path))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    if _inside(text, SHARED):
        return True
    if not _inside(text, BESIDE) or _inside(text, REPO):
        return False
    return not _inside(text, Path(tempfile.gettempdir()).resolve())


def _hook(event: str, args: tuple) -> None:
    if event in _AUDITED and args and refused(args[0]):
        raise PermissionError(f"the tests must not read outside the repository: {args[0]}")


def install() -> None:
    """Install the guard once per process (an audit hook cannot be removed)."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True
