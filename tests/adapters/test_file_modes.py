"""B13, A3: the hub's data directory is 0700 and every file it writes there 0600 (the SQLite database
and its -wal/-shm, the secret key, the intake token, the embedded queue), even under a umask that
would make them world-readable; files an older version left looser are narrowed when the hub opens them."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sellerbridge.bootstrap import build_hub
from sellerbridge.jobs.queue import make_huey
from sellerbridge.services import api_keys
from sellerbridge.services.intake import intake_token
from sellerbridge.settings import Settings


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The common default: new files rw-r--r--, new directories rwxr-xr-x."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _every_file(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): _mode(p) for p in root.rglob("*")}


def _use_a_hub(data_dir: Path, key_name: str = "ops") -> dict[str, int]:
    """Everything a fresh embedded hub writes: database (with a write, so -wal/-shm exist), key, intake
    token, queue; the modes are read while the database is open."""
    settings = Settings(data_dir=data_dir)
    hub = build_hub(settings)
    try:
        api_keys.create_key(hub, key_name, ["viewer"])
        intake_token(settings)
        make_huey(settings).storage.enqueue(b"a message", 0)  # the embedded queue, written to
        return _every_file(data_dir)
    finally:
        hub.close()


def test_b13_a_fresh_hub_data_dir_is_0700_and_every_file_in_it_0600(tmp_path, loose_umask):
    data_dir = tmp_path / "hub"

    files = _use_a_hub(data_dir)

    assert _mode(data_dir) == 0o700
    assert {"sellerbridge.sqlite3", "sellerbridge.sqlite3-wal", "sellerbridge.sqlite3-shm", "secret.key",
            "intake.token", "queue.sqlite3"} <= set(files), files
    assert {name: mode for name, mode in files.items() if mode & 0o077} == {}


def test_b13_files_an_older_version_left_readable_are_narrowed_when_the_hub_opens_them(tmp_path, loose_umask):
    data_dir = tmp_path / "hub"
    _use_a_hub(data_dir)
    os.chmod(data_dir, 0o755)
    for name in ("sellerbridge.sqlite3", "secret.key", "queue.sqlite3"):
        os.chmod(data_dir / name, 0o644)

    files = _use_a_hub(data_dir, "ops-again")

    assert _mode(data_dir) == 0o700
    assert {name: mode for name, mode in files.items() if mode & 0o077} == {}


def test_b13_a_database_named_outside_the_data_dir_is_0600_and_its_shared_directory_is_left_alone(
        tmp_path, loose_umask):
    shared = tmp_path / "common"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    settings = Settings(data_dir=tmp_path / "hub", database_url=f"sqlite:///{shared / 'hub.sqlite3'}")
    hub = build_hub(settings)
    try:
        api_keys.create_key(hub, "ops", ["viewer"])
        modes = _every_file(shared)
    finally:
        hub.close()

    assert _mode(shared) == 0o755
    assert modes and {name: mode for name, mode in modes.items() if mode & 0o077} == {}
